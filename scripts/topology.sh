#!/usr/bin/env bash
# The compose topology for real on loopback (scripts/topology.py says what
# it checks): a database of its own, three `marquee serve` instances and
# Debian's nginx with deploy/nginx.conf. Uses TEST_DATABASE_URL's cluster
# when set (a fresh database in it), otherwise a private PostgreSQL.
#   scripts/topology.sh   (uses .build/debug/marquee; builds it if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
scripts/setup.sh nginx-light curl

bin=$PWD/.build/debug/marquee
[[ -x $bin ]] || swift build --product marquee 2>&1 | tail -1
work=$(mktemp -d)
chmod 755 "$work"
database=topology_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
cleanup() {
    if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
        psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
    else
        scripts/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
    fi
    [[ -n "${KEEP_LOGS:-}" ]] && echo "topology: logs kept in $work" || rm -rf "$work"
}
trap cleanup EXIT

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
    psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $database" >/dev/null
    database_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' \
        "$TEST_DATABASE_URL" "$database")
else
    database_url=$(PGPORT=${TOPOLOGY_PGPORT:-24359} PGDATABASE=$database scripts/postgres.sh start "$work/pg")
fi
DATABASE_URL=$database_url "$bin" migrate >/dev/null
DATABASE_URL=$database_url "$bin" seed --demo >/dev/null
secret="topology-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
python3 scripts/topology.py --bin "$bin" --database-url "$database_url" --secret "$secret" --work "$work" --root "$PWD" \
    --lease-seconds "${LEASE_SECONDS:-3}"
