#!/usr/bin/env bash
# Microbenchmarks with allocation counting (see Benchmarks/Sources/MarqueeMicro):
# release build of the benchmarks package (Benchmarks/Package.swift), run
# under the malloc interposer, check the ceilings in
# Benchmarks/micro-thresholds.json, write Benchmarks/results/micro.json.
#   bash Benchmarks/micro.sh [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
configuration=${1:-release}
build_bench "$configuration" marquee-micro
mkdir -p Benchmarks/results
LD_PRELOAD="$bench_bin/libMallocInterposerSwift.so" "$bench_bin/marquee-micro" --check --out Benchmarks/results/micro.json
