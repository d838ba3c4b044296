#!/usr/bin/env bash
# Remote-monitoring benchmarks in one run (issue 5), printing ratios:
#   1. the one-year Apple Health export (and a 2x one): painpath's streaming import + daily
#      aggregation vs a naive xml.etree full parse — wall time and peak memory;
#   2. bulk ingest of device samples, rows/s into SQLite and PostgreSQL vs executemany / COPY,
#      and the one-year export imported end to end into SQLite (time, peak memory).
#   bench/run_monitoring.sh [--quick]     (--quick: a 30-day export, 20 days of ingest)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || scripts/setup.sh postgres
if [ "${1:-}" = "--quick" ]; then
  .venv/bin/python bench/wearables.py --days 30
  .venv/bin/python bench/ingest.py --days 20 --reps 2
else
  .venv/bin/python bench/wearables.py
  .venv/bin/python bench/ingest.py --days 40 --reps 3 --year
fi
