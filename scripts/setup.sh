#!/usr/bin/env bash
# Create .venv (if needed) and install painpath into it, editable, with the given extras.
#   scripts/setup.sh [EXTRAS]      EXTRAS defaults to "postgres"; the tests use "dev,postgres,fhir,pgx".
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-postgres}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
if [ ! -x .venv/bin/uv ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip uv
fi
.venv/bin/uv pip install --python .venv/bin/python --quiet --compile-bytecode -e ".[${extras}]"
