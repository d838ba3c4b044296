"""Gather pgx-cohort's results into OUT/: phenotypes and advice, actionable pairs for the
current medicines, the cohort's share with actionable advice per drug, summary.json and
summary.html.

The calling shards hold each distinct row once and each pattern's row numbers (a BCF's: each
sample's); each sample's rows are its pattern's rows under its id, written in file order in row
groups of samples, so the files are the same however many workers ran. Counts are taken per
pattern, weighted by its samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from painpath.analytics.summary_html import bar_chart, write_summary
from painpath.analytics.workdir import Workdir, write_json, write_parquet

if TYPE_CHECKING:
    from painpath.analytics.pgx_job import CohortReport

ACTIONABLE = ("avoid", "adjust_dose", "monitor")
ROW_GROUP_SAMPLES = 20_000
_ADVICE_TEXT = ("sample", "drug", "source", "strength", "action", "recommendation_key", "genes")


@dataclass(frozen=True)
class FilePatterns:
    """One input file's samples (file order), each one's pattern number, the names the
    patterns' rows carry in the shards' `sample` column, and those shards (pattern order)."""

    samples: list[str]
    numbers: np.ndarray[Any, Any]
    names: list[str]
    shards: list[str]


class _PatternRows:
    """Rows per pattern, expanded to samples by `for_samples`: `distinct` holds the shards'
    distinct rows, `row_numbers` each pattern's row numbers in it (pattern after pattern)."""

    def __init__(
        self, distinct: pa.Table, counts: np.ndarray[Any, Any], row_numbers: np.ndarray[Any, Any]
    ):
        self.distinct = distinct
        self.row_numbers = row_numbers
        self.counts = counts
        self.starts = np.cumsum(counts) - counts
        #: The pattern of each entry of `row_numbers`.
        self.numbers = np.repeat(np.arange(len(counts), dtype=np.int64), counts)

    def for_samples(
        self, samples: pa.Array, numbers: np.ndarray[Any, Any], field: pa.Field
    ) -> pa.Table:
        counts = self.counts[numbers]
        total = int(counts.sum())
        offsets = np.cumsum(counts) - counts
        rows = np.arange(total, dtype=np.int64) + np.repeat(self.starts[numbers] - offsets, counts)
        which = np.repeat(np.arange(len(numbers), dtype=np.int64), counts)
        return self.distinct.take(pa.array(self.row_numbers[rows])).add_column(
            0, field, samples.take(pa.array(which))
        )

    def frame(
        self,
        weights: np.ndarray[Any, Any],
        *columns: str,
        where: tuple[str, Sequence[str]] | None = None,
    ) -> pl.DataFrame:
        """These columns (as text) of every pattern row, with its pattern and sample count;
        `where` (column, values): only the rows with one of these values there (chosen on the
        dictionary codes, so only those rows are decoded)."""
        entries = np.arange(len(self.row_numbers), dtype=np.int64)
        if where:
            column, values = where
            codes = self.distinct[column].combine_chunks()
            dictionary = codes.dictionary.to_pylist()
            # One more code, False, for a missing value.
            wanted = np.append(np.isin(np.asarray(dictionary, dtype=object), values), False)
            entries = np.flatnonzero(
                wanted[codes.indices.fill_null(len(dictionary)).to_numpy()][self.row_numbers]
            )
        table = self.distinct.take(pa.array(self.row_numbers[entries]))
        numbers = self.numbers[entries]
        chosen = {c: table[c].cast(pa.string()) for c in columns}
        frame = pl.from_arrow(pa.table(chosen))
        assert isinstance(frame, pl.DataFrame)
        return frame.with_columns(
            pl.Series("pattern", numbers, pl.Int64),
            pl.Series("weight", weights[numbers], pl.Int64),
        )


def _write_samples(
    samples: pa.Array,
    numbers: np.ndarray[Any, Any],
    rows: _PatternRows,
    out: pq.ParquetWriter,
    schema: pa.Schema,
) -> None:
    """Every sample's pattern rows under its id, in row groups of `ROW_GROUP_SAMPLES`."""
    for start in range(0, len(samples), ROW_GROUP_SAMPLES):
        chosen = numbers[start : start + ROW_GROUP_SAMPLES]
        table = rows.for_samples(samples.slice(start, ROW_GROUP_SAMPLES), chosen, schema.field(0))
        out.write_table(table, row_group_size=max(table.num_rows, 1))


