#!/usr/bin/env bash
# Installs the system packages Marquee builds, runs and tests with, when any
# is missing (Debian; run as root or with sudo). Idempotent: a no-op once
# everything is there. Swift itself must already be on PATH.
set -euo pipefail

packages=(libuv1-dev libpq-dev libssl-dev zlib1g-dev pkg-config postgresql postgresql-contrib)
packages+=("$@")

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null; then
    echo "setup: swift is not on PATH (Swift 6 toolchain required)" >&2
    exit 1
fi
