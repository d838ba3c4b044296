"""Stage 1 of `painpath analytics opioid-measures`: validate the claims (one shard per block of
input row groups) and the diagnoses, resolve each claim's product (class, MME/day), and write
the valid opioid and benzodiazepine fills into patient buckets (a hash of patient_id), so that
stage 2 finds each patient's fills in one bucket. Bad rows go to a
rejects part with their row numbers; NDCs are mapped to RxNorm when a map is given."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from painpath.analytics.claims import COLUMNS, check_claims, normalize_ndc
from painpath.analytics.executor import peak_memory
from painpath.analytics.measures import products_of, with_products
from painpath.analytics.products import BENZODIAZEPINE, OPIOID, UNKNOWN
from painpath.analytics.workdir import read_arrow, write_arrow, write_parquet

DIAGNOSIS_SYSTEMS = ("ICD-10-CM", "HCPCS")
#: What stage 2 reads of a claim: only the valid opioid and benzodiazepine fills (no measure
#: counts any other claim), with the product's MME/day and the supply's last day worked out
#: here (row numbers, NDCs and products matter only to stage 1's reports).
BUCKET_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "patient_id": pl.Utf8,
    "prescriber_id": pl.Utf8,
    "pharmacy_id": pl.Utf8,
    "clinic_id": pl.Utf8,
    "days_supply": pl.Int32,
    "fill_date": pl.Date,
    "supply_end": pl.Date,
    "birth_date": pl.Date,
    "mme_scaled": pl.Int64,
    "is_opioid": pl.Boolean,
    "is_benzo": pl.Boolean,
}


def bucket_of(column: str, buckets: int) -> pl.Expr:
    return (pl.col(column).hash(seed=20261207) % buckets).cast(pl.Int32)


def write_bucketed(path: Path, claims: pl.DataFrame, buckets: int) -> None:
    """One block's fills, in bucket order, as one memory-mappable file; the schema's metadata
    holds where each bucket starts (`offsets`, buckets + 1 numbers), so a bucket is a slice."""
    keyed = claims.with_columns(bucket_of("patient_id", buckets).alias("_bucket"))
    ordered = keyed.sort("_bucket", maintain_order=True)
    sizes = ordered["_bucket"].value_counts()
    counts = [0] * buckets
    for bucket, size in sizes.iter_rows():
        counts[bucket] = size
    offsets = [0, *itertools.accumulate(counts)]
    table = ordered.drop("_bucket").to_arrow()
    write_arrow(path, table.replace_schema_metadata({"offsets": json.dumps(offsets)}))


def read_bucket(paths: list[Path], bucket: int) -> pl.DataFrame:
    """The fills of one bucket from every block's file (`write_bucketed`), in block order."""
    parts = [pl.DataFrame(schema=BUCKET_SCHEMA)]
    for path in paths:
        table = read_arrow(path)
        offsets = json.loads(table.schema.metadata[b"offsets"])
        start, end = offsets[bucket], offsets[bucket + 1]
        part = pl.from_arrow(table.slice(start, end - start))
        assert isinstance(part, pl.DataFrame)
        parts.append(part)
    return pl.concat(parts)


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
    """The claim columns of row groups [start, end) (polars reads only those groups)."""
    handle = pq.ParquetFile(path)
    metadata = handle.metadata
    offset = sum(metadata.row_group(group).num_rows for group in range(start))
    rows = sum(metadata.row_group(group).num_rows for group in range(start, end))
    names = [name for name in COLUMNS if name in handle.schema_arrow.names]
    return pl.scan_parquet(path).select(names).slice(offset, rows).collect()


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
    started = time.time()
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
    valid = valid.filter(pl.col("rxnorm").is_not_null())
    # Products are resolved per distinct code; only the opioid and benzodiazepine fills are
    # joined to theirs (the other three quarters of the claims are only counted by class).
    codes = valid["rxnorm"].value_counts(name="claims")
    products = products_of(codes)
    classes = (
        codes.join(products, on="rxnorm", how="left")
        .group_by(pl.col("measure_class").fill_null(UNKNOWN))
        .agg(pl.col("claims").sum())
    )
    kept = products.filter(pl.col("measure_class").is_in([OPIOID, BENZODIAZEPINE]))["rxnorm"]
    resolved = with_products(valid.filter(pl.col("rxnorm").is_in(kept.implode())), products)
    measured = resolved.filter(pl.col("is_opioid") | pl.col("is_benzo")).select(
        pl.col(name).cast(dtype) for name, dtype in BUCKET_SCHEMA.items()
    )
    write_bucketed(root / "blocks" / f"claims-{block:05d}.arrow", measured, buckets)
    return {
        **peak_memory(),
        "rows": frame.height,
        "valid": valid.height,
        "rejected": checked.rejects.height,
        "unresolved_ndc": unresolved.height,
        "claims_by_class": {str(k): int(v) for k, v in classes.iter_rows()},
        "started": started,
        "ended": time.time(),
    }


def split_diagnoses(work: str, diagnoses: str, buckets: int) -> dict[str, Any]:
    """Stage 1 shard for the diagnoses file: validate, normalise codes, write into buckets."""
    started = time.time()
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
    return {
        **peak_memory(),
        "diagnosis_rows": frame.height,
        "diagnoses_rejected": rejects.height,
        "started": started,
        "ended": time.time(),
    }
