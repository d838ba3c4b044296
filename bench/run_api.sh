#!/usr/bin/env bash
# The patient API load benchmark (issue 15): sync batches, record reads and panel loads, open
# loop, 1 and 2 server processes, SQLite and PostgreSQL; then a 10-minute soak at SOAK_RATE
# (default 150 req/s, the goal) with 2 processes on PostgreSQL and on SQLite.
#   bench/run_api.sh [--quick | bench/api_load.py options]
#   SOAK_RATE=60 bench/run_api.sh
# Run it on an otherwise idle machine: the generator (bench/loadgen.py) shares the cores with the
# server and PostgreSQL (each one's CPU is a column of the table), and the load average before
# and after is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  scripts/setup.sh dev,postgres
fi
mkdir -p bench/results
.venv/bin/python bench/api_load.py "$@" | tee bench/results/api_load.md
if [ "$#" -eq 0 ]; then
  for database in postgresql sqlite; do
    .venv/bin/python bench/api_load.py --soak "${SOAK_RATE:-150}" --minutes 10 --processes 2 \
      --databases "$database" | tee "bench/results/api_soak_$database.md"
  done
fi
