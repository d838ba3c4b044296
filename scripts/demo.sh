#!/usr/bin/env bash
# One command from nothing to a running demo: install, migrate the SQLite database in the
# user's data directory, seed a synthetic cohort if it is empty, print the logins, serve.
#   scripts/demo.sh [--patients N] [--seed S] [--host H] [--port P]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh postgres,analytics
exec .venv/bin/painpath demo run "$@"
