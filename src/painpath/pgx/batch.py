"""Cohort results as Parquet: one row per sample × gene, and one per sample × piece of advice.

`write_cohort` reads a multi-sample VCF/BCF once, streams the samples' reports (interpreted
once per distinct genotype pattern, see report.iter_genotype_reports) and writes two files,
each in row groups of `row_group_samples` samples, each to a temporary name renamed into place
when complete (a failure leaves neither half-written):

    RESULTS.parquet        sample, gene, diplotypes, activity_score, phenotype,
                           phenoconverted_phenotype, phenoconverted_activity_score,
                           missing_count, call_source
    RESULTS.drugs.parquet  sample, drug, source, strength, action, recommendation_key, genes

Rows of a pattern are built once; a row group is the patterns' rows gathered (`take`) for its
samples, so the cost per sample is a few array indexes. Both files carry the batch schema
version, painpath version and knowledge version as key-value metadata; no timestamps.
`write_distinct` is the same engine and rows, written unexpanded (each distinct row once, each
sample's row numbers) for a population job's shards, whose gather expands them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from painpath import __version__
from painpath.kit.limits import DEFAULT_LIMITS, InputLimits
from painpath.pgx.actions import ACTION_OF
from painpath.pgx.advice import Advice
from painpath.pgx.build import GenomeBuild
from painpath.pgx.genes import Gene
from painpath.pgx.phenoconversion import GeneResult
from painpath.pgx.report import SampleReport, iter_genotype_patterns
from painpath.pgx.tables import KNOWLEDGE_VERSION
from painpath.pgx.vcf import read_vcf

BATCH_SCHEMA = "painpath.pgx.batch/1"
ROW_GROUP_SAMPLES = 20_000
PROGRESS_EVERY = 1_000

_TEXT = pa.dictionary(pa.int32(), pa.string())
GENE_SCHEMA = pa.schema(
    [
        ("sample", pa.string()),
        ("gene", _TEXT),
        ("diplotypes", pa.list_(pa.string())),
        ("activity_score", _TEXT),
        ("phenotype", _TEXT),
        ("phenoconverted_phenotype", _TEXT),
        ("phenoconverted_activity_score", _TEXT),
        ("missing_count", pa.int32()),
        ("call_source", _TEXT),
    ]
)
DRUG_SCHEMA = pa.schema(
    [
        ("sample", pa.string()),
        ("drug", _TEXT),
        ("source", _TEXT),
        ("strength", _TEXT),
        ("action", _TEXT),
        ("recommendation_key", _TEXT),
        ("genes", _TEXT),
    ]
)


def drugs_path(output: Path) -> Path:
    """Where the per-drug table goes: RESULTS.parquet → RESULTS.drugs.parquet."""
    stem = output.name[: -len(".parquet")] if output.name.endswith(".parquet") else output.name
    return output.with_name(f"{stem}.drugs.parquet")


@dataclass(frozen=True)
class BatchSummary:
    samples: int
    patterns: int
    gene_rows: int
    drug_rows: int
    gene_file: Path
    drug_file: Path


def _gene_rows(report: SampleReport, gene: Gene, result: GeneResult) -> list[dict[str, Any]]:
    """A gene's row in a report: the fields `SampleReport.to_json()` gives the gene."""
    conversion = result.phenoconversion
    call = report.calls.get(gene)
    return [
        {
            "gene": gene.value,
            "diplotypes": [d.diplotype for d in result.diplotypes],
            "activity_score": result.activity_score,
            "phenotype": result.phenotype,
            "phenoconverted_phenotype": conversion.phenotype if conversion else None,
            "phenoconverted_activity_score": conversion.activity_score if conversion else None,
            "missing_count": len(call.missing_positions) if call is not None else 0,
            "call_source": "lab"
            if gene in report.outside_genes
            else ("vcf" if call is not None else None),
        }
    ]


