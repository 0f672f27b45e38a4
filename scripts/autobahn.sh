#!/usr/bin/env bash
# WebSocket conformance: Autobahn's cases through kosoku (PyPI) against the
# server's echo endpoint (serve --websocket-echo). Fails if any case's
# behaviour is not OK, NON-STRICT or INFORMATIONAL, or if a case asked for
# is missing from the report (an empty report once passed).
#
#   scripts/autobahn.sh [CONFIGURATION=debug|release] [case globs...]
#   default cases (what the test command runs): sections 1 to 7 and 10, and of
#   12 and 13 (permessage-deflate) the four smallest message sizes of every
#   payload kind and every negotiation (12.x.1-4, 13.x.1-4; seconds, where the
#   whole of 12 and 13 is minutes of the Python client's compression);
#   scripts/autobahn.sh release '1.*' ... '10.*' '9.*' '12.*' '13.*' for the full run.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=${1:-debug}
shift || true
cases=("$@")
# How many cases the report must hold: for the default list, pinned (the
# Autobahn TestSuite's sections 1: 16, 2: 11, 3: 7, 4: 10, 5: 20, 6: 145,
# 7: 37, 10: 1, and 20 of 12 and 28 of 13); for any list, every case of
# kosoku's index the globs match. A case missing from the report fails.
pinned=""
if ((${#cases[@]} == 0)); then
    cases=('1.*' '2.*' '3.*' '4.*' '5.*' '6.*' '7.*' '10.*')
    for kind in 1 2 3 4 5; do for size in 1 2 3 4; do cases+=("12.$kind.$size"); done; done
    for offer in 1 2 3 4 5 6 7; do for size in 1 2 3 4; do cases+=("13.$offer.$size"); done; done
    pinned=295
fi
command -v kosoku >/dev/null || python3 -m pip install -q kosoku 2>&1 | grep -v "WARNING: Running pip as" || true
bin=$(swift build -c "$configuration" --show-bin-path)
swift build -c "$configuration" --product marquee 2>&1 | tail -1
out=$(mktemp -d)
JWT_SECRET="$(openssl rand -base64 48)" "$bin/marquee" serve --port 0 --shards 2 --websocket-echo >"$out/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$out"' EXIT
port=""
for _ in $(seq 100); do
    port=$(grep -o '"port":[0-9]*' "$out/server.log" | head -1 | cut -d: -f2 || true)
    [[ -n "$port" ]] && break
    sleep 0.1
done
[[ -n "$port" ]] || { echo "autobahn: the server did not start"; cat "$out/server.log"; exit 1; }
args=()
for pattern in "${cases[@]}"; do args+=(-i "$pattern"); done
kosoku "${args[@]}" -p 4 -o "$out/report" "127.0.0.1:$port" | tail -2
python3 - "$out/report/index.json" "$pinned" "${cases[@]}" <<'PY'
import collections, fnmatch, json, sys
from kosoku.cases import CASES
index, pinned, globs = sys.argv[1], sys.argv[2], sys.argv[3:]
expected = {case for case in CASES if any(fnmatch.fnmatchcase(case, glob) for glob in globs)}
if pinned and len(expected) != int(pinned):
    sys.exit(f"autobahn: the default list matches {len(expected)} cases of kosoku's index, not the pinned {pinned}: "
             "kosoku's cases changed, or the list did without its pin")
if not expected:
    sys.exit("autobahn: no case matches " + " ".join(globs))
report = json.load(open(index))
good = {"OK", "NON-STRICT", "INFORMATIONAL"}
failed = 0
if not report:
    print("autobahn: FAILED: the report holds no agent and no case")
    failed += 1
for agent, cases in report.items():
    counts = collections.Counter(f"{v['behavior']}/{v['behaviorClose']}" for v in cases.values())
    bad = sorted(k for k, v in cases.items() if v["behavior"] not in good or v["behaviorClose"] not in good)
    missing = sorted(expected - cases.keys(), key=lambda case: [int(part) for part in case.split(".")])
    unexpected = sorted(cases.keys() - expected)
    failed += len(bad) + len(missing) + len(unexpected)
    print(f"autobahn: {len(cases)} of {len(expected)} cases: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    if bad: print("autobahn: FAILED " + " ".join(bad))
    if missing: print(f"autobahn: FAILED: {len(missing)} cases missing from the report: " + " ".join(missing[:40]))
    if unexpected: print("autobahn: FAILED: cases not asked for: " + " ".join(unexpected[:40]))
sys.exit(1 if failed else 0)
PY
