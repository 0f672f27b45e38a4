#!/usr/bin/env bash
# A real `marquee serve` under the abuse an on-sale meets (scripts/abuse.py
# says what is checked): sign-up floods, a WebSocket ping flood, trickled
# bodies and a connection flood from one address, and a seat-map flood,
# each while a normal client goes on. Quick by default (the test command
# runs it); ABUSE_SECONDS=30 for a longer run. Uses TEST_DATABASE_URL's
# cluster when set (a fresh database in it), otherwise a private PostgreSQL.
#   scripts/abuse.sh   (uses .build/debug/marquee; builds it if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
scripts/setup.sh curl

bin=$PWD/.build/debug/marquee
[[ -x $bin ]] || swift build --product marquee 2>&1 | tail -1
work=$(mktemp -d)
chmod 755 "$work"
database=abuse_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
server_pid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
        psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
    else
        scripts/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
    psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $database" >/dev/null
    database_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' \
        "$TEST_DATABASE_URL" "$database")
else
    database_url=$(PGPORT=${ABUSE_PGPORT:-24379} PGDATABASE=$database scripts/postgres.sh start "$work/pg")
fi
DATABASE_URL=$database_url "$bin" migrate >/dev/null
DATABASE_URL=$database_url "$bin" seed --demo >/dev/null

port=$(free_port)
# The normal client logs in again and again: the login limits (guessing)
# are lifted, so what is measured is the hashing line a flood shares.
timeout_ms=2000 per_address=64 sign_ups=20
DATABASE_URL=$database_url JWT_SECRET="abuse-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    LOGIN_LIMIT_PER_ADDRESS=100000 LOGIN_LIMIT_PER_EMAIL_AND_ADDRESS=100000 LOGIN_LIMIT_PER_EMAIL=100000 \
    REQUEST_TIMEOUT_MS=$timeout_ms MAX_CONNECTIONS_PER_ADDRESS=$per_address SIGN_UP_LIMIT_PER_ADDRESS=$sign_ups \
    "$bin" serve --port "$port" --shards 2 --log-level warning > "$work/server.log" 2>&1 &
server_pid=$!
wait_ready marquee "http://127.0.0.1:$port/readyz" "$server_pid"
python3 scripts/abuse.py --port "$port" --pid "$server_pid" --database-url "$database_url" --seconds "${ABUSE_SECONDS:-3}" \
    --request-timeout-ms "$timeout_ms" --per-address "$per_address" --sign-up-limit "$sign_ups" \
    || { tail -20 "$work/server.log" >&2; exit 1; }
kill -0 "$server_pid" || fail "the server died under abuse: $(tail -20 "$work/server.log")"
