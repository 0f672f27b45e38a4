#!/usr/bin/env bash
# Fuzzes the HTTP parser with libFuzzer for SECONDS (default 30), starting
# from the seed corpora in Tests/Fuzz/http and Tests/Fuzz/http-responses. New interesting inputs go to a
# scratch corpus (not committed); a crash leaves its input in
# fuzz-artifacts/ and fails the script.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
swift build --product marquee-fuzz-http --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DMARQUEE_FUZZ -Xswiftc -use-ld=lld 2>&1 | tail -1
corpus=.build-fuzz/corpus-http
mkdir -p "$corpus" fuzz-artifacts
cp -n Tests/Fuzz/http/* Tests/Fuzz/http-responses/* "$corpus"/
# Swift's own crash handler would report a false ASan error.
status=0
SWIFT_BACKTRACE=enable=no .build-fuzz/debug/marquee-fuzz-http "$corpus" \
    -max_total_time="$seconds" -max_len=4096 -artifact_prefix=fuzz-artifacts/ -print_final_stats=1 \
    > .build-fuzz/fuzz.log 2>&1 || status=$?
grep -E "^(Done|stat::number_of_executed_units|SUMMARY|INFO: seed corpus)|ERROR|parser disagrees" .build-fuzz/fuzz.log || true
if [[ $status -ne 0 ]]; then
    echo "fuzz: the HTTP parser failed (exit $status); input saved in fuzz-artifacts/" >&2
    tail -40 .build-fuzz/fuzz.log >&2
    exit 1
fi
echo "fuzz: HTTP parser clean for ${seconds}s"
