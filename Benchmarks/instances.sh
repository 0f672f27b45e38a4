#!/usr/bin/env bash
# Hold-release through the compose stack's proxy config (deploy/nginx.conf,
# only its listen port and upstream include replaced) with 1, 2 and 3
# `marquee serve` instances of one shard each, and straight at one instance
# without the proxy, in one run on one database. On two cores the load
# generator, nginx and the instances share the machine: the rows show what
# the proxy hop and showtime ownership cost, not a speed-up. Also counts
# the proxied requests nginx had to send to a second instance (a non-owner
# answers 503 showtime_owned_elsewhere and nginx moves on): none is the
# goal outside takeovers.
#
#   bash Benchmarks/instances.sh                 DURATION=10 CONNECTIONS=64 by default
#   CONFIGURATION=debug DURATION=1 bash Benchmarks/instances.sh
# Writes Benchmarks/results/instances.json and instances.md (OUT to move them).
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
scripts/setup.sh nginx-light
configuration=${CONFIGURATION:-release}
duration=${DURATION:-10}
connections=${CONNECTIONS:-64}
out=${OUT:-Benchmarks/results}
work=$(mktemp -d)
chmod 755 "$work"
export PGPORT=${BENCH_PGPORT:-24369}
secret="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')-secret"
build_server "$configuration"
build_bench "$configuration" marquee-bench

pids=()
stop_all() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
    pids=()
    if [[ -f "$work/nginx.pid" ]]; then
        nginx -p "$work" -c "$work/nginx.conf" -g "pid $work/nginx.pid;" -s stop 2>/dev/null || true
        while [[ -f "$work/nginx.pid" ]]; do sleep 0.1; done
    fi
}
cleanup() {
    stop_all
    scripts/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

database_url=$(scripts/postgres.sh start "$work/pg")
DATABASE_URL=$database_url "$server_bin/marquee" seed --demo >/dev/null

# start_instances N: N instances on free ports, ready; their addresses in
# $work/upstream-servers.conf.
start_instances() {
    : > "$work/upstream-servers.conf"
    first_port=
    for n in $(seq "$1"); do
        local port
        port=$(free_port)
        DATABASE_URL=$database_url JWT_SECRET=$secret INSTANCE_ADDRESS=127.0.0.1:$port TRUSTED_PROXIES=127.0.0.1 \
            MAX_HOLDS_PER_USER=8 MAX_CONNECTIONS=40000 MAX_CONNECTIONS_PER_ADDRESS=40000 \
            "$server_bin/marquee" serve --port "$port" --shards 1 --log-level warning > "$work/api$n.log" 2>&1 &
        pids+=($!)
        wait_ready "instance $n" "http://127.0.0.1:$port/readyz" "${pids[-1]}"
        echo "server 127.0.0.1:$port max_fails=0;" >> "$work/upstream-servers.conf"
        first_port=${first_port:-$port}
    done
}

start_proxy() {
    proxy_port=$(free_port)
    sed -e "s/listen 8080;/listen 127.0.0.1:$proxy_port;/" \
        -e "s|access_log /dev/stdout marquee;|access_log $work/access.log marquee;|" deploy/nginx.conf > "$work/nginx.conf"
    grep -q "listen 127.0.0.1:$proxy_port;" "$work/nginx.conf" || fail "deploy/nginx.conf has no 'listen 8080;' line"
    grep -q "access_log $work/access.log" "$work/nginx.conf" || fail "deploy/nginx.conf logs elsewhere than /dev/stdout"
    : > "$work/access.log"
    nginx -p "$work" -c "$work/nginx.conf" -g "pid $work/nginx.pid;" 2> "$work/nginx-error.log" || fail "nginx did not start"
    wait_ready nginx "http://127.0.0.1:$proxy_port/healthz"
}

# measure LABEL PORT: hold-release at PORT, results in $work/LABEL.
measure() {
    echo "instances: $1"
    mkdir -p "$work/$1"
    "$bench_bin/marquee-bench" hold-release --port "$2" --nginx-port 0 --shards 1 --database-url "$database_url" \
        --jwt-secret "$secret" --connections "$connections" --duration "$duration" --out "$work/$1" 2>&1 \
        | grep --line-buffered -vE "^(NOTICE|  )" || true
    [[ -f "$work/$1/hold-release.json" ]] || fail "no result for $1"
    if [[ -s "$work/access.log" ]]; then cp "$work/access.log" "$work/$1/access.log"; fi
}

start_instances 1
measure direct "$first_port"
stop_all
for n in 1 2 3; do
    start_instances "$n"
    start_proxy
    measure "proxy-$n" "$proxy_port"
    stop_all
done

mkdir -p "$out"
python3 - "$work" "$out" "$configuration" "$duration" "$connections" <<'PY'
import json, os, subprocess, sys
work, out, configuration, duration, connections = sys.argv[1:]
rows, failed = [], []
for label in ["direct", "proxy-1", "proxy-2", "proxy-3"]:
    result = json.load(open(os.path.join(work, label, "hold-release.json")))
    ours = result["ours"]
    proxied = forwarded = 0
    log = os.path.join(work, label, "access.log")
    if os.path.exists(log):
        for line in open(log):
            upstream = line.split("upstream=", 1)[-1].split(" id=")[0]
            if line.count("upstream=") and upstream != "-":
                proxied += 1
                forwarded += "," in upstream
    if not all(result["checks"].values()):
        failed.append(f"{label}: {result['checks']}")
    rows.append({"setup": label, "requests_per_s": round(ours["throughput_per_s"]), "p50_ms": ours["p50_ms"],
                 "p99_ms": ours["p99_ms"], "errors": ours["errors"], "proxied": proxied, "forwarded": forwarded,
                 "checks": result["checks"]})
base = rows[0]["requests_per_s"]
for row in rows:
    row["vs_direct"] = round(row["requests_per_s"] / base, 3)
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
summary = {"scenario": "instances", "commit": commit, "configuration": configuration, "duration_s": float(duration),
           "connections": int(connections), "rows": rows}
json.dump(summary, open(os.path.join(out, "instances.json"), "w"), indent=2)
with open(os.path.join(out, "instances.md"), "w") as f:
    f.write(f"hold-release, {connections} connections, {duration} s each, {configuration}, commit {commit}\n\n")
    f.write("| setup | requests/s | vs direct | p50 ms | p99 ms | errors | forwarded / proxied |\n|---|---|---|---|---|---|---|\n")
    for row in rows:
        f.write(f"| {row['setup']} | {row['requests_per_s']:,} | {row['vs_direct']} | {row['p50_ms']} | {row['p99_ms']} | "
                f"{row['errors']} | {row['forwarded']} / {row['proxied']} |\n")
print(open(os.path.join(out, "instances.md")).read())
if failed:
    sys.exit("instances: checks failed: " + "; ".join(failed))
PY
