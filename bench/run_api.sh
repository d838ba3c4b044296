#!/usr/bin/env bash
# The patient API load benchmark (issue 15): sync batches, record reads and panel loads, open
# loop, 1 and 2 server processes, SQLite and PostgreSQL; then a 10-minute soak at 150 req/s with
# 2 processes on PostgreSQL and on SQLite.
#   bench/run_api.sh [--quick | bench/api_load.py options]
# Run it on an otherwise idle machine: the generator shares the cores with the server (its own
# CPU is a column of the table), and the load average before and after is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  scripts/setup.sh dev,postgres
fi
mkdir -p bench/results
.venv/bin/python bench/api_load.py "$@" | tee bench/results/api_load.md
if [ "$#" -eq 0 ]; then
  for database in postgresql sqlite; do
    .venv/bin/python bench/api_load.py --soak 150 --minutes 10 --processes 2 \
      --databases "$database" | tee "bench/results/api_soak_$database.md"
  done
fi
