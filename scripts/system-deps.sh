#!/usr/bin/env bash
# Install what the test suite needs from Debian: a PostgreSQL server and chromium.
# Skips what is present; needs root (or sudo) only when something is missing.
set -euo pipefail
missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo > /dev/null; then sudo="sudo"; else
    echo "system-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
