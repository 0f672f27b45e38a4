#!/usr/bin/env bash
# GET /healthz on Marquee against nginx `return 200` on the same machine, in
# the same run: same worker count as shards, access log off, wrk with the
# same threads, connections and duration, runs alternated and repeated.
# Reports median requests/s, p99, server CPU per request, and the ratio.
#
#   Benchmarks/healthz-vs-nginx.sh [SECONDS=10] [REPEATS=3] [CONNECTIONS="64 256"]
# Loopback only, on free ports (MARQUEE_PORT, NGINX_PORT choose them; a port
# already taken stops the script); every run is bounded by SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
seconds=${1:-10}
repeats=${2:-3}
connections=${3:-"64 256"}
shards=${SHARDS:-$(nproc)}
work=$(mktemp -d)
out=Benchmarks/results
mkdir -p "$out"

scripts/setup.sh nginx-light wrk
build_server release
marquee_port=$(pick_port MARQUEE_PORT marquee)
nginx_port=$(pick_port NGINX_PORT nginx)
while [[ "$marquee_port" == "$nginx_port" ]]; do
    [[ -z "${NGINX_PORT:-}" ]] || fail "marquee and nginx would share port $nginx_port: set MARQUEE_PORT and NGINX_PORT apart"
    nginx_port=$(pick_port NGINX_PORT nginx)
done

load=$(awk '{print $1}' /proc/loadavg)
echo "machine: $(nproc) cores, load average before the run: $load"
if awk -v l="$load" 'BEGIN { exit !(l > 0.5) }'; then
    echo "WARNING: the machine is not idle (load $load): figures will be low and noisy"
fi

cat > "$work/nginx.conf" <<CONF
worker_processes $shards;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$nginx_port reuseport;
        location /healthz { default_type application/json; return 200 '{"status":"ok"}'; }
    }
}
CONF
trap 'kill ${marquee_pid:-} 2>/dev/null || true; nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"' EXIT
nginx -c "$work/nginx.conf" || fail "nginx did not start on port $nginx_port"
"$server_bin/marquee" serve --port "$marquee_port" --shards "$shards" --log-level warning &
marquee_pid=$!
wait_ready marquee "http://127.0.0.1:$marquee_port/readyz" "$marquee_pid"
wait_ready nginx "http://127.0.0.1:$nginx_port/healthz"
# Every nginx worker forked before its CPU time is read.
deadline=$((SECONDS + 10))
until (($(pgrep -c -P "$(cat "$work/nginx.pid")") >= shards)); do
    ((SECONDS < deadline)) || fail "nginx did not start $shards workers"
    sleep 0.1
done
nginx_pids=$(pgrep -d' ' -f "nginx: (master|worker) process.*$work" || pgrep -d' ' -f "nginx -c $work" || true)
[[ -n "$nginx_pids" ]] || nginx_pids=$(cat "$work/nginx.pid")
nginx_pids="$nginx_pids $(pgrep -d' ' -P "$(cat "$work/nginx.pid")")"

measure() { Benchmarks/cpu-per-request.sh "$1" "$2" "$seconds" $3; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

commit=$(git rev-parse --short HEAD)
report="$out/healthz-vs-nginx.md"
{
    echo "# GET /healthz: Marquee vs nginx (commit $commit, $(date -u +%Y-%m-%d))"
    echo
    echo "$shards shards / nginx workers, wrk -t2, ${seconds}s x $repeats runs each, medians; load before: $load"
    echo
    echo "| connections | server | requests/s | p99 | CPU µs/request |"
    echo "|---|---|---|---|---|"
} > "$report"
for c in $connections; do
    declare -A rps=() p99=() cpu=()
    for ((i = 0; i < repeats; i++)); do
        for server in nginx marquee; do
            if [[ $server == nginx ]]; then line=$(measure "http://127.0.0.1:$nginx_port/healthz" "$c" "$nginx_pids")
            else line=$(measure "http://127.0.0.1:$marquee_port/healthz" "$c" "$marquee_pid"); fi
            echo "  c=$c $server: $line"
            rps[$server]+="$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line") "
            p99[$server]+="$(sed -E 's/.*p99=([^ ]+).*/\1/' <<<"$line") "
            cpu[$server]+="$(sed -E 's/.*cpu_us_per_request=([0-9.]+).*/\1/' <<<"$line") "
        done
    done
    for server in nginx marquee; do
        r=$(tr ' ' '\n' <<<"${rps[$server]}" | grep . | median)
        p=$(tr ' ' '\n' <<<"${p99[$server]}" | grep . | sort -V | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
        u=$(tr ' ' '\n' <<<"${cpu[$server]}" | grep . | median)
        echo "| $c | $server | $r | $p | $u |" >> "$report"
        eval "median_$server=$r"
    done
    ratio=$(awk -v a="$median_marquee" -v b="$median_nginx" 'BEGIN { printf "%.2f", a / b }')
    echo "| $c | **ratio marquee/nginx** | **$ratio** | | |" >> "$report"
    unset rps p99 cpu
done
cat "$report"
