"""Run benchmarks (a), (b) and (c) in one go and print one table of ratios.

    .venv/bin/python bench/run_all.py [--quick] [--sizes 10000 100000]

Raw numbers per benchmark go to bench/results/{lookups,single_vcf,cohort,summary}.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import cohort
import lookups
import single_vcf
from harness import machine, print_table, rows_json, save


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, 10,000 only")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    reps, peer_reps = (3, 1) if args.quick else (7, 3)
    sizes = [10_000] if args.quick else args.sizes
    started = time.perf_counter()
    before = machine()
    print(json.dumps(before, indent=2))
    rows = lookups.run(items=50, repeat=reps, peer_repeat=peer_reps)
    rows += single_vcf.run(repeat=max(3, reps - 2), peer_repeat=peer_reps)
    rows += cohort.run(sizes, repeat=3 if not args.quick else 1)
    after = machine()
    print_table(rows, "painpath benchmarks (ratio: peer ÷ painpath, or painpath ÷ I/O floor)")
    print(
        f"\nload average before {before['load_average']}, after {after['load_average']};"
        f" {time.perf_counter() - started:.0f} s in all"
    )
    save("summary", {"machine": before, "load_after": after["load_average"],
                     "rows": rows_json(rows)})  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