def _read(folder: Path, file: FilePatterns) -> tuple[_PatternRows, _PatternRows]:
    """A file's gene rows and advice rows per pattern, from its shards (pattern order)."""
    from painpath.pgx.batch import DRUG_SCHEMA, GENE_SCHEMA, DistinctFiles

    if not file.shards:
        nothing = np.zeros(0, dtype=np.int64)
        genes, drugs = (
            _PatternRows(schema.remove(0).empty_table(), nothing, nothing)
            for schema in (GENE_SCHEMA, DRUG_SCHEMA)
        )
        return genes, drugs
    shards = [DistinctFiles.of(folder, key) for key in file.shards]
    names = pa.concat_arrays(
        [pq.read_table(s.samples, columns=["sample"])["sample"].combine_chunks() for s in shards]
    )
    if not names.equals(pa.array(file.names, pa.string())):
        raise ValueError("the shards do not hold the file's patterns in order")
    found: list[_PatternRows] = []
    for kind in ("genes", "drugs"):
        tables = [pq.read_table(getattr(s, kind)) for s in shards]
        counts: list[np.ndarray[Any, Any]] = []
        row_numbers: list[np.ndarray[Any, Any]] = []
        offset = 0
        for shard, table in zip(shards, tables, strict=True):
            lists = pq.read_table(shard.samples, columns=[kind])[kind].combine_chunks()
            counts.append(pc.list_value_length(lists).to_numpy(zero_copy_only=False))
            row_numbers.append(pc.list_flatten(lists).to_numpy().astype(np.int64) + offset)
            offset += table.num_rows
        distinct = pa.concat_tables(tables).unify_dictionaries().combine_chunks()
        found.append(
            _PatternRows(
                distinct,
                np.concatenate(counts).astype(np.int64),
                np.concatenate(row_numbers),
            )
        )
    return found[0], found[1]


