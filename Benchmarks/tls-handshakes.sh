#!/usr/bin/env bash
# TLS handshakes per second through the HTTP client (MarqueeHTTPClient),
# full and resumed: marquee-tls-bench, a release build of the benchmarks
# package, keeps CONCURRENCY one-request connections in flight against a
# TLS server on another thread of the same process over loopback, and
# writes Benchmarks/results/tls-handshakes.json.
#   DURATION=8 CONCURRENCY=8 bash Benchmarks/tls-handshakes.sh [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
configuration=${1:-release}
build_bench "$configuration" marquee-tls-bench
mkdir -p "${OUT:-Benchmarks/results}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench_bin/marquee-tls-bench" --duration "${DURATION:-8}" --concurrency "${CONCURRENCY:-8}" \
    --out "${OUT:-Benchmarks/results}/tls-handshakes.json"
