#!/usr/bin/env bash
# Measures the module as Skelly-Jelly deploys it: Data Capture and the Analysis Engine are other processes, so
# every event arrives as a TCP-bridge frame and every batch leaves as JSON text. scripts/bridge-load.py, in its
# own process, publishes RATE events/s (one RawEvent per frame, 10 ms ticks, a PNG screenshot every 30 s) and
# consumes skelly.event-batch.json on a second connection, answering each batch with skelly.analysis-complete as
# the Analysis Engine does. The module runs the jar under conf/jvm.options on a scratch database. CPU (tick-sampled,
# and exact in all and by thread name) and RSS (mean, maximum) of the module's process are sampled for SECONDS
# after WARMUP; then the same with both connections open and nothing sent (idle). Prints one
# JSON line: the figures, CPU-µs per event above idle, and what the consumer saw (sent = batched, exactly once).
#
#   scripts/measure-deployed.sh [RATE] [SECONDS] [WARMUP_SECONDS]     (defaults: 1000 60 60)
#
# JAR=path measures another build; JAVA_OPTS adds JVM options for the module; its log goes to LOG=path.
# IDLE=no skips the idle measure (for a long busy run whose CPU above idle is not wanted).
# CHECK=yes runs the module with the blocked-thread checker as issue 18 measures the longest event-loop task (every
# 5 ms, warning past 20 ms) and a GC log, and adds for each measure the event-loop stretches the checker warned about
# and the full collections, counted from the end of the warm-up (scripts/lib/stretches.py).
# LOAD_OPTS adds options to bridge-load.py (e.g. --no-analysis-complete: screenshots then wait for
# screenshot_retention_seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-1000}
seconds=${2:-60}
warmup=${3:-60}
jar=${JAR:-src/target/skelly-storage.jar}
source scripts/lib/proc-measure.sh

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

measure() { # args: label, rate
  local label=$1 r=$2 dir port token pid client check_opts=() since_day since_uptime
  dir=$(mktemp -d)
  port=$(free_port)
  token=$(head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c 40)
  if [[ ${CHECK:-no} == yes ]]; then
    check_opts=(-Dskelly.blockedThreadCheckMs=5 -Dskelly.maxEventLoopExecuteMs=20 "-Xlog:gc:file=$dir/gc.log")
  fi
  # shellcheck disable=SC2086
  java @conf/jvm.options "${check_opts[@]}" ${JAVA_OPTS:-} -jar "$jar" run --set database_path="$dir/events.db" \
    --set screenshot_temp_dir="$dir/shots" --set tcp_bridge_port="$port" --set bridge_token="$token" \
    >"$dir/out" 2>"$dir/err" &
  pid=$!
  for _ in $(seq 100); do
    (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
    sleep 0.2
  done
  # shellcheck disable=SC2086
  python3 scripts/bridge-load.py --port "$port" --token "$token" --rate "$r" --seconds $((warmup + seconds + 1)) \
    --screenshot-every 30 --drain 90 ${LOAD_OPTS:-} >"$dir/client" &
  client=$!
  sleep "$warmup"
  since_day=$(date +%T.%N)
  since_uptime=$(awk -v hz="$(getconf CLK_TCK)" -v up="$(cut -d' ' -f1 /proc/uptime)" '{printf "%.3f", up - $22 / hz}' /proc/"$pid"/stat)
  sample "$label" $pid "$seconds"
  wait $client || true
  kill -TERM $pid
  wait $pid || true
  if [[ -n ${LOG:-} ]]; then cp "$dir/err" "$LOG.$label"; fi
  if [[ ${CHECK:-no} == yes ]]; then
    python3 scripts/lib/stretches.py "$label" "$dir/err" "$dir/gc.log" "$since_day" "$since_uptime"
  fi
  printf ', "%s_client": %s' "$label" "$(cat "$dir/client")"
  rm -rf "$dir"
}

busy=$(measure busy "$rate")
if [[ ${IDLE:-yes} == no ]]; then
  printf '{"rate": %s, "seconds": %s, %s}\n' "$rate" "$seconds" "$busy"
  exit 0
fi
idle=$(measure idle 0)
busy_cpu=$(field "$busy" busy_cpu_percent_exact)
idle_cpu=$(field "$idle" idle_cpu_percent_exact)
per_event=$(echo "($busy_cpu - $idle_cpu) / 100 * 1000000 / $rate" | bc -l)
printf '{"rate": %s, "seconds": %s, %s, %s, "cpu_us_per_event_above_idle": %.2f}\n' "$rate" "$seconds" "$busy" "$idle" "$per_event"
