#!/usr/bin/env bash
# Checkouts per second end to end (hold two seats, check out: authorise and
# capture) through the stripe provider against the local HTTPS fake of
# Stripe (Tests/FakeStripe, answering at once), beside the mock provider,
# with the provider's connections reused and not (the fake closes each
# connection after its answer: a TLS handshake per provider call).
#
#   bash Benchmarks/checkout-stripe.sh [SECONDS=10] [REPEATS=3]
#
# Writes Benchmarks/results/checkout-stripe/<provider>-<n>/checkout.json and
# prints the median durable bookings/s and server CPU per booking of each.
# The fake is single-process Python: where it saturates, the figure is the
# fake's ceiling, not the server's (its CPU is printed beside).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
duration=${1:-${DURATION:-10}}
repeats=${2:-${REPEATS:-3}}
shards=${SHARDS:-$(nproc)}
connections=${CONNECTIONS:-64}
configuration=${CONFIGURATION:-release}
out=${OUT:-Benchmarks/results/checkout-stripe}
work=$(mktemp -d)
chmod 755 "$work"
export PGPORT=${BENCH_PGPORT:-24349}
secret="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')-secret"
key=sk_test_bench_fake

source Benchmarks/common.sh
build_server "$configuration"
build_bench "$configuration" marquee-bench

marquee_pid= fake_pid=
cleanup() {
    [[ -n $marquee_pid ]] && kill "$marquee_pid" 2>/dev/null && wait "$marquee_pid" 2>/dev/null || true
    [[ -n $fake_pid ]] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null || true
    scripts/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

database_url=$(scripts/postgres.sh start "$work/pg")
DATABASE_URL=$database_url "$server_bin/marquee" seed --demo >/dev/null

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/ca.key" \
    -out "$work/ca.pem" -days 2 -subj "/CN=Bench CA" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/server.key" \
    -out "$work/server.csr" -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$work/server.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
    -extfile "$work/server.ext" -out "$work/server.pem" 2>/dev/null

# run PROVIDER N: one measured checkout run; PROVIDER is mock, stripe-reuse or stripe-no-reuse.
run() {
    local provider=$1 n=$2 env=(PAYMENT_PROVIDER=mock)
    if [[ $provider != mock ]]; then
        local close=()
        [[ $provider == stripe-no-reuse ]] && close=(--close-connections)
        python3 Tests/FakeStripe/fake_stripe.py --cert "$work/server.pem" --key "$work/server.key" \
            --secret-key "$key" "${close[@]}" > "$work/fake.out" &
        fake_pid=$!
        for _ in $(seq 1 600); do grep -q control "$work/fake.out" && break; sleep 0.1; done
        grep -q control "$work/fake.out" || fail "the fake of Stripe did not start: $(cat "$work/fake.out")"
        env=(PAYMENT_PROVIDER=stripe STRIPE_SECRET_KEY=$key STRIPE_API_BASE="https://localhost:$(awk '{print $2}' "$work/fake.out")"
             STRIPE_CA_FILE="$work/ca.pem")
    fi
    local port
    port=$(free_port)
    env DATABASE_URL="$database_url" JWT_SECRET="$secret" MAX_HOLDS_PER_USER=8 "${env[@]}" \
        "$server_bin/marquee" serve --port "$port" --shards "$shards" --log-level warning &
    marquee_pid=$!
    wait_ready marquee "http://127.0.0.1:$port/readyz" "$marquee_pid"
    local fake_cpu_before=0
    [[ -n $fake_pid ]] && fake_cpu_before=$(awk '{print $14 + $15}' "/proc/$fake_pid/stat")
    mkdir -p "$out/$provider-$n"
    "$bench_bin/marquee-bench" checkout --shards "$shards" --port "$port" --nginx-port "$port" \
        --server-pid "$marquee_pid" --database-url "$database_url" --jwt-secret "$secret" \
        --connections "$connections" --duration "$duration" --out "$out/$provider-$n" 2>&1 | grep -E "^  (ours|CPU per booking)" || true
    if [[ -n $fake_pid ]]; then
        echo "  fake CPU over the run (s): $(( ($(awk '{print $14 + $15}' "/proc/$fake_pid/stat") - fake_cpu_before) / $(getconf CLK_TCK) ))"
        kill "$fake_pid"; wait "$fake_pid" 2>/dev/null || true
        fake_pid=
    fi
    kill "$marquee_pid"; wait "$marquee_pid" 2>/dev/null || true
    marquee_pid=
}

for n in $(seq 1 "$repeats"); do
    for provider in mock stripe-reuse stripe-no-reuse; do
        echo "checkout-stripe: $provider, run $n"
        run "$provider" "$n"
    done
done

python3 - "$out" "$repeats" <<'PY'
import json, statistics, sys
out, repeats = sys.argv[1], int(sys.argv[2])
print("| provider | bookings/s (median) | runs | server CPU per booking (µs) |")
print("|---|---|---|---|")
for provider in ("mock", "stripe-reuse", "stripe-no-reuse"):
    runs = [json.load(open(f"{out}/{provider}-{n}/checkout.json")) for n in range(1, repeats + 1)]
    rates = [r["ours"]["throughput_per_s"] for r in runs]
    cpu = [r["params"].get("cpu_us_per_booking", "") for r in runs]
    print(f"| {provider} | {statistics.median(rates):,.0f} | {', '.join(f'{x:,.0f}' for x in rates)} | {cpu[len(cpu) // 2]} |")
PY
