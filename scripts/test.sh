#!/usr/bin/env bash
# One command from nothing to every check: system packages (PostgreSQL, chromium), the venv,
# then lint, format, types, import layers and the whole pytest suite (SQLite, a throwaway
# PostgreSQL cluster the tests start themselves, and real-browser tests).
#   scripts/test.sh [PYTEST ARGS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
scripts/setup.sh dev,postgres,fhir,pgx,analytics
export PATH="$PWD/.venv/bin:$PATH"
status=0
echo "== ruff check";        ruff check || status=1
echo "== ruff format";       ruff format --check || status=1
echo "== mypy";              mypy || status=1
echo "== import-linter";     lint-imports || status=1
echo "== pytest"
# Two test processes (one per core of the reference machine), each file kept in one process
# so its module fixtures (demo servers, browsers) start once.
pytest -n "${PAINPATH_TEST_PROCESSES:-2}" --dist loadfile "$@" || status=$?
exit "$status"
