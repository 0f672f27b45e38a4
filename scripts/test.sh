#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what is
# missing, starts a private PostgreSQL for the tests, replays and briefly
# runs the HTTP parser fuzzer, runs the concurrency tests under Thread
# Sanitizer, Autobahn's WebSocket cases, the deployment checks (Dockerfile,
# compose, the proxy config, the image's build), the compose topology with
# three instances behind nginx on loopback, the abuse script, the benchmarks package's
# tests and a smoke run of the benchmark harness, a checkout through
# localstripe (and through Stripe's test mode when STRIPE_SECRET_KEY is
# set), then every test. Exits non-zero on any failure.
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

# build LABEL ARGS...: swift build ARGS, its progress lines filtered out;
# fails the script when the build fails (its status, not grep's, counts).
build() {
    local label=$1
    shift
    local status=0
    swift build "$@" 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]" || status=${PIPESTATUS[0]}
    if ((status != 0)); then
        echo "test: the $label build failed (exit $status)" >&2
        exit 1
    fi
}

step "build (debug, with tests)"
build debug --build-tests

step "HTTP and WebSocket parsers: replay the seed corpus, then fuzz"
.build/debug/marquee-fuzz-http Tests/Fuzz/http/* Tests/Fuzz/http-responses/*
if [[ "${FUZZ_SECONDS:-30}" != "0" ]]; then
    scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
fi

step "concurrency tests under Thread Sanitizer"
# The tests where threads share memory: the MPSC queue's producers; the seat
# map's atomic words raced by many threads; loops fed jobs and connections
# from other threads; a server's shards and their shutdown; connections
# served on a loop thread while the test's thread talks to them; and, end to
# end, the flash sale, hold-and-release and live convergence across shards;
# one TLS client context (its session cache) shared by threads; and the
# HTTP client on its loop thread against a TLS server on another, driven
# from the test's thread (pool, resumption, shutdown, a close raced).
# Single-threaded tests (the seat-map model, parsers) gain nothing here and
# run in the full pass. Names are anchored Module.Suite/test identifiers
# (`swift test list`): a bare "SeatMapTests" also matched LiveSeatMapTests.
tsan_tests=(
    'MarqueeLoopTests\.MPSCQueueTests/concurrentProducers\('
    'MarqueeCoreTests\.SeatMapTests/(flashSale|overlappingHolds|mixedLoad)\('
    'MarqueeLoopTests\.EventLoopTests/(crossThreadJobs|echo)\('
    'MarqueeServerTests\.ShardsAndShutdownTests/'
    'MarqueeServerTests\.KeepAliveAndPipeliningTests/'
    'MarqueeBookingTests\.CheckoutTests/flashSale\('
    'MarqueeBookingTests\.HoldTests/holdAndRelease\('
    'MarqueeLiveTests\.LiveSeatMapTests/convergence\('
    'MarqueeCryptoTests\.TLSResumptionTests/sharedAcrossThreads\('
    'MarqueeHTTPClientTests\.HTTPClientTests/(poolBound|keepAlive)\('
    'MarqueeHTTPClientTests\.HTTPClientFailureTests/(shutdown|idleClosedByServer)\('
)
tsan_filter="^($(IFS='|'; echo "${tsan_tests[*]}"))"
build "Thread Sanitizer" --build-tests --sanitize=thread --scratch-path .build-tsan
# A filter that matches nothing runs nothing and passes: each name must still exist.
tsan_list=$(swift test list --skip-build --sanitize=thread --scratch-path .build-tsan 2>/dev/null)
for pattern in "${tsan_tests[@]}"; do
    grep -qE "^$pattern" <<<"$tsan_list" || { echo "test: no test matches $pattern for Thread Sanitizer" >&2; exit 1; }
done
status=0
TSAN_OPTIONS=halt_on_error=1 swift test --skip-build --sanitize=thread --scratch-path .build-tsan \
    --filter "$tsan_filter" 2>&1 \
    | grep -E "✘|Test run|WARNING: ThreadSanitizer|SUMMARY" || status=${PIPESTATUS[0]}
((status == 0)) || { echo "test: the Thread Sanitizer tests failed (exit $status)" >&2; exit 1; }

step "WebSocket conformance: Autobahn sections 1 to 7 and 10, and 12 and 13 in part (permessage-deflate), with kosoku against the echo endpoint"
scripts/autobahn.sh debug

step "deployment: Dockerfile lint, compose config, the proxy's routing on loopback, the image's build context"
scripts/deploy-checks.sh

step "several instances on loopback: PostgreSQL, three servers, nginx with deploy/nginx.conf (sale, direct clients, SIGSTOP, kill -9)"
scripts/topology.sh

step "abuse: sign-up, ping, slow-body, connection and seat-map floods against a real server, a normal client alongside"
scripts/abuse.sh

step "benchmarks package (Benchmarks/Package.swift): build, then the load generator kit's tests"
# A package of its own: it builds the server's modules again in
# Benchmarks/.build, and the smoke run below reuses that build.
build "benchmarks package" --package-path Benchmarks --build-tests
status=0
swift test --skip-build --package-path Benchmarks 2>&1 | grep -vE "^(✔ Test \"|✔ Suite|◇|↳)" || status=${PIPESTATUS[0]}
((status == 0)) || { echo "test: the benchmark kit tests failed (exit $status)" >&2; exit 1; }

step "benchmark harness smoke run (every scenario, and TLS handshakes, for a second, results to a scratch folder)"
SMOKE=1 CONFIGURATION=debug OUT="$(mktemp -d)" bash Benchmarks/run.sh
DURATION=1 OUT="$(mktemp -d)" bash Benchmarks/tls-handshakes.sh debug

step "our Stripe client against localstripe (PyPI) behind nginx terminating TLS: a checkout and a refund"
# A few seconds once localstripe is in its virtualenv (first run: a pip install).
scripts/setup.sh nginx-light jq python3-venv
build debug --build-tests
scripts/localstripe.sh
scripts/stripe-test-mode.sh

step "all tests"
build debug --build-tests
swift test --skip-build 2>&1 | grep -vE "^(✔ Test \"|✔ Suite|◇|↳)"
exit "${PIPESTATUS[0]}"
