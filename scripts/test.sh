#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what is
# missing, starts a private PostgreSQL for the tests, replays and briefly
# runs the HTTP parser fuzzer, runs the concurrency tests under Thread
# Sanitizer, then every test. Exits non-zero on any failure.
#   scripts/test.sh            (FUZZ_SECONDS=30 by default; 0 skips the fuzz run)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "system packages"
scripts/setup.sh

step "private PostgreSQL for tests"
test_pg_dir="$PWD/.data/postgres-test"
export PGPORT=${TEST_PGPORT:-24339}
export PGDATABASE=marquee_test
if [[ -z "${TEST_DATABASE_URL:-}" ]]; then
    TEST_DATABASE_URL=$(scripts/postgres.sh start "$test_pg_dir")
    trap 'scripts/postgres.sh stop "$test_pg_dir" || true' EXIT
fi
export TEST_DATABASE_URL
echo "TEST_DATABASE_URL=$TEST_DATABASE_URL"

step "build (debug, with tests)"
swift build --build-tests 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]" || { echo "build failed" >&2; exit 1; }

step "HTTP and WebSocket parsers: replay the seed corpus, then fuzz"
.build/debug/marquee-fuzz-http Tests/Fuzz/http/*
if [[ "${FUZZ_SECONDS:-30}" != "0" ]]; then
    scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
fi

step "concurrency tests under Thread Sanitizer"
swift build --build-tests --sanitize=thread --scratch-path .build-tsan 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]" || true
TSAN_OPTIONS=halt_on_error=1 swift test --skip-build --sanitize=thread --scratch-path .build-tsan \
    --filter "MPSCQueueTests|SeatMapTests|SeatMapModelTests|EventLoopTests|ShardsAndShutdownTests|KeepAliveAndPipeliningTests|CheckoutTests/flashSale|HoldTests/holdAndRelease|LiveSeatMapTests/convergence|TLSResumptionTests/sharedAcrossThreads" 2>&1 \
    | grep -E "✘|Test run|WARNING: ThreadSanitizer|SUMMARY" 
test "${PIPESTATUS[0]}" -eq 0

step "WebSocket conformance: Autobahn sections 1 to 7 and 10, and 12 and 13 in part (permessage-deflate), with kosoku against the echo endpoint"
scripts/autobahn.sh debug

step "benchmark harness smoke run (every scenario for a second, results to a scratch folder)"
SMOKE=1 CONFIGURATION=debug OUT="$(mktemp -d)" bash Benchmarks/run.sh

step "all tests"
swift build --build-tests 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]" || true
swift test --skip-build 2>&1 | grep -vE "^(✔ Test \"|✔ Suite|◇|↳)"
exit "${PIPESTATUS[0]}"
