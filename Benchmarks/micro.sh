#!/usr/bin/env bash
# Microbenchmarks with allocation counting (see Benchmarks/Sources/MarqueeMicro):
# release build, run under the malloc interposer, check the ceilings in
# Benchmarks/micro-thresholds.json, write Benchmarks/results/micro.json.
#   bash Benchmarks/micro.sh [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=${1:-release}
swift build -c "$configuration" --product marquee-micro 2>&1 | tail -1
bin=$(swift build -c "$configuration" --show-bin-path)
mkdir -p Benchmarks/results
LD_PRELOAD="$bin/libMallocInterposerSwift.so" "$bin/marquee-micro" --check --out Benchmarks/results/micro.json
