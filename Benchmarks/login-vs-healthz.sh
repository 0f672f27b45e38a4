#!/usr/bin/env bash
# Login throughput with the production scrypt parameters, and GET /healthz
# throughput alone and while logins run at the same time: hashing lives on
# libuv's thread pool, so the event loops should not notice.
#   Benchmarks/login-vs-healthz.sh [SECONDS=8]
# The server takes a free port (MARQUEE_PORT chooses it; a port already
# taken stops the script).
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
seconds=${1:-8}
scripts/setup.sh wrk
build_server release
port=$(pick_port MARQUEE_PORT marquee)
url=${DATABASE_URL:-$(PGDATABASE=marquee_bench scripts/postgres.sh start)}
"$server_bin/marquee" migrate --database-url "$url" >/dev/null
export LOGIN_LIMIT_PER_EMAIL=100000000 LOGIN_LIMIT_PER_ADDRESS=100000000 JWT_SECRET=$(openssl rand -base64 48)
DATABASE_URL=$url "$server_bin/marquee" serve --port "$port" --shards "${SHARDS:-$(nproc)}" --log-level warning &
pid=$!
logins_out=$(mktemp)
trap 'kill $pid 2>/dev/null || true; rm -f "$logins_out"' EXIT
wait_ready marquee "http://127.0.0.1:$port/readyz" "$pid"
curl -s -o /dev/null -XPOST "http://127.0.0.1:$port/v1/users" -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","password":"bench-password-1","name":"Bench"}'
echo "load before: $(cut -d' ' -f1 /proc/loadavg)"
alone=$(Benchmarks/cpu-per-request.sh "http://127.0.0.1:$port/healthz" 64 "$seconds" $pid)
wrk -t1 -c8 -d"$((seconds + 2))s" -s Benchmarks/login.lua "http://127.0.0.1:$port/v1/sessions" > "$logins_out" &
login_pid=$!
sleep 1
during=$(Benchmarks/cpu-per-request.sh "http://127.0.0.1:$port/healthz" 64 "$seconds" $pid)
wait $login_pid
logins=$(awk '/Requests\/sec/ {print $2}' "$logins_out")
alone_login=$(wrk -t1 -c8 -d"${seconds}s" --latency -s Benchmarks/login.lua "http://127.0.0.1:$port/v1/sessions")
login_p99=$(awk '$1=="99%" {print $2}' <<<"$alone_login")
login_alone=$(awk '/Requests\/sec/ {print $2}' <<<"$alone_login")
sleep 3  # let queued hashes from the runs above finish
single=$(curl -s -o /dev/null -w '%{time_total}' -XPOST "http://127.0.0.1:$port/v1/sessions" -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","password":"bench-password-1"}')
echo "healthz alone:        $alone"
echo "healthz with logins:  $during"
echo "logins alone: $login_alone/s (8 connections), p99 $login_p99; one login on an idle server: ${single}s"
echo "logins/s while healthz ran: $logins"
a=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$alone"); d=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$during")
awk -v a="$a" -v d="$d" 'BEGIN { printf "healthz with logins / alone: %.2f\n", d / a }'
# Unknown email vs wrong password: the same scrypt work, so no timing oracle.
average() {
    local body=$1 total=0
    for _ in $(seq 10); do
        t=$(curl -s -o /dev/null -w '%{time_total}' -XPOST "http://127.0.0.1:$port/v1/sessions" -H 'Content-Type: application/json' -d "$body")
        total=$(awk -v a="$total" -v b="$t" 'BEGIN { print a + b }')
    done
    awk -v t="$total" 'BEGIN { printf "%.1f", t * 100 }'
}
wrong=$(average '{"email":"bench@example.com","password":"wrong-password"}')
unknown=$(average '{"email":"nobody@example.com","password":"wrong-password"}')
echo "mean login time, 10 each: wrong password ${wrong} ms, unknown email ${unknown} ms"
