#!/usr/bin/env bash
# Measures the module's steady-state cost under the simulator: CPU (process CPU time / wall time, also per
# event above an idle baseline) and RSS, sampled from /proc after a warm-up. Linux only.
# CPU is given twice: from /proc/PID/stat (what `ps` and `top` show: the kernel's tick sampling) and from the
# scheduler's exact run time of every thread (/proc/PID/task/*/schedstat). RSS is sampled every second:
# its maximum and its mean over the measured seconds.
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
tick=$(getconf CLK_TCK)

run_ns() { # the exact CPU time of every thread of a process so far, in nanoseconds
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{t += $1} END {printf "%.0f", t}'
}

measure() { # args: label, extra run arguments...
  local label=$1; shift
  local dir; dir=$(mktemp -d)
  java @conf/jvm.options -jar "$jar" run --set database_path="$dir/events.db" --set screenshot_temp_dir="$dir/shots" \
    "$@" >"$dir/out" 2>"$dir/err" &
  local pid=$!
  sleep "$warmup"
  local t0 c0 t1 c1 e0 e1 rss_max=0 rss_sum=0 rss
  read -r c0 < <(awk '{print $14+$15}' /proc/$pid/stat)
  e0=$(run_ns $pid)
  t0=$(date +%s.%N)
  for ((i = 0; i < seconds; i++)); do
    sleep 1
    rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
    ((rss > rss_max)) && rss_max=$rss
    rss_sum=$((rss_sum + rss))
  done
  read -r c1 < <(awk '{print $14+$15}' /proc/$pid/stat)
  e1=$(run_ns $pid)
  t1=$(date +%s.%N)
  kill -TERM $pid
  wait $pid || true
  local cpu exact; cpu=$(echo "($c1 - $c0) / $tick / ($t1 - $t0) * 100" | bc -l)
  exact=$(echo "($e1 - $e0) / 1000000000 / ($t1 - $t0) * 100" | bc -l)
  printf '"%s_cpu_percent": %.3f, "%s_cpu_percent_exact": %.3f, "%s_rss_max_mb": %.1f, "%s_rss_mean_mb": %.1f' \
    "$label" "$cpu" "$label" "$exact" "$label" "$(echo "$rss_max / 1024" | bc -l)" \
    "$label" "$(echo "$rss_sum / $seconds / 1024" | bc -l)"
  rm -rf "$dir"
}

busy=$(measure busy --simulate "$rate" --screenshot-every 30s)
idle=$(measure idle)
busy_cpu=$(echo "$busy" | sed -E 's/.*"busy_cpu_percent": ([0-9.]+).*/\1/')
idle_cpu=$(echo "$idle" | sed -E 's/.*"idle_cpu_percent": ([0-9.]+).*/\1/')
per_event=$(echo "($busy_cpu - $idle_cpu) / 100 * 1000000 / $rate" | bc -l)
printf '{"rate": %s, "seconds": %s, %s, %s, "cpu_us_per_event_above_idle": %.2f}\n' "$rate" "$seconds" "$busy" "$idle" "$per_event"
