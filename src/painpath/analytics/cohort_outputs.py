"""Gather pgx-cohort's results into OUT/: phenotypes and advice, actionable pairs for the
current medicines, the cohort's share with actionable advice per drug, summary.json and
summary.html.

The calling shards hold each distinct row once and each pattern's row numbers (a BCF's: each
sample's); each sample's rows are its pattern's rows under its id, written in file order in row
groups of samples. Patterns are numbered by first appearance and the shards hold them in order,
so a row group needs only the first shards: `CohortGather` writes each row group as soon as
they are done, while the workers still call the rest. A row group's rows (and its dictionaries)
come from the fewest shards that hold its patterns, so the files are the same however many
workers ran and whenever the shards finished. Counts are taken per pattern, weighted by its
samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import pairwise
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
    patterns' rows carry in the shards' `sample` column, those shards (pattern order) and how
    many patterns each holds."""

    samples: list[str]
    numbers: np.ndarray[Any, Any]
    names: list[str]
    shards: list[str]
    sizes: list[int]


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


def _write_groups(
    samples: pa.Array,
    numbers: np.ndarray[Any, Any],
    rows: _PatternRows,
    out: pq.ParquetWriter,
    schema: pa.Schema,
    start: int,
) -> None:
    """One row group: the pattern rows of `ROW_GROUP_SAMPLES` samples from `start`, under
    their ids."""
    chosen = numbers[start : start + ROW_GROUP_SAMPLES]
    table = rows.for_samples(samples.slice(start, ROW_GROUP_SAMPLES), chosen, schema.field(0))
    out.write_table(table, row_group_size=max(table.num_rows, 1))


@dataclass(frozen=True)
class _ShardRows:
    """One calling shard's distinct gene and advice rows, and each of its patterns' row
    numbers (counts, then the numbers pattern after pattern) in them."""

    tables: tuple[pa.Table, pa.Table]
    counts: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]
    row_numbers: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]


def _load_shard(folder: Path, key: str, names: list[str]) -> _ShardRows:
    from painpath.pgx.batch import DistinctFiles

    files = DistinctFiles.of(folder, key)
    lists = pq.read_table(files.samples)
    if not lists["sample"].combine_chunks().equals(pa.array(names, pa.string())):
        raise ValueError(f"shard {key} does not hold its patterns in order")
    tables = (pq.read_table(files.genes), pq.read_table(files.drugs))
    counts, row_numbers = [], []
    for kind in ("genes", "drugs"):
        found = lists[kind].combine_chunks()
        counts.append(pc.list_value_length(found).to_numpy(zero_copy_only=False).astype(np.int64))
        row_numbers.append(pc.list_flatten(found).to_numpy().astype(np.int64))
    return _ShardRows(tables, (counts[0], counts[1]), (row_numbers[0], row_numbers[1]))


def _pattern_rows(shards: Sequence[_ShardRows], kind: int, schema: pa.Schema) -> _PatternRows:
    """The rows per pattern of these shards (pattern order), their distinct rows concatenated."""
    if not shards:
        nothing = np.zeros(0, dtype=np.int64)
        return _PatternRows(schema.remove(0).empty_table(), nothing, nothing)
    offsets = np.cumsum([0, *(s.tables[kind].num_rows for s in shards)])
    distinct = pa.concat_tables([s.tables[kind] for s in shards]).unify_dictionaries()
    return _PatternRows(
        distinct.combine_chunks(),
        np.concatenate([s.counts[kind] for s in shards]),
        np.concatenate(
            [s.row_numbers[kind] + offset for s, offset in zip(shards, offsets, strict=False)]
        ),
    )


class _FileRows:
    """One input file's shards as they finish, and which of its row groups they cover."""

    def __init__(self, folder: Path, file: FilePatterns):
        self.folder = folder
        self.file = file
        self.samples = pa.array(file.samples, pa.string())
        self.loaded: dict[int, _ShardRows] = {}
        #: Patterns held by the first n + 1 shards.
        self.ends = np.cumsum(np.asarray(file.sizes, dtype=np.int64))
        starts = np.cumsum([0, *file.sizes])
        self.names = [file.names[a:b] for a, b in pairwise(starts)]
        self.groups = list(range(0, len(file.samples), ROW_GROUP_SAMPLES))
        seen = np.maximum.accumulate(file.numbers) if len(file.numbers) else file.numbers
        #: Shards each row group needs: the fewest first shards holding its patterns.
        self.needs = [
            int(
                np.searchsorted(
                    self.ends, int(seen[min(g + ROW_GROUP_SAMPLES, len(seen)) - 1]), side="right"
                )
            )
            + 1
            for g in self.groups
        ]
        self.written = 0
        self._rows: dict[int, tuple[_PatternRows, _PatternRows]] = {}

    def load(self, number: int) -> None:
        if number not in self.loaded:
            self.loaded[number] = _load_shard(
                self.folder, self.file.shards[number], self.names[number]
            )

    def done_prefix(self) -> int:
        count = 0
        while count in self.loaded:
            count += 1
        return count

    def rows(self, shards: int) -> tuple[_PatternRows, _PatternRows]:
        """Gene and advice rows per pattern from the first `shards` shards (kept while a later
        row group may need the same)."""
        from painpath.pgx.batch import DRUG_SCHEMA, GENE_SCHEMA

        if shards not in self._rows:
            self._rows = {}
            chosen = [self.loaded[n] for n in range(shards)]
            self._rows[shards] = (
                _pattern_rows(chosen, 0, GENE_SCHEMA),
                _pattern_rows(chosen, 1, DRUG_SCHEMA),
            )
        return self._rows[shards]


