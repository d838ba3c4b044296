#!/usr/bin/env bash
# The CDS Hooks load benchmark (issue 15): order-sign, open loop, painpath beside the naive path,
# 1 and 2 server processes, SQLite and PostgreSQL, then the profile of one request.
#   bench/run_cds.sh [--quick | bench/cds.py options]
# Run it on an otherwise idle machine: the load generator shares the cores with the server, and
# the load average before and after is printed with the table.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  scripts/setup.sh dev,postgres
fi
mkdir -p bench/results
.venv/bin/python bench/cds.py "$@" | tee bench/results/cds.md
.venv/bin/python bench/cds.py --profile 300 > bench/results/cds-profile.txt
echo "profile: bench/results/cds-profile.txt"
