#!/usr/bin/env bash
# The compose stack's proxy config, deploy/nginx.conf, run by Debian's nginx
# on loopback in front of three `marquee serve` instances. Only the listen
# port and the upstream include file (deploy/upstream-servers.conf) are
# replaced. The instances run without a database: what is checked is where
# nginx sends each request, read from its own access log.
# - Every showtime-scoped request of one showtime reaches one instance:
#   /v1/showtimes/{id}/..., the live map, and hold and booking ids
#   (hld_{id}_n, bkg_{id}_n) in any route.
# - Showtimes spread over the instances; other requests are balanced.
# - /metrics is not served through the proxy.
# - The access log carries no query string (a live map's ?token=).
#   scripts/proxy-routing.sh   (uses .build/debug/marquee; builds it if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
scripts/setup.sh nginx-light curl

bin=.build/debug/marquee
[[ -x $bin ]] || swift build --product marquee 2>&1 | tail -1
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

: > "$work/upstream-servers.conf"
for n in 1 2 3; do
    DATA_DIR="$work/data$n" DATABASE_URL="" "$bin" serve --port 0 --shards 1 > "$work/api$n.log" 2>&1 &
    pids+=($!)
done
for n in 1 2 3; do
    port=""
    for _ in $(seq 100); do
        port=$(grep -o '"port":[0-9]*' "$work/api$n.log" | head -1 | cut -d: -f2 || true)
        [[ -n $port ]] && break
        sleep 0.1
    done
    [[ -n $port ]] || fail "instance $n did not log its port: $(cat "$work/api$n.log")"
    echo "server 127.0.0.1:$port max_fails=0;" >> "$work/upstream-servers.conf"
done

proxy_port=$(free_port)
mkdir -p "$work/logs"
sed "s/listen 8080;/listen 127.0.0.1:$proxy_port;/" deploy/nginx.conf > "$work/nginx.conf"
grep -q "listen 127.0.0.1:$proxy_port;" "$work/nginx.conf" || fail "deploy/nginx.conf has no 'listen 8080;' line to move to a free port"
nginx -p "$work" -c "$work/nginx.conf" -g "daemon off; pid $work/nginx.pid;" > "$work/access.log" 2> "$work/error.log" &
pids+=($!)
wait_ready nginx "http://127.0.0.1:$proxy_port/healthz" "${pids[-1]}" 20

base="http://127.0.0.1:$proxy_port"
ask() { curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$@"; }
for showtime in ${SHOWTIMES_ONLY:-11 12 13 14 15 16 17 18 19 20 21 22}; do
    ask "$base/v1/showtimes/$showtime" > /dev/null
    ask "$base/v1/showtimes/$showtime/seats" > /dev/null
    ask -XPOST "$base/v1/showtimes/$showtime/holds" -H 'Content-Type: application/json' -d '{}' > /dev/null
    ask "$base/v1/holds/hld_${showtime}_7" > /dev/null
    ask -XPOST "$base/v1/holds/hld_${showtime}_7/checkout" > /dev/null
    ask "$base/v1/bookings/bkg_${showtime}_9" > /dev/null
    ask "$base/v1/showtimes/$showtime/live?token=secret-token-$showtime" > /dev/null
done
for _ in $(seq 30); do ask "$base/v1/movies" > /dev/null; done
metrics=$(ask "$base/metrics")
[[ $metrics == 404 ]] || fail "/metrics answered $metrics through the proxy; it must not be public"

python3 - "$work/access.log" <<'PY'
import re, sys
from collections import defaultdict
lines = open(sys.argv[1]).read().splitlines()
if not lines:
    sys.exit("proxy-routing: nginx wrote no access log lines")
owners, spread = defaultdict(set), set()
for line in lines:
    if "?" in line or "secret-token" in line:
        sys.exit(f"proxy-routing: a query string reached the access log: {line}")
    match = re.search(r'"[A-Z]+ (\S+) HTTP/[0-9.]+" \d+ .* upstream=(\S+)', line)
    if not match:
        continue
    path, upstream = match.groups()
    # These instances have no database, so showtime requests get 503 and
    # nginx tries the others (proxy_next_upstream): $upstream_addr is then
    # "a, b, c", and its first address is the one the hash picked.
    upstream = upstream.rstrip(",")
    key = re.match(r"^/v1/(?:showtimes/(\d+)(?:/|$)|holds/hld_(\d+)_|bookings/bkg_(\d+)_)", path)
    if key:
        owners[next(g for g in key.groups() if g)].add(upstream)
    elif path == "/v1/movies":
        spread.add(upstream)
if len(owners) != 12:
    sys.exit(f"proxy-routing: expected 12 showtimes in the log, found {sorted(owners)}")
split = {showtime: sorted(ups) for showtime, ups in owners.items() if len(ups) != 1}
if split:
    sys.exit(f"proxy-routing: showtimes served by more than one instance: {split}")
instances = {next(iter(ups)) for ups in owners.values()}
if len(instances) < 2:
    sys.exit(f"proxy-routing: 12 showtimes all hashed to {instances}: the key is not the showtime id")
if len(spread) < 2:
    sys.exit(f"proxy-routing: /v1/movies always went to {spread}: other requests are not balanced")
print(f"proxy-routing: 12 showtimes x 7 routes each on one instance; showtimes on {len(instances)} of 3 instances; "
      f"/v1/movies over {len(spread)}; /metrics 404; no query string logged")
PY
