#!/usr/bin/env bash
# Movie search through the server's cache against GET /healthz on the same
# server, and the same search uncached straight on PostgreSQL (pgbench with
# the server's own SQL), in one run at the same concurrency.
#   Benchmarks/catalog-search.sh [SECONDS=8] [CONNECTIONS=64]
# Needs the demo catalog: starts a private PostgreSQL (scripts/postgres.sh)
# and seeds it if needed. Loopback only, the server on a free port
# (MARQUEE_PORT chooses it; a port already taken stops the script); every
# run is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
seconds=${1:-8}
conns=${2:-64}
scripts/setup.sh wrk
build_server release
port=$(pick_port MARQUEE_PORT marquee)
# A database of its own, so earlier experiments do not change the figures.
url=${DATABASE_URL:-$(PGDATABASE=marquee_bench scripts/postgres.sh start)}
"$server_bin/marquee" seed --demo --database-url "$url"
DATABASE_URL=$url "$server_bin/marquee" serve --port "$port" --shards "${SHARDS:-$(nproc)}" --log-level warning &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
wait_ready marquee "http://127.0.0.1:$port/readyz" "$pid"
query="/v1/movies?genre=drama&q=e&limit=20"
# Warm each shard's cache: the figure is the cached path.
for _ in $(seq 16); do curl -s -o /dev/null "http://127.0.0.1:$port$query"; done
echo "load before: $(cut -d' ' -f1 /proc/loadavg)"
healthz=$(Benchmarks/cpu-per-request.sh "http://127.0.0.1:$port/healthz" "$conns" "$seconds" $pid)
search=$(Benchmarks/cpu-per-request.sh "http://127.0.0.1:$port$query" "$conns" "$seconds" $pid)
pgbench=$(/usr/lib/postgresql/*/bin/pgbench -n -c "$conns" -j 2 -T "$seconds" -f Benchmarks/sql/movie-search.sql "$url" 2>&1)
pg_tps=$(awk '/^tps/ {print $3}' <<<"$pgbench")
pg_latency=$(awk '/latency average/ {print $4}' <<<"$pgbench")
echo "healthz:            $healthz"
echo "search (cached):    $search"
echo "search on PostgreSQL (pgbench, uncached): tps=$pg_tps latency_avg=${pg_latency}ms"
h=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$healthz"); s=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$search")
awk -v h="$h" -v s="$s" -v p="$pg_tps" 'BEGIN { printf "ratios: search/healthz %.2f, cached search/PostgreSQL %.1fx\n", s / h, s / p }'
