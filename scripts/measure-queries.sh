#!/usr/bin/env bash
# Measures the query side against issue 15's targets and prints one JSON line:
#  - `bench --queries` (one JVM under conf/jvm.options, the module in it): a database of a year (rollups of 365
#    days of 8 active hours at 100 events/s written directly, one raw hour at RAW_RATE events/s ingested through
#    the module), then p50/p95/max over RUNS answers, asked while the module ingests 1000 events/s, of: today's
#    appUsage + MINUTE timeline (target p95 ≤ 50 ms), appUsage by DAY over the year (≤ 200 ms), a page of 10 000
#    events of the raw hour, walking its pages (≤ 150 ms); and the persist latency (send → commit
#    acknowledgement) p99 at 1000 events/s for LOAD_SECONDS without queries and with two query loops (within 20 %).
#  - RSS at 1000 events/s over the TCP bridge with no query (scripts/bridge-load.py, as measure-deployed.sh), this
#    jar against the jar of the commit before the query side (within 3 MB), or against BASE_JAR: the same build
#    with the query verticle's deployment left out isolates what the query side costs a module nobody queries.
#
#   scripts/measure-queries.sh        env: RUNS=200 RAW_RATE=1000 LOAD_SECONDS=30 RSS_SECONDS=60 RSS_WARMUP=60
#
# JAR=path measures another build; BASE_JAR=path compares RSS against that jar, else the base is built (offline
# Maven, into a temporary directory) from BASE_REV, by default the parent of the commit that added the query side.
# The bench's log goes to LOG=path. `uptime` before and after is in the output: the figures mean little on a
# loaded machine.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=${JAR:-src/target/skelly-storage.jar}
source scripts/lib/proc-measure.sh
load_before=$(uptime | sed -E 's/.*load average: //')

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

rss_at_1000() { # args: jar; prints the mean RSS in MB at 1000 events/s over the TCP bridge, no query asked
  local j=$1 dir port token pid client out
  dir=$(mktemp -d)
  port=$(free_port)
  token=$(head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c 40)
  java @conf/jvm.options -jar "$j" run --set database_path="$dir/events.db" --set screenshot_temp_dir="$dir/shots" \
    --set tcp_bridge_port="$port" --set bridge_token="$token" >"$dir/out" 2>"$dir/err" &
  pid=$!
  for _ in $(seq 150); do
    (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
    sleep 0.2
  done
  python3 scripts/bridge-load.py --port "$port" --token "$token" --rate 1000 \
    --seconds $((${RSS_WARMUP:-60} + ${RSS_SECONDS:-60} + 1)) --screenshot-every 30 --drain 60 >"$dir/client" &
  client=$!
  sleep "${RSS_WARMUP:-60}"
  out=$(sample rss "$pid" "${RSS_SECONDS:-60}")
  wait $client || true
  kill -TERM $pid
  wait $pid || true
  rm -rf "$dir"
  field "$out" rss_rss_mean_mb
}

queries=$(java @conf/jvm.options -jar "$jar" bench --queries --query-runs "${RUNS:-200}" --raw-rate "${RAW_RATE:-1000}" \
  --load-seconds "${LOAD_SECONDS:-30}" 2>"${LOG:-/dev/null}")

base_dir=
if [[ -z ${BASE_JAR:-} ]]; then
  added=$(git log --diff-filter=A --format=%H -- verticles/src/main/java/dev/skellyjelly/storage/query/QueryVerticle.java | tail -1)
  rev=${BASE_REV:-$added^}
  base_dir=$(mktemp -d)
  git archive "$rev" | tar -x -C "$base_dir"
  (cd "$base_dir" && mvn -o -B -q -pl codecs,verticles,src package -DskipTests) >&2
  BASE_JAR=$base_dir/src/target/skelly-storage.jar
fi
rss_this=$(rss_at_1000 "$jar")
rss_base=$(rss_at_1000 "$BASE_JAR")
[[ -n $base_dir ]] && rm -rf "$base_dir"
load_after=$(uptime | sed -E 's/.*load average: //')
printf '%s, "rss_mean_mb": %s, "rss_mean_mb_base": %s, "rss_delta_mb": %.1f, "load_before": "%s", "load_after": "%s"}\n' \
  "${queries%\}}" "$rss_this" "$rss_base" "$(echo "$rss_this - $rss_base" | bc -l)" "$load_before" "$load_after"
