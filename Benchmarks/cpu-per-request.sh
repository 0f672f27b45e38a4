#!/usr/bin/env bash
# Runs wrk against URL and prints requests/s, p99 and the server's CPU time
# per request (from /proc/PID/stat of every PID given, summed: nginx has a
# master and workers). Usage: cpu-per-request.sh URL CONNS SECONDS PID...
set -euo pipefail
url=$1 conns=$2 seconds=$3; shift 3
ticks=$(getconf CLK_TCK)
cpu() { local total=0; for pid in "$@"; do read -r -a f < "/proc/$pid/stat"; total=$((total + f[13] + f[14])); done; echo $total; }
before=$(cpu "$@")
out=$(wrk -t2 -c"$conns" -d"${seconds}s" --latency "$url")
after=$(cpu "$@")
rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
p99=$(awk '$1=="99%" {print $2}' <<<"$out")
total=$(awk '/requests in/ {print $1}' <<<"$out")
us=$(awk -v d=$((after - before)) -v t="$ticks" -v n="$total" 'BEGIN { printf "%.2f", d / t * 1e6 / n }')
echo "rps=$rps p99=$p99 requests=$total cpu_us_per_request=$us"
