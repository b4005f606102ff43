# Sourced by the measure scripts: samples a running process's cost from /proc. Linux only.
# CPU twice: from /proc/PID/stat (what `ps` and `top` show: the kernel's tick sampling) and from the
# scheduler's exact run time of every thread (/proc/PID/task/*/schedstat). RSS every second: maximum and mean.

run_ns() { # the exact CPU time of every thread of a process so far, in nanoseconds
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{t += $1} END {printf "%.0f", t}'
}

# sample LABEL PID SECONDS: prints "LABEL_cpu_percent": …, "LABEL_cpu_percent_exact": …, "LABEL_rss_max_mb": …,
# "LABEL_rss_mean_mb": … over the next SECONDS seconds.
sample() {
  local label=$1 pid=$2 seconds=$3 tick t0 c0 t1 c1 e0 e1 rss_max=0 rss_sum=0 rss i
  tick=$(getconf CLK_TCK)
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
  printf '"%s_cpu_percent": %.3f, "%s_cpu_percent_exact": %.3f, "%s_rss_max_mb": %.1f, "%s_rss_mean_mb": %.1f' \
    "$label" "$(echo "($c1 - $c0) / $tick / ($t1 - $t0) * 100" | bc -l)" \
    "$label" "$(echo "($e1 - $e0) / 1000000000 / ($t1 - $t0) * 100" | bc -l)" \
    "$label" "$(echo "$rss_max / 1024" | bc -l)" "$label" "$(echo "$rss_sum / $seconds / 1024" | bc -l)"
}

# field JSON_FRAGMENT NAME: the number after "NAME": in a fragment printed by sample.
field() {
  echo "$1" | sed -E "s/.*\"$2\": ([0-9.]+).*/\1/"
}
