#!/usr/bin/env bash
# The checkout flow against Stripe's real test mode: a `marquee serve` with
# PAYMENT_PROVIDER=stripe and the key in STRIPE_SECRET_KEY takes a checkout
# with pm_card_visa (authorise, capture), a declined card
# (pm_card_chargeDeclined: 402), and a cancellation (refund).
#
#   STRIPE_SECRET_KEY=sk_test_... scripts/stripe-test-mode.sh
#
# Without STRIPE_SECRET_KEY it skips, saying so, and exits 0. A live key
# (sk_live_) is refused: this script never moves real money. Needs network
# access to api.stripe.com and TEST_DATABASE_URL (or starts the private
# cluster). The key goes to the server through its environment only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [[ -z "${STRIPE_SECRET_KEY:-}" ]]; then
    echo "stripe-test-mode: skipped: STRIPE_SECRET_KEY is not set (a Stripe test-mode key, sk_test_...)"
    exit 0
fi
case $STRIPE_SECRET_KEY in
    sk_test_* | rk_test_*) ;;
    *) echo "stripe-test-mode: refused: STRIPE_SECRET_KEY is not a test-mode key (sk_test_...)" >&2; exit 1 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/marquee-stripe.XXXXXX")
server=
database=
cleanup() {
    [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    [[ -n $database ]] && psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "stripe-test-mode: $*" >&2; tail -20 "$work/marquee.log" >&2 || true; exit 1; }

if [[ -z "${TEST_DATABASE_URL:-}" ]]; then
    export PGPORT=${TEST_PGPORT:-24339} PGDATABASE=marquee_test
    TEST_DATABASE_URL=$(scripts/postgres.sh start "$root/.data/postgres-test")
fi
database=marquee_stripe_$$
psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE $database" >/dev/null
database_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p._replace(path="/" + sys.argv[2]).geturl())' \
    "$TEST_DATABASE_URL" "$database")

[[ -x .build/debug/marquee ]] || swift build --product marquee >/dev/null
admin=stripe-test-admin-token
env -i PATH="$PATH" DATABASE_URL="$database_url" ADMIN_TOKEN=$admin JWT_SECRET="$(openssl rand -base64 48)" \
    PAYMENT_PROVIDER=stripe STRIPE_SECRET_KEY="$STRIPE_SECRET_KEY" ${STRIPE_API_BASE:+STRIPE_API_BASE="$STRIPE_API_BASE"} \
    .build/debug/marquee serve --port 0 --shards 2 2> "$work/marquee.log" &
server=$!
port=
for _ in $(seq 1 300); do
    port=$(grep -o '"port":[0-9]*' "$work/marquee.log" | head -1 | cut -d: -f2 || true)
    [[ -n $port ]] && curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break
    sleep 0.1
done
[[ -n $port ]] || fail "marquee serve did not start"
base=http://127.0.0.1:$port

request() {  # request PATH JSON TOKEN: prints "STATUS BODY"
    local out
    out=$(curl -s -w '\n%{http_code}' -X POST "$base$1" -H 'Content-Type: application/json' \
        -H "Authorization: Bearer $3" -d "$2")
    echo "${out##*$'\n'} ${out%$'\n'*}"
}
post() {  # post PATH JSON [TOKEN]: prints the body, fails on a status >= 300
    local answer
    answer=$(request "$1" "$2" "${3:-$admin}")
    ((${answer%% *} < 300)) || fail "POST $1 -> $answer"
    echo "${answer#* }"
}

theater=$(post /v1/theaters '{"name":"Odeon"}' | jq .id)
auditorium=$(post /v1/auditoriums "{\"theater_id\":$theater,\"name\":\"1\",\"layout\":{\"rows\":3,\"columns\":4,\"prices\":{\"standard\":1000}}}" | jq .id)
movie=$(post /v1/movies '{"title":"Heat","runtime_minutes":120}' | jq .id)
starts=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:00Z)
showtime=$(post /v1/showtimes "{\"movie_id\":$movie,\"auditorium_id\":$auditorium,\"starts_at\":\"$starts\"}" | jq .id)
post /v1/users '{"email":"buyer@example.com","password":"s3cret-pass","name":"B"}' "" >/dev/null
token=$(post /v1/sessions '{"email":"buyer@example.com","password":"s3cret-pass"}' "" | jq -r .access_token)
hold=$(post "/v1/showtimes/$showtime/holds" '{"seats":["B2","B3"]}' "$token" | jq -r .id)

declined=$(request "/v1/holds/$hold/checkout" '{"payment_method":"pm_card_chargeDeclined"}' "$token")
[[ ${declined%% *} == 402 ]] || fail "pm_card_chargeDeclined was not declined: $declined"
booking=$(post "/v1/holds/$hold/checkout" '{"payment_method":"pm_card_visa"}' "$token")
[[ $(jq -r .payment.status <<<"$booking") == captured ]] || fail "checkout did not capture: $booking"
cancelled=$(post "/v1/bookings/$(jq -r .id <<<"$booking")/cancel" '' "$token")
[[ $(jq -r .payment.status <<<"$cancelled") == refunded ]] || fail "cancel did not refund: $cancelled"
grep -qF "$STRIPE_SECRET_KEY" "$work/marquee.log" && fail "the secret key was logged"
echo "stripe-test-mode: declined, captured $(jq -r .payment.intent <<<"$booking") and refunded it in Stripe's test mode"
