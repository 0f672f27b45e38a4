#!/usr/bin/env bash
# Builds and runs the server. Without DATABASE_URL it starts a private
# PostgreSQL cluster in .data/postgres (git-ignored) and points the server
# at it. Extra arguments go to `marquee serve` (e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
swift build -c release --product marquee 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]"
if [[ -z "${DATABASE_URL:-}" ]]; then
    DATABASE_URL=$(scripts/postgres.sh start)
    echo "run: private PostgreSQL at $DATABASE_URL (stop it with scripts/postgres.sh stop)"
fi
export DATABASE_URL
# Migrates, and loads the demo catalog on first start (a seeded database is left as it is).
.build/release/marquee seed --demo
exec .build/release/marquee serve "$@"
