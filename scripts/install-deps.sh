#!/usr/bin/env bash
# Installs the Debian packages Postbox needs to build and run, if any are missing.
# Usage: scripts/install-deps.sh [extra packages...]
set -euo pipefail

packages=(libsodium-dev libsqlite3-dev libqpdf-dev openssl pkg-config "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
echo "Installing missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