def _advice_rows(drug: str, advices: tuple[Advice, ...]) -> list[dict[str, Any]]:
    return [
        {
            "drug": drug,
            "source": advice.recommendation.source,
            "strength": advice.recommendation.strength,
            "action": ACTION_OF[advice.recommendation.template],
            "recommendation_key": advice.recommendation.template,
            "genes": ",".join(basis.gene.value for basis in advice.based_on),
        }
        for advice in advices
    ]


class _PatternRows:
    """The rows of each distinct pattern, and `table_for` to expand them to samples.

    Patterns share most of their rows (a gene's result, a drug's advice tuple: the engine
    memoizes them), so each distinct row is built once, keyed by the identity of the objects
    it is read from (kept alive beside it), and a pattern is a list of row numbers."""

    def __init__(self, schema: pa.Schema):
        self.schema = schema
        self.columns: dict[str, list[Any]] = {name: [] for name in schema.names[1:]}
        self.known: dict[tuple[object, ...], tuple[object, list[int]]] = {}
        self.row_numbers: list[int] = []
        self.starts: list[int] = []
        self.counts: list[int] = []
        self._table: pa.Table | None = None

    def rows_of(
        self,
        key: tuple[object, ...],
        source: object,
        build: Callable[..., list[dict[str, Any]]],
        *arguments: Any,
    ) -> list[int]:
        """The numbers of the rows `build(*arguments)` reads from `source` (identified by
        `key`), built once."""
        found = self.known.get(key)
        if found is None:
            rows = build(*arguments)
            first = len(self.columns[self.schema.names[1]])
            for name, column in self.columns.items():
                column.extend(row[name] for row in rows)
            found = self.known[key] = (source, list(range(first, first + len(rows))))
            self._table = None
        return found[1]

    def add(self, numbers: list[int]) -> None:
        """A pattern made of these rows."""
        self.starts.append(len(self.row_numbers))
        self.counts.append(len(numbers))
        self.row_numbers.extend(numbers)

    def distinct(self) -> pa.Table:
        """Every distinct row once (no sample column), in row-number order."""
        if self._table is None:
            self._table = pa.table(self.columns, schema=self.schema.remove(0))
        return self._table

    def sample_rows(self, patterns: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], ...]:
        """For samples of these patterns (in order): each one's row count, and the row numbers
        of all of them, sample after sample."""
        counts = np.asarray(self.counts, dtype=np.int64)[patterns]
        starts = np.asarray(self.starts, dtype=np.int64)[patterns]
        offsets = np.cumsum(counts) - counts
        rows = np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(starts - offsets, counts)
        return counts, np.asarray(self.row_numbers, dtype=np.int64)[rows]

    def table_for(self, sample_ids: list[str], patterns: np.ndarray[Any, Any]) -> pa.Table:
        """Rows for these samples (in order), each sample's pattern rows under its id."""
        counts, distinct = self.sample_rows(patterns)
        which = np.repeat(np.arange(len(sample_ids), dtype=np.int64), counts)
        samples = pa.array(sample_ids, type=pa.string()).take(pa.array(which))
        return self.distinct().take(pa.array(distinct)).add_column(0, self.schema.field(0), samples)


def _add_report(genes: _PatternRows, drugs: _PatternRows, report: SampleReport) -> None:
    """A report's gene rows and advice rows (read as `SampleReport.to_json` reads them)."""
    numbers: list[int] = []
    for gene, result in report.interpretation.genes.items():
        call = report.calls.get(gene)
        key = (gene, id(result), id(call), gene in report.outside_genes)
        numbers.extend(genes.rows_of(key, (result, call), _gene_rows, report, gene, result))
    genes.add(numbers)
    numbers = []
    for drug, advices in report.interpretation.drugs.items():
        numbers.extend(drugs.rows_of((id(advices),), advices, _advice_rows, drug, advices))
    drugs.add(numbers)


