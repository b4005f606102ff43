#!/usr/bin/env bash
# Measures the module's steady-state cost under the simulator: CPU (process CPU time / wall time, also per
# event above an idle baseline) and RSS, sampled from /proc after a warm-up. Linux only.
# CPU twice (tick-sampled and exact) and RSS (maximum and mean), as scripts/lib/proc-measure.sh says.
#
#   scripts/measure-run.sh [RATE] [SECONDS] [WARMUP_SECONDS]     (defaults: 1000 60 20)
#
# Runs `run --simulate RATE --screenshot-every 30s` with conf/jvm.options on a scratch database, then the
# same without --simulate (idle), and prints one JSON line. JAR=path measures another build of the jar.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-1000}
seconds=${2:-60}
warmup=${3:-20}
jar=${JAR:-src/target/skelly-storage.jar}
source scripts/lib/proc-measure.sh

measure() { # args: label, extra run arguments...
  local label=$1; shift
  local dir; dir=$(mktemp -d)
  java @conf/jvm.options -jar "$jar" run --set database_path="$dir/events.db" --set screenshot_temp_dir="$dir/shots" \
    "$@" >"$dir/out" 2>"$dir/err" &
  local pid=$!
  sleep "$warmup"
  sample "$label" $pid "$seconds"
  kill -TERM $pid
  wait $pid || true
  rm -rf "$dir"
}

busy=$(measure busy --simulate "$rate" --screenshot-every 30s)
idle=$(measure idle)
busy_cpu=$(field "$busy" busy_cpu_percent)
idle_cpu=$(field "$idle" idle_cpu_percent)
per_event=$(echo "($busy_cpu - $idle_cpu) / 100 * 1000000 / $rate" | bc -l)
printf '{"rate": %s, "seconds": %s, %s, %s, "cpu_us_per_event_above_idle": %.2f}\n' "$rate" "$seconds" "$busy" "$idle" "$per_event"
