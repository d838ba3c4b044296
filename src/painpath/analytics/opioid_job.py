"""`painpath analytics opioid-measures`: claims → validated shards → measures → Parquet + HTML.

Stage 1 (claim_buckets.py, one shard per block of input row groups): read the block,
validate it (bad rows to a rejects part with their row numbers), map NDCs to RxNorm, resolve
the products (class, MME/day), and write the valid opioid and benzodiazepine fills into
patient buckets (a hash of patient_id). Stage 2 (measure, one shard per
bucket): every measure for that bucket's patients (measures.py). Then the results are gathered
(opioid_outputs.py): three shards write the tables per patient, the daily MME and the tables
per prescriber, pharmacy and clinic; this process the measure rates, the rejects and the HTML
summary. Each shard is resumable (workdir.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from painpath.analytics import opioid_outputs
from painpath.analytics.claim_buckets import (
    read_bucket,
    row_blocks,
    split_claims,
    split_diagnoses,
)
from painpath.analytics.claims import check_columns
from painpath.analytics.executor import Runner, Shard, peak_memory
from painpath.analytics.knowledge import RATES, measure_knowledge
from painpath.analytics.measures import Period, measure_shard
from painpath.analytics.opioid_outputs import PARTS, concat_parts, entity_tables
from painpath.analytics.workdir import Workdir, write_json, write_parquet

SHARD_ROWS = 500_000


@dataclass(frozen=True)
class Inputs:
    claims: Path
    diagnoses: Path | None = None
    ndc_map: Path | None = None


@dataclass
class JobReport:
    rows: int = 0
    valid: int = 0
    rejected: int = 0
    diagnosis_rows: int = 0
    diagnoses_rejected: int = 0
    unresolved_ndc: int = 0
    skipped_shards: int = 0
    ran_shards: int = 0
    patients: int = 0
    year: int = 0
    outputs: dict[str, str] = field(default_factory=dict)


def measure_bucket(work: str, bucket: int, year: int) -> dict[str, Any]:
    """Stage 2 shard: every measure for the patients of one bucket."""
    started = time.time()
    root = Path(work)
    folder = root / "buckets" / f"{bucket:05d}"
    blocks = root / "blocks"
    files = sorted(blocks.glob("claims-*.arrow")) if blocks.exists() else []
    claims = read_bucket(files, bucket)
    diagnosis_file = folder / "diagnoses.parquet"
    diagnoses = pl.read_parquet(diagnosis_file) if diagnosis_file.exists() else None
    result = measure_shard(claims, diagnoses, Period(year))
    out = root / "measured"
    write_parquet(out / f"patients-{bucket:05d}.parquet", result.patients, intermediate=True)
    write_parquet(out / f"entities-{bucket:05d}.parquet", result.entities, intermediate=True)
    write_parquet(out / f"daily-{bucket:05d}.parquet", result.daily_mme, intermediate=True)
    return {
        **peak_memory(),
        "patients": result.patients.height,
        "started": started,
        "ended": time.time(),
    }


def _marked(
    workdir: Workdir, report: JobReport, on_done: Callable[[str], None]
) -> Callable[[str, dict[str, Any]], None]:
    def done(key: str, result: dict[str, Any]) -> None:
        write_json(workdir.marker(key), result)
        report.ran_shards += 1
        on_done(key)

    return done


def latest_year(path: Path) -> int:
    """The measurement year when none is given: the year of the latest valid fill date."""
    column = pl.scan_parquet(path).select(
        pl.col("fill_date").cast(pl.Utf8).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    )
    latest = column.max().collect().item()
    if latest is None:
        raise ValueError(f"{path}: no valid fill_date to choose a measurement year from")
    return int(latest.year)


def plan(inputs: Inputs, shard_rows: int) -> tuple[list[tuple[int, int, int]], int]:
    columns = pq.ParquetFile(inputs.claims).schema_arrow.names
    check_columns(list(columns), str(inputs.claims))
    blocks = row_blocks(inputs.claims, shard_rows)
    total = pq.ParquetFile(inputs.claims).metadata.num_rows
    buckets = max(1, -(-total // shard_rows))
    return blocks, buckets


def run_opioid_measures(
    inputs: Inputs,
    output: Path,
    *,
    runner: Runner,
    year: int | None = None,
    shard_rows: int = SHARD_ROWS,
    restart: bool = False,
    on_plan: Callable[[int], None] = lambda total: None,
    on_done: Callable[[str], None] = lambda key: None,
    on_measured: Callable[[], None] = lambda: None,
) -> JobReport:
    """The whole job (see the module doc); returns what it did. Outputs land in `output`.

    `on_measured`: called when every shard has run, before the small outputs and the summary
    are written (the command releases its LocalCluster there, so that it closes meanwhile)."""
    blocks, buckets = plan(inputs, shard_rows)
    chosen_year = year if year is not None else latest_year(inputs.claims)
    output.mkdir(parents=True, exist_ok=True)
    workdir = Workdir(output)
    from painpath.analytics.workdir import fingerprint

    files = [p for p in (inputs.claims, inputs.diagnoses, inputs.ndc_map) if p is not None]
    job = fingerprint(
        files,
        {
            "job": "opioid-measures",
            "year": chosen_year,
            "shard_rows": shard_rows,
            "diagnoses": str(inputs.diagnoses),
            "ndc_map": str(inputs.ndc_map),
        },
    )
    workdir.open(job, restart=restart)
    report = JobReport(year=chosen_year)
    work = str(workdir.root)
    splits = [
        Shard(
            f"split-{block:05d}",
            split_claims,
            (
                work,
                str(inputs.claims),
                str(inputs.ndc_map) if inputs.ndc_map else None,
                block,
                start,
                end,
                first_row,
                buckets,
            ),
        )
        for block, (start, end, first_row) in enumerate(blocks)
    ]
    if inputs.diagnoses is not None:
        splits.append(
            Shard("split-diagnoses", split_diagnoses, (work, str(inputs.diagnoses), buckets))
        )
    measures = [
        Shard(f"measure-{bucket:05d}", measure_bucket, (work, bucket, chosen_year))
        for bucket in range(buckets)
    ]
    target = str(output)
    # The longest gather shard first: on two workers the other two run side by side with it.
    tables = [Shard("gather-entities", entity_tables, (work, target, buckets))] + [
        Shard(f"gather-{table}", concat_parts, (work, target, table, buckets)) for table in PARTS
    ]
    stages = (splits, measures, tables)
    workdir.record_shards([shard.key for stage in stages for shard in stage])
    on_plan(sum(len(stage) for stage in stages))
    mark = _marked(workdir, report, on_done)
    for stage in stages:
        pending = []
        for shard in stage:
            if workdir.done(shard.key) is not None:
                report.skipped_shards += 1
                on_done(shard.key)
            else:
                pending.append(shard)
        runner.run(pending, mark)
    on_measured()
    for shard in splits:
        found = workdir.done(shard.key) or {}
        for name in (
            "rows",
            "valid",
            "rejected",
            "unresolved_ndc",
            "diagnosis_rows",
            "diagnoses_rejected",
        ):
            setattr(report, name, getattr(report, name) + int(found.get(name, 0)))
    opioid_outputs.gather(workdir, output, report)
    return report


def measure_catalogue() -> list[dict[str, Any]]:
    """Each rate with its measure's title, steward, source and version (for outputs)."""
    knowledge = measure_knowledge()
    rows = []
    for rate in RATES:
        measure = knowledge["measures"][rate.split("_")[0]]
        rows.append(
            {
                "measure": rate,
                "title": measure["title"],
                "steward": measure["steward"],
                "source": measure["source"],
                "url": measure["url"],
                "version": knowledge["version"],
            }
        )
    return rows