def _numbered(
    reports: Iterator[tuple[str, SampleReport]], genes: _PatternRows, drugs: _PatternRows
) -> Iterator[tuple[str, int]]:
    """(sample id, its pattern's number) for every sample; each new pattern's rows are added
    to `genes` and `drugs`. Samples of one pattern share the report object (and the dict
    keeps it alive, so its id is stable for the whole run)."""
    pattern_of: dict[int, tuple[int, SampleReport]] = {}
    for sample_id, report in reports:
        found = pattern_of.get(id(report))
        if found is None:
            found = pattern_of[id(report)] = (len(pattern_of), report)
            _add_report(genes, drugs, report)
        yield sample_id, found[0]


def _file_mode() -> int:
    # mkstemp creates 0600 files; give the result the mode a plain open() would have.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_writer(path: Path, schema: pa.Schema, metadata: dict[str, str]) -> Iterator[Any]:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        with pq.ParquetWriter(
            temporary, schema.with_metadata(metadata), compression="zstd"
        ) as writer:
            yield writer
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    os.chmod(temporary, _file_mode())
    os.replace(temporary, path)


def batch_metadata(build: GenomeBuild, meds: Sequence[str] = ()) -> dict[str, str]:
    """The key-value metadata both files carry."""
    return {
        "painpath.batch_schema": BATCH_SCHEMA,
        "painpath.version": __version__,
        "painpath.knowledge_version": KNOWLEDGE_VERSION,
        "painpath.build": build.value,
        "painpath.meds": ",".join(meds),
    }


def write_cohort(
    path: str,
    output: Path,
    *,
    samples: Sequence[str] | None = None,
    build: GenomeBuild | None = None,
    meds: Sequence[str] = (),
    drugs: Sequence[str] | None = None,
    include_dpwg: bool = False,
    row_group_samples: int = ROW_GROUP_SAMPLES,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
    sample_meds: Mapping[str, Sequence[str]] | None = None,
    shared_reports: dict[Any, SampleReport] | None = None,
) -> BatchSummary:
    """Write RESULTS.parquet and RESULTS.drugs.parquet for a cohort VCF/BCF (see module doc).

    `on_start(total samples)` is called once the file is read; `on_progress(n)` as every n more
    samples are interpreted. Raises VcfError (before anything is written) for a bad file.
    `sample_meds`: per-sample medicines (phenoconversion) for samples that have their own;
    the others take `meds`. Population jobs call this once per shard of samples, with
    `shared_reports` (see report.iter_genotype_patterns) kept across the shards of a worker.
    """
    genotypes = read_vcf(path, samples, build, limits=limits)
    if on_start is not None:
        on_start(len(genotypes.samples))
    reports = iter_genotype_patterns(
        genotypes,
        meds=meds,
        drugs=drugs,
        include_dpwg=include_dpwg,
        sample_meds=sample_meds,
        shared=shared_reports,
    )
    metadata = batch_metadata(genotypes.build.build, meds)
    gene_rows, drug_rows = _PatternRows(GENE_SCHEMA), _PatternRows(DRUG_SCHEMA)
    counted = [0, 0]
    done = 0
    sample_ids: list[str] = []
    patterns: list[int] = []
    drug_file = drugs_path(output)
    with ExitStack() as stack:
        gene_writer = stack.enter_context(atomic_writer(output, GENE_SCHEMA, metadata))
        drug_writer = stack.enter_context(atomic_writer(drug_file, DRUG_SCHEMA, metadata))

        def flush() -> None:
            chosen = np.asarray(patterns, dtype=np.int64)
            for rows, writer, slot in ((gene_rows, gene_writer, 0), (drug_rows, drug_writer, 1)):
                table = rows.table_for(sample_ids, chosen)
                writer.write_table(table, row_group_size=max(table.num_rows, 1))
                counted[slot] += table.num_rows
            sample_ids.clear()
            patterns.clear()

        for sample_id, number in _numbered(reports, gene_rows, drug_rows):
            sample_ids.append(sample_id)
            patterns.append(number)
            done += 1
            if on_progress is not None and done % PROGRESS_EVERY == 0:
                on_progress(PROGRESS_EVERY)
            if len(sample_ids) >= row_group_samples:
                flush()
        if sample_ids or not counted[0]:
            flush()
        if on_progress is not None and done % PROGRESS_EVERY:
            on_progress(done % PROGRESS_EVERY)
    return BatchSummary(
        samples=len(genotypes.samples),
        patterns=len(gene_rows.counts),
        gene_rows=counted[0],
        drug_rows=counted[1],
        gene_file=output,
        drug_file=drug_file,
    )


