#!/usr/bin/env bash
# Soak test (not run in CI): the jar under `run --simulate RATE --screenshot-every 30s` for a long time, with the
# HTTP server on, to catch slow leaks and silent loss. Every SAMPLE seconds it records the process's RSS (from
# /proc) and scrapes /metrics; at the end (the run stops itself gracefully after DURATION) it prints RSS
# first/last/max and its drift, dropped_total, dead_letters_total and events received/persisted/batched, from the
# last scrape and from the run's own summary line. Linux only (needs /proc, curl, awk).
#
#   scripts/soak.sh [DURATION] [RATE] [SAMPLE_SECONDS]        (defaults: 1h 1000 60)
#   scripts/soak.sh 2m                                        a quick try
#
# DURATION takes the CLI's forms (90s, 2m, 1h). Environment: SOAK_HTTP_PORT (default: the first free port from
# 18080), SOAK_DIR (scratch directory, default mktemp; kept when SOAK_KEEP=1 or when the run fails).
# Exit status: the module's (0 = it stopped cleanly); 3 when it lost events (persisted < received or
# batched < persisted at the end) or dropped any.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-1h}
rate=${2:-1000}
sample=${3:-60}
jar=src/target/skelly-storage.jar
[[ -f $jar ]] || { echo "soak: $jar is missing: build it first (mvn -B -o -q package -DskipTests)" >&2; exit 2; }

seconds_of() { # 90s | 2m | 1h | 1500ms -> whole seconds
  local d=$1
  case $d in
    *ms) echo $(( ${d%ms} / 1000 )) ;;
    *s) echo "${d%s}" ;;
    *m) echo $(( ${d%m} * 60 )) ;;
    *h) echo $(( ${d%h} * 3600 )) ;;
    *) echo "soak: bad duration '$d' (use 90s, 2m, 1h)" >&2; exit 2 ;;
  esac
}
total=$(seconds_of "$duration") || exit 2
(( total >= 10 )) || { echo "soak: duration must be at least 10s" >&2; exit 2; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=${SOAK_HTTP_PORT:-18080}
if [[ -z ${SOAK_HTTP_PORT:-} ]]; then
  while ! port_free "$port"; do port=$((port + 1)); done
fi

dir=${SOAK_DIR:-$(mktemp -d -t skelly-soak.XXXXXX)}
mkdir -p "$dir"
samples=$dir/samples.tsv

java @conf/jvm.options -jar "$jar" run --simulate "$rate" --screenshot-every 30s --duration "$duration" \
  --set database_path="$dir/events.db" --set screenshot_temp_dir="$dir/shots" --set http_port="$port" \
  >"$dir/stdout" 2>"$dir/stderr" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' INT TERM
echo "soak: pid $pid, ${duration} at ${rate} events/s, sampling every ${sample}s, http://127.0.0.1:$port, scratch $dir"

# Ready once /health answers 200 (start-up generates the simulator's PNGs first).
for _ in $(seq 1 600); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && break
  kill -0 $pid 2>/dev/null || { echo "soak: the module exited during start-up; see $dir/stderr" >&2; tail -5 "$dir/stderr" >&2; exit 1; }
  sleep 0.1
done
start=$(date +%s)

metric_sum() { # name (without the skelly_storage_ prefix) -> sum over its tags in the last scrape
  awk -v m="skelly_storage_$1" '$1 == m || index($1, m "{") == 1 { s += $NF } END { printf "%.0f", s }' "$dir/metrics"
}

take_sample() {
  local rss
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || return 1
  [[ -n $rss ]] || return 1
  curl -fsS -o "$dir/metrics" "http://127.0.0.1:$port/metrics" 2>/dev/null || return 1
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(( $(date +%s) - start ))" "$rss" "$(metric_sum events_received_total)" \
    "$(metric_sum events_persisted_total)" "$(metric_sum events_batched_total)" "$(metric_sum dropped_total)" \
    "$(metric_sum dead_letters_total)" "$(metric_sum db_size_bytes)" >>"$samples"
  tail -1 "$samples" | awk -F'\t' '{ printf "soak: t=%5ss rss=%7.1f MB received=%s persisted=%s batched=%s dropped=%s dead_letters=%s db=%.1f MB\n", $1, $2 / 1024, $3, $4, $5, $6, $7, $8 / 1048576 }'
}

printf 'seconds\trss_kb\treceived\tpersisted\tbatched\tdropped\tdead_letters\tdb_bytes\n' >"$samples"
take_sample || true
# Sample every $sample seconds, and once more just before the run ends on its own.
next=$sample
while kill -0 $pid 2>/dev/null; do
  now=$(( $(date +%s) - start ))
  last_call=$(( total - 3 ))
  target=$(( next < last_call ? next : last_call ))
  if (( now >= last_call )); then
    take_sample || true
    break
  fi
  sleep $(( target - now > 0 ? target - now : 1 ))
  if (( target == next )); then
    take_sample || true
    next=$(( next + sample ))
  fi
done

status=0
wait $pid || status=$?
trap - INT TERM
summary=$(tail -1 "$dir/stdout" 2>/dev/null || true)

# The report.
awk -F'\t' -v summary="$summary" -v status="$status" -v dir="$dir" '
  NR == 1 { next }
  { n++; if (n == 1) { first = $2; t0 = $1 } last = $2; tl = $1; if ($2 > max) max = $2
    received = $3; persisted = $4; batched = $5; dropped = $6; dead = $7 }
  function field(name,   re, v) {
    re = "\"" name "\":[0-9]+"
    if (match(summary, re)) { v = substr(summary, RSTART, RLENGTH); sub(/.*:/, "", v); return v }
    return "?"
  }
  END {
    if (n == 0) { print "soak: no samples taken; see " dir "/stderr"; exit }
    hours = (tl - t0) / 3600
    printf "\nsoak: %d samples over %ds (%s)\n", n, tl - t0, dir
    printf "  RSS          first %.1f MB, last %.1f MB, max %.1f MB, drift %+.1f MB (%+.1f%%)%s\n", first / 1024, last / 1024,
      max / 1024, (last - first) / 1024, first ? 100 * (last - first) / first : 0,
      (hours > 0 ? sprintf(", %+.1f MB/h", (last - first) / 1024 / hours) : "")
    printf "  last scrape  received %s, persisted %s, batched %s, dropped_total %s, dead_letters_total %s\n",
      received, persisted, batched, dropped, dead
    printf "  run summary  received %s, persisted %s, batched %s, dropped %s, dead_letters %s, batches %s (exit %s)\n",
      field("events_received"), field("events_persisted"), field("events_batched"), field("dropped"),
      field("dead_letters"), field("batches_emitted"), status
  }' "$samples"

if (( status != 0 )); then
  echo "soak: the module exited with $status; logs in $dir" >&2
  exit "$status"
fi
received=$(grep -o '"events_received":[0-9]*' <<<"$summary" | cut -d: -f2)
persisted=$(grep -o '"events_persisted":[0-9]*' <<<"$summary" | cut -d: -f2)
batched=$(grep -o '"events_batched":[0-9]*' <<<"$summary" | cut -d: -f2)
dropped=$(grep -o '"dropped":[0-9]*' <<<"$summary" | cut -d: -f2)
if [[ -z $received || $persisted -lt $received || $batched -lt $persisted || $dropped -gt 0 ]]; then
  echo "soak: events lost or dropped (summary: $summary); logs in $dir" >&2
  exit 3
fi
[[ ${SOAK_KEEP:-0} == 1 ]] || rm -rf "$dir"
