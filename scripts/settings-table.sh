#!/usr/bin/env bash
# Regenerates the configuration table of README.md, between the markers
# <!-- settings:begin --> and <!-- settings:end -->, from the settings table
# in Sources/Marquee/SettingsTable.swift (`marquee settings --markdown`). A
# test fails when README.md and the binary disagree.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product marquee >/dev/null
bin=$(swift build --show-bin-path)
"$bin/marquee" settings --markdown > README.md.table
awk '
    /<!-- settings:begin -->/ { print; print ""; while ((getline line < "README.md.table") > 0) print line; print ""; skipping = 1; next }
    /<!-- settings:end -->/ { skipping = 0 }
    !skipping { print }
' README.md > README.md.tmp
rm README.md.table
grep -q '<!-- settings:end -->' README.md.tmp || { rm README.md.tmp; echo "README.md has no settings markers" >&2; exit 1; }
mv README.md.tmp README.md
