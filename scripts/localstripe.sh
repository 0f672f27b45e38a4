#!/usr/bin/env bash
# Our Stripe client against a server we did not write: localstripe (PyPI,
# a third-party Stripe emulator over plain HTTP) behind Debian's nginx,
# which terminates TLS with a test certificate made here. A real
# `marquee serve` with PAYMENT_PROVIDER=stripe takes a checkout through it
# (authorise with manual capture, capture), then a cancellation (refund),
# and the intent is read back from localstripe.
#
#   scripts/localstripe.sh      (needs TEST_DATABASE_URL, or starts the private cluster)
#
# localstripe goes into a virtualenv under .build/ on first use; it binds
# 127.0.0.1 only and its pickle dump to disk is disabled (../shared/TOOLS.md).
# All ports are free ones picked at start. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

work=$(mktemp -d "${TMPDIR:-/tmp}/marquee-localstripe.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "localstripe: $*" >&2; for log in "$work"/*.log; do echo "--- $log" >&2; tail -20 "$log" >&2; done; exit 1; }

command -v nginx >/dev/null || fail "nginx is not installed (apt-get install -y nginx-light, or scripts/setup.sh)"
venv=$root/.build/localstripe-venv
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import localstripe' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet localstripe
fi

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
stripe_port=$(free_port)
tls_port=$(free_port)

"$venv/bin/python" - "$stripe_port" > "$work/localstripe.log" 2>&1 <<'PY' &
import sys
import localstripe.resources
localstripe.resources.store.dump_to_disk = lambda: None
from aiohttp import web
from localstripe.server import app
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
PY
pids+=($!)

# A test CA and a certificate for localhost, signed by it.
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/ca.key" \
    -out "$work/ca.pem" -days 2 -subj "/CN=Marquee localstripe CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/server.key" \
    -out "$work/server.csr" -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$work/server.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
    -extfile "$work/server.ext" -out "$work/server.pem" 2>/dev/null

mkdir -p "$work/nginx-temp"
cat > "$work/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 256; }
http {
    access_log $work/nginx-access.log;
    client_body_temp_path $work/nginx-temp/body;
    proxy_temp_path $work/nginx-temp/proxy;
    fastcgi_temp_path $work/nginx-temp/fastcgi;
    uwsgi_temp_path $work/nginx-temp/uwsgi;
    scgi_temp_path $work/nginx-temp/scgi;
    upstream localstripe { server 127.0.0.1:$stripe_port; keepalive 8; }
    server {
        listen 127.0.0.1:$tls_port ssl;
        server_name localhost;
        ssl_certificate $work/server.pem;
        ssl_certificate_key $work/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / {
            proxy_pass http://localstripe;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
nginx -c "$work/nginx.conf" -p "$work" > "$work/nginx.log" 2>&1 &
pids+=($!)

api="https://localhost:$tls_port"
for _ in $(seq 1 200); do
    curl -s --cacert "$work/ca.pem" -o /dev/null "$api/v1/payment_intents" -u sk_test_localstripe: && break
    sleep 0.1
done
curl -s --cacert "$work/ca.pem" -o /dev/null "$api/v1/payment_intents" -u sk_test_localstripe: \
    || fail "localstripe behind nginx did not answer on $api"

# A database of our own on the test cluster.
if [[ -z "${TEST_DATABASE_URL:-}" ]]; then
    export PGPORT=${TEST_PGPORT:-24339} PGDATABASE=marquee_test
    TEST_DATABASE_URL=$(scripts/postgres.sh start "$root/.data/postgres-test")
fi
database=marquee_localstripe_$$
psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE $database" >/dev/null
database_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p._replace(path="/" + sys.argv[2]).geturl())' \
    "$TEST_DATABASE_URL" "$database")
trap 'psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true; cleanup' EXIT

[[ -x .build/debug/marquee ]] || swift build --product marquee >/dev/null
admin=localstripe-admin-token
env -i PATH="$PATH" DATABASE_URL="$database_url" ADMIN_TOKEN=$admin JWT_SECRET="$(openssl rand -base64 48)" \
    PAYMENT_PROVIDER=stripe STRIPE_SECRET_KEY=sk_test_localstripe STRIPE_API_BASE="$api" STRIPE_CA_FILE="$work/ca.pem" \
    .build/debug/marquee serve --port 0 --shards 2 2> "$work/marquee.log" &
pids+=($!)
port=
for _ in $(seq 1 300); do
    port=$(grep -o '"port":[0-9]*' "$work/marquee.log" | head -1 | cut -d: -f2 || true)
    [[ -n $port ]] && curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break
    sleep 0.1
done
[[ -n $port ]] || fail "marquee serve did not start"
base=http://127.0.0.1:$port

post() {  # post PATH JSON [TOKEN]: prints the body, fails on a status >= 300
    local out status
    out=$(curl -s -w '\n%{http_code}' -X POST "$base$1" -H 'Content-Type: application/json' \
        -H "Authorization: Bearer ${3:-$admin}" -d "$2")
    status=${out##*$'\n'}
    out=${out%$'\n'*}
    ((status < 300)) || fail "POST $1 -> $status $out"
    echo "$out"
}

theater=$(post /v1/theaters '{"name":"Odeon"}' | jq .id)
auditorium=$(post /v1/auditoriums "{\"theater_id\":$theater,\"name\":\"1\",\"layout\":{\"rows\":3,\"columns\":4,\"prices\":{\"standard\":1000}}}" | jq .id)
movie=$(post /v1/movies '{"title":"Heat","runtime_minutes":120}' | jq .id)
starts=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:00Z)
showtime=$(post /v1/showtimes "{\"movie_id\":$movie,\"auditorium_id\":$auditorium,\"starts_at\":\"$starts\"}" | jq .id)
post /v1/users '{"email":"buyer@example.com","password":"s3cret-pass","name":"B"}' "" >/dev/null
token=$(post /v1/sessions '{"email":"buyer@example.com","password":"s3cret-pass"}' "" | jq -r .access_token)
hold=$(post "/v1/showtimes/$showtime/holds" '{"seats":["B2","B3"]}' "$token" | jq -r .id)
booking=$(post "/v1/holds/$hold/checkout" '{"payment_method":"pm_card_visa"}' "$token")
[[ $(jq -r .payment.status <<<"$booking") == captured ]] || fail "checkout did not capture: $booking"
intent=$(jq -r .payment.intent <<<"$booking")
read_intent() { curl -s --cacert "$work/ca.pem" -u sk_test_localstripe: "$api/v1/payment_intents/$intent"; }
[[ $(read_intent | jq -r .status) == succeeded ]] || fail "localstripe does not show $intent captured: $(read_intent)"
[[ $(read_intent | jq -r .amount) == 2000 ]] || fail "localstripe shows another amount: $(read_intent)"

cancelled=$(post "/v1/bookings/$(jq -r .id <<<"$booking")/cancel" '' "$token")
[[ $(jq -r .payment.status <<<"$cancelled") == refunded ]] || fail "cancel did not refund: $cancelled"

grep -q sk_test_localstripe "$work/marquee.log" && fail "the secret key was logged"
echo "localstripe: checkout captured $intent over TLS (nginx -> localstripe), cancellation refunded it"
