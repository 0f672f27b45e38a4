#!/usr/bin/env bash
# Holds on one hot showtime, alone and while 64 connections read its seat
# map (GET /v1/showtimes/{id}/seats) as fast as they can: the holds' p99
# both ways and the ratio (the goal: within 2x). ROUNDS interleaved pairs
# (alone, then with readers), since the p99 alone drifts with the shared
# machine from round to round; the medians' ratio is the figure.
#   Benchmarks/seat-map-flood.sh [SECONDS=6] [ROUNDS=5]    CONFIGURATION=debug for a quick look
# Loopback only, a free port, every load bounded by SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
seconds=${1:-6}
rounds=${2:-5}
readers=${READERS:-64}
scripts/setup.sh wrk
build_server "${CONFIGURATION:-release}"
port=$(pick_port MARQUEE_PORT marquee)
url=${DATABASE_URL:-$(PGDATABASE=marquee_bench scripts/postgres.sh start)}
"$server_bin/marquee" migrate --database-url "$url" >/dev/null
"$server_bin/marquee" seed --demo --database-url "$url" >/dev/null 2>&1 || true
export JWT_SECRET=$(openssl rand -base64 48) MAX_CONNECTIONS_PER_ADDRESS=40000
DATABASE_URL=$url "$server_bin/marquee" serve --port "$port" --shards "${SHARDS:-$(nproc)}" --log-level warning &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
wait_ready marquee "http://127.0.0.1:$port/readyz" "$pid"
base="http://127.0.0.1:$port"
email="flood-$RANDOM$RANDOM@example.com"
curl -sf -o /dev/null -XPOST "$base/v1/users" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"bench-password-1\",\"name\":\"Bench\"}"
export HOLD_TOKEN=$(curl -sf -XPOST "$base/v1/sessions" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"bench-password-1\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
export HOLD_SHOWTIME=$(psql "$url" -Atc "SELECT id FROM showtimes WHERE status = 'scheduled' AND starts_at > now() + interval '1 day' ORDER BY id LIMIT 1")
[[ -n "$HOLD_SHOWTIME" ]] || fail "no showtime to come in the database"
curl -sf -o /dev/null "$base/v1/showtimes/$HOLD_SHOWTIME/seats" || fail "seat map of showtime $HOLD_SHOWTIME"
holds() { wrk -t1 -c8 -d"${seconds}s" --latency -s Benchmarks/seat-map-flood.lua "$base/"; }
p99() { awk '$1=="99%" {print $2}'; }
rate() { awk '/Requests\/sec/ {print $2}'; }
p50() { awk '$1=="50%" {print $2}'; }
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } print v }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
alone_p99=(); flooded_p99=()
for round in $(seq 1 "$rounds"); do
    alone=$(holds)
    wrk -t1 -c"$readers" -d"$((seconds + 2))s" "$base/v1/showtimes/$HOLD_SHOWTIME/seats" > /tmp/seat-map-readers.$$ &
    readers_pid=$!
    sleep 1
    flooded=$(holds)
    wait $readers_pid
    grep -h "Non-2xx" <<<"$alone$flooded" && fail "holds were refused: the figures are not holds" || true
    a=$(p99 <<<"$alone" | to_ms); f=$(p99 <<<"$flooded" | to_ms)
    alone_p99+=("$a"); flooded_p99+=("$f")
    printf 'round %d: alone %s/s p50 %s p99 %s ms | with %d readers %s/s p50 %s p99 %s ms | %s maps/s | ratio %s\n' "$round" \
        "$(rate <<<"$alone")" "$(p50 <<<"$alone")" "$a" "$readers" "$(rate <<<"$flooded")" "$(p50 <<<"$flooded")" "$f" \
        "$(rate < /tmp/seat-map-readers.$$)" "$(awk -v a="$a" -v f="$f" 'BEGIN { printf "%.2f", f / a }')"
done
rm -f /tmp/seat-map-readers.$$
ma=$(printf '%s\n' "${alone_p99[@]}" | median); mf=$(printf '%s\n' "${flooded_p99[@]}" | median)
awk -v a="$ma" -v f="$mf" -v n="$rounds" 'BEGIN { printf "median holds p99 over %d rounds: alone %.2f ms, with readers %.2f ms, ratio %.2f (goal: 2 or less)\n", n, a, f, f / a }'
