#!/usr/bin/env bash
# Builds the release `marquee` binary (Swift's runtime linked in, so the
# image needs only libuv, libpq, OpenSSL and zlib) and installs it as
# OUT_DIR/marquee. The image's builder stage runs exactly this; so does
# scripts/image-context.sh, in a folder holding only what the image copies.
#   scripts/build-release.sh OUT_DIR
set -euo pipefail
out=${1:?usage: scripts/build-release.sh OUT_DIR}
cd "$(dirname "$0")/.."
swift build -c release --product marquee --static-swift-stdlib
install -D "$(swift build -c release --show-bin-path)/marquee" "$out/marquee"