def gather(
    workdir: Workdir,
    output: Path,
    files: list[FilePatterns],
    medicines: pl.DataFrame,
    report: CohortReport,
    threads: int = 1,
) -> None:
    """`threads`: 2 or more writes phenotypes and advice side by side (the workers are idle
    meanwhile, so a job on two workers uses their two cores)."""
    from painpath.pgx.batch import (
        DRUG_SCHEMA,
        GENE_SCHEMA,
        DistinctFiles,
        atomic_writer,
        batch_metadata,
    )
    from painpath.pgx.build import GenomeBuild
    from painpath.pgx.tables import known_drugs

    folder = workdir.path("pgx")
    known = set(known_drugs())
    counts: list[pl.DataFrame] = []
    flagged_counts: list[pl.DataFrame] = []
    actionable_parts: list[pl.DataFrame] = []
    taking = (
        medicines.explode("medicines")
        .filter(pl.col("medicines").is_in(sorted(known)))
        .select(pl.col("patient_id").alias("sample"), pl.col("medicines").alias("drug"))
    )
    first = next((f for f in files if f.shards), None)
    found = (
        pq.read_schema(DistinctFiles.of(folder, first.shards[0]).genes).metadata if first else None
    )
    metadata = (
        {k.decode(): v.decode() for k, v in found.items() if k.startswith(b"painpath.")}
        if found
        else batch_metadata(GenomeBuild.GRCH38)
    )
    with (
        atomic_writer(output / "phenotypes.parquet", GENE_SCHEMA, metadata) as genes_out,
        atomic_writer(output / "advice.parquet", DRUG_SCHEMA, metadata) as advice_out,
    ):
        for file in files:
            genes, advice = _read(folder, file)
            samples = pa.array(file.samples, pa.string())
            targets = ((genes, genes_out, GENE_SCHEMA), (advice, advice_out, DRUG_SCHEMA))
            if threads > 1:
                # Arrow's take and Parquet encoding release the GIL: one file per thread.
                with ThreadPoolExecutor(2, thread_name_prefix="painpath-gather") as pool:
                    for done in [
                        pool.submit(_write_samples, samples, file.numbers, *target)
                        for target in targets
                    ]:
                        done.result()
            else:
                for target in targets:
                    _write_samples(samples, file.numbers, *target)
            weights = np.bincount(file.numbers, minlength=len(file.names))
            counts.append(
                genes.frame(weights, "gene", "phenotype")
                .group_by("gene", "phenotype")
                .agg(pl.col("weight").sum().alias("samples"))
            )
            flagged = (
                advice.frame(weights, *_ADVICE_TEXT[1:], where=("action", ACTIONABLE))
                .with_row_index("row")
                .unique(["pattern", "drug"], keep="first")
                .sort("row")
            )
            flagged_counts.append(
                flagged.group_by("drug").agg(pl.col("weight").sum().alias("actionable_samples"))
            )
            actionable_parts.append(_actionable(file, flagged, taking))
    samples_total = sum(len(f.samples) for f in files)
    report.samples = samples_total
    report.with_prescriptions = medicines.height
    actionable = pl.concat(
        [pl.DataFrame(schema=dict.fromkeys(_ADVICE_TEXT, pl.Utf8)), *actionable_parts]
    )
    write_parquet(output / "actionable.parquet", actionable)
    per_drug = (
        pl.DataFrame({"drug": list(known_drugs())})
        .join(
            pl.concat(flagged_counts)
            .group_by("drug")
            .agg(pl.col("actionable_samples").sum().cast(pl.UInt32))
            if flagged_counts
            else pl.DataFrame(schema={"drug": pl.Utf8, "actionable_samples": pl.UInt32}),
            on="drug",
            how="left",
        )
        .join(taking.group_by("drug").len("taking"), on="drug", how="left")
        .join(actionable.group_by("drug").len("actionable_taking"), on="drug", how="left")
        .with_columns(pl.col(pl.UInt32).fill_null(0), pl.lit(samples_total).alias("samples"))
        .with_columns((pl.col("actionable_samples") / pl.col("samples")).alias("actionable_share"))
        .select(
            "drug",
            "samples",
            "actionable_samples",
            "actionable_share",
            "taking",
            "actionable_taking",
        )
        .sort("drug")
    )
    write_parquet(output / "drugs.parquet", per_drug)
    phenotype_counts = (
        (
            pl.concat(counts)
            if counts
            else pl.DataFrame(schema={"gene": pl.Utf8, "phenotype": pl.Utf8, "samples": pl.Int64})
        )
        .group_by("gene", "phenotype")
        .agg(pl.col("samples").sum())
        .sort("gene", "samples", "phenotype", descending=[False, True, False])
    )
    write_json(
        output / "summary.json",
        {
            "job": "pgx-cohort",
            "files": report.files,
            "samples": samples_total,
            "with_prescriptions": report.with_prescriptions,
            "drugs": per_drug.to_dicts(),
            "worker_peak_rss_mib": workdir.worker_peaks(),
        },
    )
    figures = [
        (
            "Share of the cohort with actionable advice, per drug (avoid, adjust dose, monitor)",
            bar_chart(
                per_drug["drug"].to_list(),
                [float(v) * 100 for v in per_drug["actionable_share"].to_list()],
                "% of samples",
            ),
        )
    ]
    tables = [
        (
            "Per drug",
            ["drug", "samples", "actionable", "share", "taking it now", "actionable and taking"],
            [
                [
                    r["drug"],
                    r["samples"],
                    r["actionable_samples"],
                    f"{r['actionable_share']:.1%}",
                    r["taking"],
                    r["actionable_taking"],
                ]
                for r in per_drug.to_dicts()
            ],
        ),
        (
            "Phenotypes per gene",
            ["gene", "phenotype", "samples"],
            [[r["gene"], r["phenotype"] or "–", r["samples"]] for r in phenotype_counts.to_dicts()],
        ),
    ]
    facts = [
        ("files", str(report.files)),
        ("samples", f"{samples_total:,}"),
        ("patients with prescriptions", f"{report.with_prescriptions:,}"),
        ("actionable pairs for current medicines", f"{actionable.height:,}"),
    ]
    write_summary(output / "summary.html", "Cohort pharmacogenomics", facts, figures, tables)
    for name in ("phenotypes", "advice", "actionable", "drugs"):
        report.outputs[name] = str(output / f"{name}.parquet")
    report.outputs["summary"] = str(output / "summary.html")


def _actionable(file: FilePatterns, flagged: pl.DataFrame, taking: pl.DataFrame) -> pl.DataFrame:
    """Advice rows that change prescribing for a drug the sample takes now (`taking`: sample,
    drug): per sample (file order), its pattern's first such row per drug, in advice order."""
    if taking.is_empty():
        return pl.DataFrame(schema=dict.fromkeys(_ADVICE_TEXT, pl.Utf8))
    samples = pl.DataFrame(
        {
            "sample": file.samples,
            "pattern": file.numbers.astype(np.int64),
            "order": np.arange(len(file.samples), dtype=np.int64),
        }
    )
    return (
        samples.join(taking, on="sample")
        .join(flagged, on=["pattern", "drug"])
        .sort("order", "row")
        .select(*(pl.col(c).cast(pl.Utf8) for c in _ADVICE_TEXT))
    )