class CohortGather:
    """Writes phenotypes.parquet and advice.parquet while the calling shards finish:
    `shard_done(key)` as each does (its file's next row groups are written if their patterns
    are all called), then `finish` writes the rest and the other outputs. Use as a context
    manager: on an error, neither file is left (half-)written."""

    def __init__(self, workdir: Workdir, output: Path, files: list[FilePatterns]):
        self.workdir = workdir
        self.output = output
        self.folder = workdir.path("pgx")
        self.files = [_FileRows(self.folder, f) for f in files]
        self._where = {key: (i, n) for i, f in enumerate(files) for n, key in enumerate(f.shards)}
        self._current = 0
        self._stack = ExitStack()
        self._writers: tuple[Any, Any] | None = None

    def __enter__(self) -> CohortGather:
        return self

    def __exit__(self, *failure: object) -> None:
        self._stack.__exit__(*failure)  # type: ignore[arg-type]

    def _open(self) -> tuple[Any, Any]:
        from painpath.pgx.batch import (
            DRUG_SCHEMA,
            GENE_SCHEMA,
            DistinctFiles,
            atomic_writer,
            batch_metadata,
        )
        from painpath.pgx.build import GenomeBuild

        if self._writers is None:
            first = next((f.file for f in self.files if f.file.shards), None)
            found = (
                pq.read_schema(DistinctFiles.of(self.folder, first.shards[0]).genes).metadata
                if first
                else None
            )
            metadata = (
                {k.decode(): v.decode() for k, v in found.items() if k.startswith(b"painpath.")}
                if found
                else batch_metadata(GenomeBuild.GRCH38)
            )
            self._writers = (
                self._stack.enter_context(
                    atomic_writer(self.output / "phenotypes.parquet", GENE_SCHEMA, metadata)
                ),
                self._stack.enter_context(
                    atomic_writer(self.output / "advice.parquet", DRUG_SCHEMA, metadata)
                ),
            )
        return self._writers

    def shard_done(self, key: str) -> None:
        """A calling shard is done: write every row group its file's finished shards cover
        (after the last shard, `finish` writes the rest, once the cluster is released)."""
        place = self._where.get(key)
        if place is None:
            return
        self.files[place[0]].load(place[1])
        if sum(len(f.loaded) for f in self.files) < len(self._where):
            self._advance(threads=1)

    def _advance(self, threads: int) -> None:
        from painpath.pgx.batch import DRUG_SCHEMA, GENE_SCHEMA

        while self._current < len(self.files):
            rows = self.files[self._current]
            ready = rows.done_prefix()
            pending = rows.groups[rows.written :]
            covered = [
                g
                for g, need in zip(pending, rows.needs[rows.written :], strict=True)
                if need <= ready
            ]
            if covered:
                genes_out, advice_out = self._open()
            for start, need in zip(covered, rows.needs[rows.written :], strict=False):
                genes, advice = rows.rows(need)
                targets = ((genes, genes_out, GENE_SCHEMA), (advice, advice_out, DRUG_SCHEMA))
                arguments = [(rows.samples, rows.file.numbers, *t, start) for t in targets]
                if threads > 1:
                    # Arrow's take and Parquet encoding release the GIL: one file per thread.
                    with ThreadPoolExecutor(2, thread_name_prefix="painpath-gather") as pool:
                        for done in [pool.submit(_write_groups, *a) for a in arguments]:
                            done.result()
                else:
                    for a in arguments:
                        _write_groups(*a)
                rows.written += 1
            if rows.written < len(rows.groups):
                return
            self._current += 1

    def finish(self, medicines: pl.DataFrame, report: CohortReport, threads: int = 1) -> None:
        """Every shard is done: the row groups not yet written, then the other outputs.
        `threads`: 2 or more writes phenotypes and advice side by side (the workers are idle
        now, so a job on two workers uses their two cores)."""
        for rows in self.files:
            for number in range(len(rows.file.shards)):
                rows.load(number)
        self._advance(threads)
        self._open()
        self._stack.close()
        _outputs(self.workdir, self.output, self.files, medicines, report)


def _outputs(
    workdir: Workdir,
    output: Path,
    files: list[_FileRows],
    medicines: pl.DataFrame,
    report: CohortReport,
) -> None:
    """actionable.parquet, drugs.parquet, summary.json and summary.html."""
    from painpath.pgx.tables import known_drugs

    known = set(known_drugs())
    counts: list[pl.DataFrame] = []
    flagged_counts: list[pl.DataFrame] = []
    actionable_parts: list[pl.DataFrame] = []
    taking = (
        medicines.explode("medicines")
        .filter(pl.col("medicines").is_in(sorted(known)))
        .select(pl.col("patient_id").alias("sample"), pl.col("medicines").alias("drug"))
    )
    for rows in files:
        file = rows.file
        genes, advice = rows.rows(len(file.shards))
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
    samples_total = sum(len(f.file.samples) for f in files)
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