#: `write_distinct`'s sample table: each sample's row numbers in the two distinct-row tables.
SAMPLE_ROWS_SCHEMA = pa.schema(
    [("sample", pa.string()), ("genes", pa.list_(pa.int32())), ("drugs", pa.list_(pa.int32()))]
)


@dataclass(frozen=True)
class DistinctFiles:
    """`write_distinct`'s three files for one name: the distinct gene rows and advice rows
    (the `pgx batch` schemas without `sample`), and each sample's row numbers in them."""

    genes: Path
    drugs: Path
    samples: Path

    @classmethod
    def of(cls, folder: Path, name: str) -> DistinctFiles:
        return cls(*(folder / f"{name}.{kind}.parquet" for kind in ("genes", "drugs", "samples")))


def write_distinct(
    path: str,
    files: DistinctFiles,
    *,
    samples: Sequence[str] | None = None,
    build: GenomeBuild | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
    sample_meds: Mapping[str, Sequence[str]] | None = None,
    shared_reports: dict[Any, SampleReport] | None = None,
) -> BatchSummary:
    """`write_cohort`'s engine and rows, written unexpanded (a population job's shard): each
    distinct gene row and advice row once, and each sample's row numbers; the job gives every
    sample its rows when it writes the cohort's files. Options as `write_cohort`'s."""
    genotypes = read_vcf(path, samples, build, limits=limits)
    reports = iter_genotype_patterns(genotypes, sample_meds=sample_meds, shared=shared_reports)
    gene_rows, drug_rows = _PatternRows(GENE_SCHEMA), _PatternRows(DRUG_SCHEMA)
    sample_ids: list[str] = []
    patterns: list[int] = []
    for sample_id, number in _numbered(reports, gene_rows, drug_rows):
        sample_ids.append(sample_id)
        patterns.append(number)
    chosen = np.asarray(patterns, dtype=np.int64)
    lists = []
    for rows in (gene_rows, drug_rows):
        counts, numbers = rows.sample_rows(chosen)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        lists.append(pa.ListArray.from_arrays(offsets, pa.array(numbers, pa.int32())))
    metadata = batch_metadata(genotypes.build.build)
    sample_table = pa.table([pa.array(sample_ids, pa.string()), *lists], SAMPLE_ROWS_SCHEMA)
    for table, target in (
        (gene_rows.distinct(), files.genes),
        (drug_rows.distinct(), files.drugs),
        (sample_table, files.samples),
    ):
        with atomic_writer(target, table.schema, metadata) as writer:
            writer.write_table(table)
    return BatchSummary(
        samples=len(sample_ids),
        patterns=len(gene_rows.counts),
        gene_rows=gene_rows.distinct().num_rows,
        drug_rows=drug_rows.distinct().num_rows,
        gene_file=files.genes,
        drug_file=files.drugs,
    )


def write_empty_distinct(files: DistinctFiles) -> None:
    """`write_distinct`'s three files with no rows (a share of a job with nothing in it)."""
    files.genes.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"painpath.batch_schema": BATCH_SCHEMA}
    for schema, target in (
        (GENE_SCHEMA.remove(0), files.genes),
        (DRUG_SCHEMA.remove(0), files.drugs),
        (SAMPLE_ROWS_SCHEMA, files.samples),
    ):
        with atomic_writer(target, schema, metadata) as writer:
            writer.write_table(schema.empty_table())
