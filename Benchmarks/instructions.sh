#!/usr/bin/env bash
# Instructions per request, by function, under callgrind: a figure that does
# not move with the neighbours on a shared VM (timings move a lot from run
# to run there, and the VM exposes no hardware counters to perf). Use it to judge
# a change to the request path: same scenario, before and after.
#
#   bash Benchmarks/instructions.sh [scenario=hold-release] [seconds=8]
#   KEEP=/tmp/hold.callgrind bash Benchmarks/instructions.sh     (keeps the raw profile)
#
# Builds in release mode, starts a private PostgreSQL (fresh data folder) and
# the server under valgrind (debug info stripped from a copy: valgrind 3.19
# cannot read Swift's DWARF 5) on a free port (MARQUEE_PORT chooses it; a
# port already taken stops the script), drives the scenario open-loop at 400
# requests/s over loopback (bounded by its duration), counts instructions only
# while measuring, and writes Benchmarks/results/instructions-<scenario>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-hold-release}
seconds=${2:-8}
rate=400
# One shard by default, the shape run.sh compares with nginx (SHARDS=2 adds the cross-shard hop).
shards=${SHARDS:-1}
work=$(mktemp -d)
chmod 755 "$work"
export PGPORT=${BENCH_PGPORT:-24348}
secret="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')-secret"
out=Benchmarks/results/instructions-$scenario.txt

source Benchmarks/common.sh
scripts/setup.sh valgrind binutils
build_server release
build_bench release marquee-bench
objcopy --strip-debug "$server_bin/marquee" "$work/marquee"

cleanup() {
    [[ -n "${server_pid:-}" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    scripts/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

database_url=$(scripts/postgres.sh start "$work/pg")
DATABASE_URL=$database_url "$server_bin/marquee" seed --demo >/dev/null
port=$(pick_port MARQUEE_PORT marquee)
DATABASE_URL=$database_url JWT_SECRET=$secret MAX_HOLDS_PER_USER=8 \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/callgrind.out" \
    "$work/marquee" serve --port "$port" --shards "$shards" --log-level warning 2>"$work/valgrind.log" &
server_pid=$!
wait_ready marquee "http://127.0.0.1:$port/readyz" "$server_pid"

# Warm-up (and the bench's own setup) uninstrumented; then count for the run.
warmup=4
# Requests answered, from the server's own counters (the bench catches up
# after a stall, so rate x seconds would not be exact).
answered() {
    curl -sf "http://127.0.0.1:$port/metrics" | awk '/^marquee_http_requests_total/ && !/metrics/ {n += $NF} END {print n + 0}'
}
( sleep $((warmup + 6)); answered > "$work/before"; callgrind_control -i on "$server_pid" >/dev/null
  sleep "$seconds"; callgrind_control -i off "$server_pid" >/dev/null; answered > "$work/after" ) &
toggler=$!
"$bench_bin/marquee-bench" "$scenario" --port "$port" --nginx-port 0 --database-url "$database_url" --jwt-secret "$secret" \
    --connections 16 --duration $((seconds + 8)) --warmup "$warmup" --rate "$rate" --out "$work/bench" 2>&1 | grep -E "^ *ours" || true
wait "$toggler"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
server_pid=

# KEEP=path keeps the raw profile (callgrind_annotate --tree=calling, kcachegrind).
[[ -n "${KEEP:-}" ]] && cp "$work/callgrind.out" "$KEEP"
total=$(callgrind_annotate "$work/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
requests=$(( $(cat "$work/after") - $(cat "$work/before") ))
{
    echo "# Instructions per request: $scenario (commit $(git rev-parse --short HEAD), $(date -u +%F), $shards shard(s))"
    echo
    echo "$total instructions in the server for $requests requests ($seconds s at $rate/s): about $((total / requests)) per request"
    echo "(user space only; the kernel's share of the server's CPU time is not counted)."
    # Whole listings to files first: `head` closing a pipe early would end
    # this script (pipefail).
    callgrind_annotate --inclusive=yes "$work/callgrind.out" > "$work/inclusive.txt" 2>/dev/null
    callgrind_annotate "$work/callgrind.out" > "$work/self.txt" 2>/dev/null
    # At this low rate the loop's own turns (timers, write-behind batches,
    # PostgreSQL results) are a large share that shrinks per request under
    # load; the request path alone is the steadier figure to compare.
    path=$(grep -E '^ *[0-9,]+ +\(' "$work/inclusive.txt" | swift demangle --simplified \
        | awk '/\?\?\?:(HTTPConnection\.processBufferedRequests|EventLoop\.drainJobs)\(\) \[/ {gsub(",", "", $1); sum += $1} END {print sum + 0}')
    echo "Request path (HTTP read callbacks and cross-shard jobs): about $((path / requests)) per request."
    echo
    echo "## Inclusive (a function and what it calls), top 40"
    grep -E '^ *[0-9,]+ +\(' "$work/inclusive.txt" | sed -n 1,41p | cut -c1-200
    echo
    echo "## Self, top 40"
    grep -E '^ *[0-9,]+ +\(' "$work/self.txt" | sed -n 1,41p | cut -c1-200
} > "$out"
echo "instructions: $out ($((total / requests)) per request)"
