"""Benchmark (c): a synthetic multi-sample VCF through painpath vs `bcftools query` (I/O floor).

    .venv/bin/python bench/cohort.py [--samples 10000 100000] [--reps 3] [--json-max 10000]

The cohort: scripts/make_pgx_vcf.py, genotypes drawn from allele frequencies (Hardy–Weinberg,
seed 1), a record at each of the 276 allele-defining positions, bgzipped and tabix-indexed.
The floor: `bcftools query -f '[%GT\\t]\\n'` over the whole file, which holds only those
positions, so both read the same records and every genotype. All are fresh processes, wall clock
(interpreter start and imports included; painpath's bytecode cached, see harness.bytecode_env),
interleaved in each round. painpath stages (bench/engine_report.py): calls (matcher), reports
(+ phenotypes and advice for every drug), json (+ each sample's report serialized, one JSON line
per sample, to /dev/null); and the command a user runs on a cohort,
`painpath pgx batch FILE -o OUT.parquet --quiet` (CLI start-up included).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import (
    PAINPATH,
    Row,
    bytecode_env,
    machine,
    make_vcf,
    median,
    print_table,
    rows_json,
    tabix,
    wall,
    warm_bytecode,
)
from harness import save as save_result

BENCH = Path(__file__).resolve().parent
GOAL_PER_SAMPLE = 0.005
GOAL_FLOOR = 3.0
STAGES = ("calls", "reports", "json")


def engine(path: Path, stage: str) -> tuple[float, dict[str, Any]]:
    """Wall seconds of bench/engine_report.py, and its own timings (import, stage)."""
    command = [sys.executable, str(BENCH / "engine_report.py"), str(path), "--stage", stage]
    start = time.perf_counter()
    done = subprocess.run(
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=bytecode_env()
    )
    seconds = time.perf_counter() - start
    return seconds, json.loads(done.stderr.decode().strip().splitlines()[-1])


def has_batch() -> bool:
    """Whether this painpath has `pgx batch` (and pyarrow for it)."""
    done = subprocess.run([str(PAINPATH), "pgx", "batch", "--help"], capture_output=True)
    return done.returncode == 0


def run_size(samples: int, repeat: int, with_json: bool) -> tuple[list[Row], dict[str, Any]]:
    path = make_vcf(f"cohort{samples}.vcf.gz", "cohort", "--samples", str(samples), "--seed", "1")
    tabix(path)
    records = subprocess.run(
        ["bcftools", "view", "-H", str(path)], check=True, capture_output=True
    ).stdout.count(b"\n")
    stages = [s for s in STAGES if with_json or s != "json"]
    floor: list[float] = []
    ours: dict[str, list[float]] = {s: [] for s in stages}
    inner: dict[str, list[dict[str, Any]]] = {s: [] for s in stages}
    batch = has_batch()
    if batch:
        ours["batch"] = []
    out = Path(tempfile.mkdtemp(prefix="painpath-bench-")) / "cohort.parquet"
    for _ in range(repeat):
        floor.append(wall(["bcftools", "query", "-f", "[%GT\t]\n", path]))
        for stage in stages:
            seconds, timing = engine(path, stage)
            ours[stage].append(seconds)
            inner[stage].append(timing)
        if batch:
            batch_cmd = [PAINPATH, "pgx", "batch", path, "-o", out, "--quiet"]
            ours["batch"].append(wall(batch_cmd, env=bytecode_env()))
    floor_s = median(floor)
    rows = [
        Row(
            "c",
            f"{samples:,} samples: bcftools query (floor)",
            None,
            "bcftools",
            floor_s / samples,
            "s/sample",
            None,
            note=f"{floor_s:.3g} s for {records} records × {samples:,} samples",
        )
    ]
    for stage in ours:
        mine = median(ours[stage])
        per_sample = mine / samples
        over_floor = mine / floor_s
        rows.append(
            Row(
                "c",
                f"{samples:,} samples: painpath {stage}",
                per_sample,
                "bcftools",
                floor_s / samples,
                "s/sample",
                over_floor,
                ratio_label="× floor",
                goal="<0.005 s/sample, ≤3× floor",
                met=per_sample < GOAL_PER_SAMPLE and over_floor <= GOAL_FLOOR,
                note=f"{mine:.3g} s wall"
                + (
                    f"; in-process stage {median([t['stage'] for t in inner[stage]]):.3g} s"
                    if stage in inner
                    else "; CLI → Parquet, start-up included"
                ),
            )
        )
    detail = {"records": records, "floor_seconds": floor, "painpath_seconds": ours, "inner": inner}
    return rows, detail


def run(sizes: list[int], repeat: int = 3, json_max: int = 10_000) -> list[Row]:
    warm_bytecode()
    rows: list[Row] = []
    details = {}
    for samples in sizes:
        found, detail = run_size(samples, repeat, samples <= json_max)
        rows += found
        details[samples] = detail
    save_result("cohort", {"machine": machine(), "sizes": details, "rows": rows_json(rows)})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[10_000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--json-max", type=int, default=10_000, help="largest size to serialize")
    args = parser.parse_args()
    print_table(run(args.samples, args.reps, args.json_max), "(c) cohort VCF")
    return 0


if __name__ == "__main__":
    sys.exit(main())
