"""`painpath analytics opioid-measures`: claims → validated shards → measures → Parquet + HTML.

Stage 1 (split, one shard per block of input row groups): read the block, validate it (bad
rows to a rejects part with their row numbers), map NDCs to RxNorm, and write the valid rows
into patient buckets (a hash of patient_id). Stage 2 (measure, one shard per bucket): every
measure for that bucket's patients (measures.py). Then the results are gathered: per patient,
per prescriber, per pharmacy, per clinic, the daily MME, the measure rates, the rejects and
the HTML summary. Each shard is resumable (workdir.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from painpath.analytics.claims import check_claims, check_columns, normalize_ndc
from painpath.analytics.executor import Runner, Shard, peak_memory
from painpath.analytics.knowledge import RATES, measure_knowledge
from painpath.analytics.measures import Period, measure_shard, with_products
from painpath.analytics.products import product_rows
from painpath.analytics.workdir import Workdir, write_json, write_parquet

SHARD_ROWS = 500_000
DIAGNOSIS_SYSTEMS = ("ICD-10-CM", "HCPCS")
KEEP = (
    "row",
    "patient_id",
    "prescriber_id",
    "pharmacy_id",
    "clinic_id",
    "rxnorm",
    "ndc",
    "quantity",
    "days_supply",
    "fill_date",
    "birth_date",
)


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


def bucket_of(column: str, buckets: int) -> pl.Expr:
    return (pl.col(column).hash(seed=20261207) % buckets).cast(pl.Int32)


def row_blocks(path: Path, shard_rows: int) -> list[tuple[int, int, int]]:
    """(first row group, end row group, first row number) blocks of about `shard_rows` rows."""
    metadata = pq.ParquetFile(path).metadata
    blocks: list[tuple[int, int, int]] = []
    start, rows, first_row = 0, 0, 1
    for group in range(metadata.num_row_groups):
        rows += metadata.row_group(group).num_rows
        if rows >= shard_rows:
            blocks.append((start, group + 1, first_row))
            first_row += rows
            start, rows = group + 1, 0
    if rows or not blocks:
        blocks.append((start, metadata.num_row_groups, first_row))
    return blocks


def _read_groups(path: Path, start: int, end: int) -> pl.DataFrame:
    handle = pq.ParquetFile(path)
    if end <= start:
        return pl.from_arrow(handle.schema_arrow.empty_table())  # type: ignore[return-value]
    table = handle.read_row_groups(list(range(start, end)))
    return pl.from_arrow(table)  # type: ignore[return-value]


def _ndc_map(path: Path | None) -> pl.DataFrame | None:
    if path is None:
        return None
    raw = pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_csv(path)
    return (
        raw.select(
            normalize_ndc(pl.col("ndc")).alias("ndc"),
            pl.col("rxnorm").cast(pl.Utf8).str.strip_chars().alias("mapped_rxnorm"),
        )
        .drop_nulls()
        .unique("ndc", keep="first")
    )


def split_claims(
    work: str,
    claims: str,
    ndc_map: str | None,
    block: int,
    start: int,
    end: int,
    first_row: int,
    buckets: int,
) -> dict[str, Any]:
    """Stage 1 shard: validate a block of claims and write its valid rows into buckets."""
    root = Path(work)
    frame = _read_groups(Path(claims), start, end)
    checked = check_claims(frame, first_row)
    valid = checked.valid
    mapping = _ndc_map(Path(ndc_map) if ndc_map else None)
    if mapping is not None:
        valid = (
            valid.join(mapping, on="ndc", how="left")
            .with_columns(pl.coalesce("rxnorm", "mapped_rxnorm").alias("rxnorm"))
            .drop("mapped_rxnorm")
        )
    unresolved = valid.filter(pl.col("rxnorm").is_null())
    write_parquet(root / "rejects" / f"claims-{block:05d}.parquet", checked.rejects)
    write_parquet(
        root / "unresolved" / f"{block:05d}.parquet",
        unresolved.group_by("ndc").len("claims"),
    )
    valid = valid.filter(pl.col("rxnorm").is_not_null()).select(KEEP)
    valid = valid.with_columns(bucket_of("patient_id", buckets).alias("_bucket"))
    for (bucket,), part in valid.partition_by("_bucket", as_dict=True).items():
        write_parquet(
            root / "buckets" / f"{int(str(bucket)):05d}" / f"claims-{block:05d}.parquet",
            part.drop("_bucket"),
        )
    return {
        **peak_memory(),
        "rows": frame.height,
        "valid": valid.height,
        "rejected": checked.rejects.height,
        "unresolved_ndc": unresolved.height,
    }


def split_diagnoses(work: str, diagnoses: str, buckets: int) -> dict[str, Any]:
    """Stage 1 shard for the diagnoses file: validate, normalise codes, write into buckets."""
    root = Path(work)
    frame = pl.read_parquet(diagnoses)
    missing = [name for name in ("patient_id", "code") if name not in frame.columns]
    if missing:
        raise ValueError(f"{diagnoses}: missing column(s) {', '.join(missing)}")
    system = (
        pl.col("code_system").cast(pl.Utf8).str.strip_chars()
        if "code_system" in frame.columns
        else pl.lit("ICD-10-CM")
    )
    day: pl.Expr = pl.lit(None, pl.Date)
    raw_day: pl.Expr = pl.lit(None, pl.Utf8)
    if "date" in frame.columns:
        raw_day = pl.col("date").cast(pl.Utf8)
        dtype = frame.schema["date"]
        day = (
            pl.col("date")
            if dtype == pl.Date
            else pl.col("date")
            .cast(pl.Utf8)
            .str.strip_chars()
            .str.to_date("%Y-%m-%d", strict=False)
        )
    typed = frame.select(
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("row"),
        pl.col("patient_id").cast(pl.Utf8).str.strip_chars().alias("patient_id"),
        pl.col("code")
        .cast(pl.Utf8)
        .str.strip_chars()
        .str.replace_all(r"\.", "")
        .str.to_uppercase()
        .alias("code"),
        system.alias("code_system"),
        day.alias("date"),
        raw_day.alias("_raw_date"),
    )
    rules = [
        ("patient_id", pl.col("patient_id").is_null() | (pl.col("patient_id") == ""), "is empty"),
        (
            "code",
            pl.col("code").is_null() | ~pl.col("code").str.contains(r"^[A-Z0-9]{3,7}$"),
            "is not an ICD-10-CM or HCPCS code",
        ),
        (
            "code_system",
            ~pl.col("code_system").is_in(DIAGNOSIS_SYSTEMS).fill_null(False),
            f"must be one of {', '.join(DIAGNOSIS_SYSTEMS)}",
        ),
        (
            "date",
            pl.col("date").is_null() & pl.col("_raw_date").is_not_null(),
            "is not a date (YYYY-MM-DD)",
        ),
    ]
    problem, column = pl.lit(None, pl.Utf8), pl.lit(None, pl.Utf8)
    for name, broken, text in reversed(rules):
        problem = pl.when(broken.fill_null(False)).then(pl.lit(text)).otherwise(problem)
        column = pl.when(broken.fill_null(False)).then(pl.lit(name)).otherwise(column)
    judged = typed.with_columns(problem.alias("problem"), column.alias("column"))
    rejects = judged.filter(pl.col("problem").is_not_null()).select(
        "row", "column", "problem", pl.lit(None, pl.Utf8).alias("value")
    )
    valid = judged.filter(pl.col("problem").is_null()).select(
        "patient_id", "code", "code_system", "date"
    )
    write_parquet(root / "rejects" / "diagnoses.parquet", rejects)
    valid = valid.with_columns(bucket_of("patient_id", buckets).alias("_bucket"))
    for (bucket,), part in valid.partition_by("_bucket", as_dict=True).items():
        write_parquet(
            root / "buckets" / f"{int(str(bucket)):05d}" / "diagnoses.parquet",
            part.drop("_bucket"),
        )
    return {**peak_memory(), "diagnosis_rows": frame.height, "diagnoses_rejected": rejects.height}


def measure_bucket(work: str, bucket: int, year: int) -> dict[str, Any]:
    """Stage 2 shard: every measure for the patients of one bucket."""
    root = Path(work)
    folder = root / "buckets" / f"{bucket:05d}"
    files = sorted(folder.glob("claims-*.parquet")) if folder.exists() else []
    if files:
        claims = pl.concat([pl.read_parquet(f) for f in files])
    else:
        claims = pl.DataFrame(schema={name: pl.Utf8 for name in KEEP}).with_columns(
            pl.col("row").cast(pl.Int64),
            pl.col("quantity").cast(pl.Float64),
            pl.col("days_supply").cast(pl.Int32),
            pl.col("fill_date").cast(pl.Date),
            pl.col("birth_date").cast(pl.Date),
        )
    products = pl.DataFrame(
        product_rows(sorted(claims["rxnorm"].unique().to_list())),
        schema={
            "rxnorm": pl.Utf8,
            "measure_class": pl.Utf8,
            "ingredient": pl.Utf8,
            "mme_per_unit": pl.Float64,
            "mme_per_day_fixed": pl.Float64,
            "mme_problem": pl.Utf8,
            "out_of_scope": pl.Utf8,
        },
    )
    diagnosis_file = folder / "diagnoses.parquet"
    diagnoses = pl.read_parquet(diagnosis_file) if diagnosis_file.exists() else None
    result = measure_shard(with_products(claims, products), diagnoses, Period(year))
    out = root / "measured"
    write_parquet(out / f"patients-{bucket:05d}.parquet", result.patients)
    write_parquet(out / f"entities-{bucket:05d}.parquet", result.entities)
    write_parquet(out / f"daily-{bucket:05d}.parquet", result.daily_mme)
    classes = claims.join(products, on="rxnorm", how="left")["measure_class"].value_counts()
    return {
        **peak_memory(),
        "patients": result.patients.height,
        "claims_by_class": {str(k): int(v) for k, v in classes.iter_rows()},
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
) -> JobReport:
    """The whole job (see the module doc); returns what it did. Outputs land in `output`."""
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
    workdir.record_shards([s.key for s in (*splits, *measures)])
    on_plan(len(splits) + len(measures))
    mark = _marked(workdir, report, on_done)
    for stage in (splits, measures):
        pending = []
        for shard in stage:
            if workdir.done(shard.key) is not None:
                report.skipped_shards += 1
                on_done(shard.key)
            else:
                pending.append(shard)
        runner.run(pending, mark)
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
    from painpath.analytics.opioid_outputs import gather

    gather(workdir, output, report, buckets)
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
