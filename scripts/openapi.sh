#!/usr/bin/env bash
# Regenerates openapi.json, the API document, from docs/openapi.py. The
# JSON is the one committed copy: the build embeds it in the binary
# (plugin EmbedOpenAPI), which serves it at GET /openapi.json. A test
# fails when the JSON and the generator drift apart.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 docs/openapi.py > openapi.json.tmp && mv openapi.json.tmp openapi.json
