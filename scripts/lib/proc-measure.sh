# Sourced by the measure scripts: samples a running process's cost from /proc. Linux only.
# CPU twice: from /proc/PID/stat (what `ps` and `top` show: the kernel's tick sampling) and from the
# scheduler's exact run time of every thread (/proc/PID/task/*/schedstat), also by thread name. RSS every second:
# maximum and mean.

run_ns() { # the exact CPU time of every thread of a process so far, in nanoseconds
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{t += $1} END {printf "%.0f", t}'
}

# The exact CPU time of a process's threads so far by thread name (names as the kernel keeps them, 15 characters;
# threads of one name summed), one "name<TAB>nanoseconds" line each.
thread_ns() {
  local t
  for t in /proc/"$1"/task/*; do
    printf '%s\t%s\n' "$(cat "$t"/comm 2>/dev/null)" "$(cut -d' ' -f1 "$t"/schedstat 2>/dev/null)"
  done | awk -F'\t' '$2 != "" {a[$1] += $2} END {for (k in a) printf "%s\t%.0f\n", k, a[k]}'
}

# sample LABEL PID SECONDS: prints "LABEL_cpu_percent": …, "LABEL_cpu_percent_exact": …, "LABEL_rss_max_mb": …,
# "LABEL_rss_mean_mb": …, "LABEL_cpu_percent_by_thread": {"name": percent, …} (threads at 0.01 % or more, most
# first) over the next SECONDS seconds.
sample() {
  local label=$1 pid=$2 seconds=$3 tick t0 c0 t1 c1 e0 e1 rss_max=0 rss_sum=0 rss i threads0 threads
  tick=$(getconf CLK_TCK)
  threads0=$(thread_ns "$pid")
  read -r c0 < <(awk '{print $14+$15}' /proc/"$pid"/stat)
  e0=$(run_ns "$pid")
  t0=$(date +%s.%N)
  for ((i = 0; i < seconds; i++)); do
    sleep 1
    rss=$(awk '/VmRSS/{print $2}' /proc/"$pid"/status)
    ((rss > rss_max)) && rss_max=$rss
    rss_sum=$((rss_sum + rss))
  done
  read -r c1 < <(awk '{print $14+$15}' /proc/"$pid"/stat)
  e1=$(run_ns "$pid")
  t1=$(date +%s.%N)
  threads=$(thread_ns "$pid" | awk -F'\t' -v before="$threads0" -v secs="$(echo "$t1 - $t0" | bc -l)" '
    BEGIN { n = split(before, lines, "\n"); for (i = 1; i <= n; i++) { split(lines[i], f, "\t"); b[f[1]] = f[2] } }
    { p = ($2 - b[$1]) / 1e9 / secs * 100; if (p >= 0.01) printf "%.3f\t%s\n", p, $1 }' | sort -rn |
    awk -F'\t' '{gsub(/["\\]/, "", $2); printf "%s\"%s\": %s", (NR > 1 ? ", " : ""), $2, $1}')
  printf '"%s_cpu_percent": %.3f, "%s_cpu_percent_exact": %.3f, "%s_rss_max_mb": %.1f, "%s_rss_mean_mb": %.1f, "%s_cpu_percent_by_thread": {%s}' \
    "$label" "$(echo "($c1 - $c0) / $tick / ($t1 - $t0) * 100" | bc -l)" \
    "$label" "$(echo "($e1 - $e0) / 1000000000 / ($t1 - $t0) * 100" | bc -l)" \
    "$label" "$(echo "$rss_max / 1024" | bc -l)" "$label" "$(echo "$rss_sum / $seconds / 1024" | bc -l)" \
    "$label" "$threads"
}

# field JSON_FRAGMENT NAME: the number after "NAME": in a fragment printed by sample.
field() {
  echo "$1" | sed -E "s/.*\"$2\": ([0-9.]+).*/\1/"
}
