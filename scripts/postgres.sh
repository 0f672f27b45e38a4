#!/usr/bin/env bash
# A private PostgreSQL cluster for development and tests, kept in a
# git-ignored folder of the project and listening on loopback only.
#
#   scripts/postgres.sh start [DIR]   init if needed, start, create the database
#   scripts/postgres.sh stop  [DIR]
#   scripts/postgres.sh url   [DIR]   print the DATABASE_URL
#
# PostgreSQL refuses to run as root, so as root it runs as the `postgres`
# system user (the data folder is handed to that user).
# PGPORT (default 24329) and PGDATABASE (default marquee) pick the port and database.
# The fixed ports here and in the test and benchmark scripts are below the
# kernel's ephemeral range (32768-60999): a client connection, or its
# TIME-WAIT, holding the same port number made PostgreSQL's bind fail.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
command=${1:-start}
dir=${2:-$root/.data/postgres}
port=${PGPORT:-24329}
database=${PGDATABASE:-marquee}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$bin/pg_ctl" ]] || { echo "postgres.sh: PostgreSQL server binaries not found (run scripts/setup.sh)" >&2; exit 1; }

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

url() { echo "postgresql://postgres@127.0.0.1:$port/$database?sslmode=disable"; }

case "$command" in
start)
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres:postgres "$dir"
        # The postgres user needs to reach the folder through its parents.
        parent=$dir
        while [[ "$parent" != "/" ]]; do parent=$(dirname "$parent"); chmod o+x "$parent" 2>/dev/null || true; done
    fi
    if [[ ! -f "$dir/PG_VERSION" ]]; then
        as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
        cat >> "$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
CONF
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        # -p: the port asked for now, whatever the folder was made with.
        if ! as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -o "-p $port" -w -t 60 start >/dev/null; then
            tail -5 "$dir/server.log" >&2
            exit 1
        fi
    fi
    if ! as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc \
        "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
        as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"
    fi
    url
    ;;
stop)
    if [[ -f "$dir/PG_VERSION" ]] && as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    fi
    ;;
url)
    url
    ;;
*)
    echo "usage: $0 start|stop|url [DIR]" >&2
    exit 2
    ;;
esac
