#!/usr/bin/env python3
"""Drives the module as Skelly-Jelly deploys it: another process on the TCP bridge, as Data Capture and the
Analysis Engine are. One connection publishes RawEvents (one per frame, written every --tick-ms, 10 ms by
default, with a real PNG screenshot every --screenshot-every seconds); another registers on skelly.event-batch.json, counts what the
batches carry and, as the Analysis Engine does, sends skelly.analysis-complete for each batch it has read (so a
screenshot is let go of once its batch is analysed; --no-analysis-complete leaves that to screenshot_retention_seconds).
Prints one JSON line at the end: events sent, batched, distinct ids batched, batches.

  bridge-load.py --port P --token T [--rate 1000] [--seconds 120] [--tick-ms 10] [--screenshot-every 30] [--drain 60]
                 [--no-analysis-complete] [--iso-timestamps]

--rate 0 only keeps both connections open (the idle baseline). --seconds is how long events are sent;
afterwards it waits up to --drain seconds for every sent event to come back in a batch. Standard library only.
"""
import argparse
import base64
import json
import os
import random
import socket
import struct
import sys
import threading
import time
import uuid
import zlib


def frame(obj):
  data = json.dumps(obj, separators=(",", ":")).encode()
  return struct.pack(">I", len(data)) + data


def png(width, height, seed):
  """A valid PNG of noisy rows: about width * height * 3 bytes, since noise does not compress."""
  rnd = random.Random(seed)
  raw = bytearray()
  row = width * 3
  for _ in range(height):
    raw.append(0)
    raw += rnd.randbytes(row)
  def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
  ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
  return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw), 1)) + chunk(b"IEND", b"")


APPS = [("Code", "storage.rs"), ("Firefox", "Vert.x docs"), ("Terminal", "cargo test"), ("Slack", "#general")]


def event(kind, now_ms, rnd):
  ts = now_ms
  if kind == "keystroke":
    data = {"key_code": rnd.randrange(8, 120), "modifiers": {"shift": False, "ctrl": False, "alt": False, "meta": False},
            "inter_key_interval_ms": rnd.randrange(40, 400)}
  elif kind == "mouse_move":
    data = {"x": rnd.randrange(0, 1920), "y": rnd.randrange(0, 1080), "velocity": round(rnd.uniform(0, 900), 2)}
  elif kind == "mouse_click":
    data = {"x": rnd.randrange(0, 1920), "y": rnd.randrange(0, 1080), "button": "left", "click_type": "single"}
  elif kind == "window_focus":
    app, title = rnd.choice(APPS)
    data = {"window_title": title, "app_name": app, "process_id": rnd.randrange(100, 40000), "duration_ms": rnd.randrange(0, 60000)}
  elif kind == "process":
    data = {"process_id": rnd.randrange(100, 40000), "process_name": "cargo", "event_type": "started"}
  else:
    data = {"cpu_percent": round(rnd.uniform(0, 200), 1), "memory_mb": rnd.randrange(100, 4000),
            "disk_io_mb_per_sec": round(rnd.uniform(0, 5), 2), "network_io_mb_per_sec": round(rnd.uniform(0, 2), 2)}
  return {"timestamp": ts, "event_type": kind, "data": data}


