#!/usr/bin/env python3
"""Event-loop stretches and full collections of one measured run, from the module's log and its -Xlog:gc file.

  stretches.py LABEL MODULE_LOG GC_LOG SINCE_TIME_OF_DAY SINCE_UPTIME_SECONDS

A stretch is one event-loop task the blocked-thread checker warned about: its warnings less than 0.2 s apart are
one stretch, as long as the longest of them. Only what began after the warm-up counts (SINCE_*: the module log's
clock is the time of day, the GC log's the JVM's uptime). Prints the figures as JSON members, with a leading comma,
to go inside measure-deployed.sh's line.
"""
import json
import re
import sys



def second_of_day(stamp):
  h, m, s = stamp.split(":")
  return int(h) * 3600 + int(m) * 60 + float(s)


label, module_log, gc_log, since_day, since_uptime = sys.argv[1:6]
since_day = second_of_day(since_day)  # as the log writes it, HH:MM:SS.fraction
since_uptime = float(since_uptime)


stretches = []
with open(module_log, errors="replace") as f:
  for line in f:
    m = re.match(r"(\d\d:\d\d:\d\d\.\d+) WARN .*vert\.x-eventloop\S* has been blocked for (\d+) ms", line)
    if not m:
      continue
    at = second_of_day(m.group(1))
    if at < since_day - 43200:  # past midnight
      at += 86400
    ms = int(m.group(2))
    if stretches and at - stretches[-1][1] < 0.2:
      stretches[-1][1] = at
      stretches[-1][2] = max(stretches[-1][2], ms)
    else:
      stretches.append([at, at, ms])
counted = [s[2] for s in stretches if s[0] >= since_day]

full = []
with open(gc_log, errors="replace") as f:
  for line in f:
    m = re.match(r"\[([\d.]+)s\].*Pause Full.* ([\d.]+)ms", line)
    if m and float(m.group(1)) >= since_uptime:
      full.append(float(m.group(2)))


def span(values):
  return [round(min(values), 1), round(max(values), 1)] if values else []


print(", " + ", ".join([
  f'"{label}_event_loop_stretches": {len(counted)}',
  f'"{label}_event_loop_stretch_ms": {json.dumps(span(counted))}',
  f'"{label}_full_collections": {len(full)}',
  f'"{label}_full_collection_ms": {json.dumps(span(full))}',
]), end="")
