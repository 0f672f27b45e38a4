#!/usr/bin/env bash
# One command for the benchmark harness: builds in release mode (`marquee`
# from the root package, `marquee-bench` from Benchmarks/Package.swift),
# starts a private PostgreSQL (fresh data folder), the server and nginx,
# runs the scenarios with marquee-bench (same-run baselines: nginx,
# pgbench), stops everything it started, and writes
# Benchmarks/results/<scenario>.json, results.md and plots (PNG).
#
#   bash Benchmarks/run.sh [scenario ...]      default: every scenario
#   DURATION=10 CONNECTIONS=64 HTTP_SHARDS=2 bash Benchmarks/run.sh hold-release
#   SMOKE=1 bash Benchmarks/run.sh             a second or two each (the test suite does this)
#
# Two server shapes, nginx always given as many workers as the server has
# shards: the request/response scenarios compared with nginx (healthz,
# browse, hold-release, hold-release-zipf) run at HTTP_SHARDS (default 1:
# the load generator needs one of this machine's two cores, and one shard
# against one nginx worker measured best for both servers; BENCHMARKS.md,
# Method, has the figures); the others (checkout, flash-sale, fanout,
# seat-memory: parallel sends, PostgreSQL's backends) at SHARDS (default:
# the core count).
#
# Scenarios: seat-memory healthz browse hold-release hold-release-zipf checkout flash-sale fanout
# (fanout: WATCHERS=10000 WATCHED_SHOWTIMES=1 CHANGE_RATE=1000 WATCHER_THREADS=1).
# Loopback only; every load loop is bounded by its duration.
#
# Ports: the OS picks free ones for the server and nginx (MARQUEE_PORT,
# NGINX_PORT to choose them). The run stops, exit 1, when a port is taken
# before its server starts (it would measure whatever listens there), when
# a server exits or is not ready in time, and, exit 2, when a scenario's
# correctness check or error budget fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scenarios=("$@")
((${#scenarios[@]})) || scenarios=(seat-memory healthz browse hold-release hold-release-zipf checkout flash-sale fanout)
shards=${SHARDS:-$(nproc)}
http_shards=${HTTP_SHARDS:-1}
duration=${DURATION:-10}
connections=${CONNECTIONS:-64}
out=${OUT:-Benchmarks/results}
configuration=${CONFIGURATION:-release}
work=$(mktemp -d)
chmod 755 "$work"
export PGPORT=${BENCH_PGPORT:-24349}
secret="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')-secret"

source Benchmarks/common.sh
scripts/setup.sh nginx-light wrk gnuplot-nox
echo "run: building ($configuration)"
build_server "$configuration"
build_bench "$configuration" marquee-bench

cleanup() {
    [[ -n "${marquee_pid:-}" ]] && kill "$marquee_pid" 2>/dev/null && wait "$marquee_pid" 2>/dev/null || true
    [[ -f "$work/nginx.pid" ]] && nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true
    scripts/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "run: private PostgreSQL on port $PGPORT"
database_url=$(scripts/postgres.sh start "$work/pg")
DATABASE_URL=$database_url "$server_bin/marquee" seed --demo >/dev/null

# start_servers N: nginx with N workers and Marquee with N shards, each on
# a free port, each answering before the load starts.
start_servers() {
    marquee_port=$(pick_port MARQUEE_PORT marquee)
    nginx_port=$(pick_port NGINX_PORT nginx)
    while [[ "$marquee_port" == "$nginx_port" ]]; do
        [[ -z "${NGINX_PORT:-}" ]] || fail "marquee and nginx would share port $nginx_port: set MARQUEE_PORT and NGINX_PORT apart"
        nginx_port=$(pick_port NGINX_PORT nginx)
    done
    cat > "$work/nginx.conf" <<CONF
worker_processes $1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 8192; }
http {
    access_log off;
    keepalive_requests 10000000;
    server {
        listen 127.0.0.1:$nginx_port reuseport;
        location /healthz { default_type application/json; return 200 '{"status":"ok"}'; }
    }
}
CONF
    nginx -c "$work/nginx.conf" || fail "nginx did not start on port $nginx_port"
    DATABASE_URL=$database_url JWT_SECRET=$secret MAX_HOLDS_PER_USER=8 \
        MAX_CONNECTIONS=40000 MAX_CONNECTIONS_PER_ADDRESS=40000 LIVE_MAX_WATCHERS=40000 LIVE_MAX_WATCHERS_PER_ADDRESS=40000 \
        "$server_bin/marquee" serve --port "$marquee_port" --shards "$1" --log-level warning &
    marquee_pid=$!
    wait_ready marquee "http://127.0.0.1:$marquee_port/readyz" "$marquee_pid"
    wait_ready nginx "http://127.0.0.1:$nginx_port/healthz"
}

stop_servers() {
    kill "$marquee_pid" 2>/dev/null && wait "$marquee_pid" 2>/dev/null || true
    marquee_pid=
    nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true
    while [[ -f "$work/nginx.pid" ]]; do sleep 0.1; done
}

# bench N scenario...: the scenarios against servers of N shards/workers.
bench() {
    local count=$1
    shift
    (($#)) || return 0
    echo "run: $* with $count shard(s), nginx $count worker(s)"
    start_servers "$count"
    "$bench_bin/marquee-bench" "$@" "${smoke[@]}" --shards "$count" --port "$marquee_port" --nginx-port "$nginx_port" \
        --server-pid "$marquee_pid" --database-url "$database_url" --jwt-secret "$secret" \
        --connections "$connections" --duration "$duration" --out "$out" \
        --watchers "${WATCHERS:-10000}" --watched-showtimes "${WATCHED_SHOWTIMES:-1}" --change-rate "${CHANGE_RATE:-1000}" \
        --watcher-threads "${WATCHER_THREADS:-1}" 2>&1 | grep --line-buffered -v "^NOTICE"
    stop_servers
}

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
smoke=()
[[ -n "${SMOKE:-}" ]] && smoke=(--smoke)
mkdir -p "$out"
http=() other=()
for scenario in "${scenarios[@]}"; do
    case $scenario in
        healthz|browse|hold-release|hold-release-zipf) http+=("$scenario") ;;
        *) other+=("$scenario") ;;
    esac
done
bench "$http_shards" "${http[@]}"
bench "$shards" "${other[@]}"
python3 Benchmarks/report.py "$out"
echo "run: results in $out (results.md, *.json, *.png)"