def iso(now_ms, rnd):
  """now_ms as ISO-8601 text in UTC with six fraction digits (the milliseconds' own, then three more)."""
  t = time.gmtime(now_ms // 1000)
  return time.strftime("%Y-%m-%dT%H:%M:%S", t) + ".%03d%03dZ" % (now_ms % 1000, rnd.randrange(1000))


# The simulator's proportions: mostly mouse moves and keystrokes.
MIX = ["mouse_move"] * 55 + ["keystroke"] * 38 + ["mouse_click"] * 4 + ["window_focus"] * 1 + ["resource"] * 1 + ["process"] * 1


class Consumer(threading.Thread):
  def __init__(self, host, port, token, analysis_complete):
    super().__init__(daemon=True)
    self.analysis_complete = analysis_complete
    # Pings come from the main thread, analysis-complete messages from this one: one frame at a time.
    self.send_lock = threading.Lock()
    self.sock = socket.create_connection((host, port))
    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    self.token = token
    self.events = 0
    self.batches = 0
    self.ids = set()
    self.registered = threading.Event()
    self.lock = threading.Lock()

  def run(self):
    self.sock.sendall(frame({"type": "register", "address": "skelly.event-batch.json", "headers": {"token": self.token}}))
    self.registered.set()
    f = self.sock.makefile("rb", buffering=1 << 20)
    while True:
      head = f.read(4)
      if len(head) < 4:
        return
      (n,) = struct.unpack(">I", head)
      msg = json.loads(f.read(n))
      if msg.get("type") == "message":
        events = msg["body"]["events"]
        with self.lock:
          self.batches += 1
          self.events += len(events)
          self.ids.update(e["id"] for e in events)
        if self.analysis_complete:
          self.send({"type": "send", "address": "skelly.analysis-complete", "headers": {"token": self.token},
                     "body": {"window_id": msg["body"]["window_id"]}})
      elif msg.get("type") == "err":
        print("bridge error: " + json.dumps(msg), file=sys.stderr)

  def send(self, obj):
    with self.send_lock:
      self.sock.sendall(frame(obj))

  def ping(self):
    self.send({"type": "ping"})


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("--host", default="127.0.0.1")
  ap.add_argument("--port", type=int, required=True)
  ap.add_argument("--token", required=True)
  ap.add_argument("--rate", type=int, default=1000)
  ap.add_argument("--seconds", type=float, default=120)
  ap.add_argument("--tick-ms", type=float, default=10, help="how often the producer writes its frames")
  ap.add_argument("--screenshot-every", type=float, default=30)
  ap.add_argument("--drain", type=float, default=60)
  ap.add_argument("--no-analysis-complete", dest="analysis_complete", action="store_false")
  ap.add_argument("--fresh-sessions", action="store_true", help="a new session_id on every event (a buggy producer)")
  ap.add_argument("--iso-timestamps", action="store_true",
                  help="timestamps as ISO-8601 text with microseconds and Z, as a chrono DateTime<Utc> serialises, not epoch ms")
  ap.add_argument("--no-consumer", dest="consume", action="store_false", help="no batch consumer")
  args = ap.parse_args()

  consumer = Consumer(args.host, args.port, args.token, args.analysis_complete)
  if args.consume:
    consumer.start()
    consumer.registered.wait()
  producer = socket.create_connection((args.host, args.port))
  producer.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
  rnd = random.Random(7)
  shot = base64.b64encode(png(1280, 480, 1)).decode() if args.screenshot_every > 0 and args.rate > 0 else None
  headers = {"token": args.token}
  sent = 0
  shots = 0
  start = time.monotonic()
  next_tick = start
  next_shot = start + (args.screenshot_every if args.screenshot_every > 0 else float("inf"))
  next_ping = start + 20
  tick = args.tick_ms / 1000.0
  per_tick = args.rate * tick
  owed = 0.0
  while time.monotonic() - start < args.seconds:
    now = time.monotonic()
    if now < next_tick:
      time.sleep(next_tick - now)
    next_tick += tick
    now_ms = int(time.time() * 1000)
    out = bytearray()
    owed += per_tick
    while owed >= 1:
      owed -= 1
      body = event(rnd.choice(MIX), now_ms, rnd)
      if args.fresh_sessions:
        body["session_id"] = str(uuid.uuid4())
      if args.iso_timestamps:
        body["timestamp"] = iso(now_ms, rnd)
      out += frame({"type": "publish", "address": "skelly.raw-event", "headers": headers, "body": body})
      sent += 1
    if shot is not None and time.monotonic() >= next_shot:
      next_shot += args.screenshot_every
      app, title = rnd.choice(APPS)
      out += frame({"type": "publish", "address": "skelly.raw-event", "headers": headers, "body": {
        "timestamp": now_ms, "event_type": "screenshot",
        "data": {"screenshot_id": str(uuid.uuid4()), "format": "png", "image": shot, "window_title": title, "app_name": app,
                 "screen_region": {"x": 0, "y": 0, "width": 1280, "height": 480}, "privacy_masked": False}}})
      sent += 1
      shots += 1
    if time.monotonic() >= next_ping:
      next_ping += 20
      out += frame({"type": "ping"})
      consumer.ping()
    if out:
      producer.sendall(out)
  deadline = time.monotonic() + args.drain
  while time.monotonic() < deadline:
    with consumer.lock:
      if consumer.events >= sent:
        break
    time.sleep(0.5)
  with consumer.lock:
    print(json.dumps({"sent": sent, "screenshots_sent": shots, "batched": consumer.events, "distinct_ids_batched": len(consumer.ids),
                      "batches": consumer.batches, "exactly_once": consumer.events == sent == len(consumer.ids)}))
  sys.stdout.flush()
  os._exit(0)


if __name__ == "__main__":
  main()
