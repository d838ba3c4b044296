#!/usr/bin/env bash
# Set up what the benchmarks need (once) and run them all, printing one table of ratios.
#   bench/run.sh [--quick] [--sizes 10000 100000]
# Needs: painpath's venv (scripts/setup.sh), bcftools + tabix (Debian), and the peers, each in
# its own venv under bench/.venvs (git-ignored): PyPGx 0.27.0 and PAnno 0.3.1, both pinned to
# pandas<2.2 and numpy<2 (they break on pandas 3). PyPGx's NGS pipeline also needs its data
# bundle (PYPGX_BUNDLE), which is not on PyPI: without it that comparison is reported as not run.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
  scripts/setup.sh pgx
fi
if ! command -v bcftools >/dev/null || ! command -v tabix >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq bcftools tabix >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq bcftools tabix >/dev/null
  fi
fi
mkdir -p bench/results
peer_venv() {  # NAME PACKAGE: a venv with the package and the pandas/numpy it still works with
  local venv="bench/.venvs/$1" log="bench/results/install-$1.log"
  [ -f "$venv/.installed" ] && return 0
  rm -rf "$venv"
  if "$python" -m venv "$venv" >"$log" 2>&1 &&
    "$venv/bin/pip" install --quiet "$2" >>"$log" 2>&1 &&
    "$venv/bin/pip" install --quiet "pandas<2.2" "numpy<2" >>"$log" 2>&1; then
    touch "$venv/.installed"
  else
    rm -rf "$venv"
    echo "$2 could not be installed (see $log); its rows stay empty" >&2
  fi
}
peer_venv pypgx pypgx==0.27.0
peer_venv panno panno==0.3.1

exec .venv/bin/python bench/run_all.py "$@"
