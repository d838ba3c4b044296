"""`painpath analytics pgx-cohort`: multi-sample VCF/BCFs → phenotypes and actionable advice.

Two phases of shards. First pass (`split-FILE-PART`): a text VCF's PGx records are read
once (per chromosome of the gene regions through a tabix/CSI index; a bgzipped file without
one per range of its BGZF blocks; any other in one pass) and reduced to the distinct sample
columns, with each sample's pattern number (`painpath.pgx.vcf.split`). A pattern is the
calls × the sample's own current medicines that phenoconvert (CYP inhibitors convert the
phenotype before the advice is chosen; other medicines change no row, so they do not make
patterns distinct). Then the file's
distinct patterns are shared out over `call-FILE-N` shards (as many as blocks of
`--block-samples` samples), each calling its share once with `painpath.pgx.batch.write_distinct`
(`painpath pgx batch`'s engine and rows, each distinct row written once with each pattern's row
numbers); the gather gives each sample its pattern's rows. A BCF is not split: each block of
samples is called directly (the BCF reader decodes only the chosen samples). Both phases are
resumable: a finished first pass is not redone. Outputs in OUT/:

    phenotypes.parquet   sample, gene, diplotypes, activity_score, phenotype,
                         phenoconverted_phenotype, … (the `pgx batch` gene table)
    advice.parquet       sample, drug, source, strength, action, recommendation_key, genes
    actionable.parquet   sample, drug, action, …: advice that changes prescribing (avoid,
                         adjust_dose, monitor) for a pain medicine the patient takes now
    drugs.parquet        drug, samples, actionable_samples, actionable_share, taking,
                         actionable_taking: the cohort's share with actionable advice per drug
    summary.json, summary.html
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from painpath.analytics.cohort_inputs import (
    CohortInputError,
    current_medicines,
    medicines_of,
    sample_names,
)
from painpath.analytics.cohort_outputs import CohortGather, FilePatterns
from painpath.analytics.executor import Runner, Shard, peak_memory
from painpath.analytics.workdir import Workdir, fingerprint, write_json
from painpath.kit.limits import DEFAULT_LIMITS, InputLimits

if TYPE_CHECKING:
    from painpath.pgx.vcf.split import Part

BLOCK_SAMPLES = 25_000
#: What a worker imports as it starts (the calling shards' engine).
WORKER_PRELOAD = ("painpath.pgx.batch", "painpath.pgx.vcf.split")
#: Reports of genotype calls this worker process has interpreted (per genome build): patterns
#: that differ in their columns may share their calls; emptied past this many.
_REPORTS: dict[str | None, dict[Any, Any]] = {}
REPORTS_KEPT = 50_000


@dataclass
class CohortReport:
    files: int = 0
    samples: int = 0
    shards: int = 0
    ran_shards: int = 0
    skipped_shards: int = 0
    with_prescriptions: int = 0
    outputs: dict[str, str] = field(default_factory=dict)


def split_file(
    work: str,
    vcf: str,
    number: int,
    part: Part,
    first: bool,
    limits: InputLimits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """First pass over one part of a text VCF: its PGx records reduced to the distinct
    sample columns, and each sample's pattern number (with `first`, the header too)."""
    from painpath.pgx.vcf.split import split_region

    folder = Path(work) / "split"
    found = split_region(
        vcf,
        part,
        _part(folder, number, part.name, "vcf"),
        _part(folder, number, part.name, "npy"),
        _part(folder, number, "header", "vcf") if first else None,
        limits,
    )
    return {**peak_memory(), "records": found.records, "patterns": found.patterns}


def _part(folder: Path, file: int, name: str, suffix: str) -> Path:
    return folder / f"{file:03d}-{name}.{suffix}"


def call_patterns(
    work: str,
    shard: str,
    parts: list[str],
    columns: list[list[int]],
    names: list[str],
    meds: dict[str, list[str]],
    build: str | None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """One shard: `pgx batch`'s engine over a share of a file's distinct patterns, into the
    shard's distinct rows and each pattern's row numbers (under its name). `parts`: the file's
    header and part fragments; `columns[part]`: each pattern's column in that fragment."""
    from painpath.pgx.batch import DistinctFiles, write_empty_distinct
    from painpath.pgx.vcf.split import pattern_vcf

    if not names:
        write_empty_distinct(DistinctFiles.of(Path(work) / "pgx", shard))
        return {**peak_memory(), "samples": 0, "patterns": 0}
    joined = Path(work) / "split" / f"{shard}.vcf"
    pattern_vcf(Path(parts[0]), [Path(p) for p in parts[1:]], columns, names, joined)
    try:
        return _call(work, shard, str(joined), None, meds, build, limits)
    finally:
        joined.unlink(missing_ok=True)


def call_block(
    work: str,
    vcf: str,
    shard: str,
    samples: list[str],
    sample_meds: dict[str, list[str]],
    build: str | None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """One shard of a BCF (not split: its reader decodes only the chosen samples): `pgx
    batch`'s engine over these samples, into the shard's distinct rows and row numbers."""
    return _call(work, shard, vcf, samples, sample_meds, build, limits)


def _call(
    work: str,
    shard: str,
    source: str,
    samples: list[str] | None,
    sample_meds: dict[str, list[str]],
    build: str | None,
    limits: InputLimits,
) -> dict[str, Any]:
    from painpath.pgx.batch import DistinctFiles, write_distinct
    from painpath.pgx.build import GenomeBuild

    folder = Path(work) / "pgx"
    folder.mkdir(parents=True, exist_ok=True)
    shared = _REPORTS.setdefault(build, {})
    if len(shared) > REPORTS_KEPT:
        shared.clear()
    summary = write_distinct(
        source,
        DistinctFiles.of(folder, shard),
        samples=samples,
        build=GenomeBuild(build) if build else None,
        sample_meds=sample_meds,
        shared_reports=shared,
        limits=limits,
    )
    return {**peak_memory(), "samples": summary.samples, "patterns": summary.patterns}


@dataclass(frozen=True)
class Block:
    key: str
    file: int
    path: Path
    number: int
    names: list[str]


def plan_blocks(
    files: Sequence[Path], block_samples: int, limits: InputLimits = DEFAULT_LIMITS
) -> list[Block]:
    """Each file's samples in blocks of `block_samples`: a BCF's calling shards; a text VCF's
    distinct patterns are shared out over as many shards."""
    blocks = []
    seen: dict[str, Path] = {}
    for number, path in enumerate(files):
        names = sample_names(path, limits)
        for name in names:
            if name in seen:
                raise CohortInputError(f"sample {name!r} is in both {seen[name]} and {path}")
            seen[name] = path
        for start in range(0, len(names), block_samples):
            key = f"call-{number:03d}-{start // block_samples:05d}"
            blocks.append(
                Block(
                    key, number, path, start // block_samples, names[start : start + block_samples]
                )
            )
    return blocks


@dataclass
class CohortFile:
    """One input file: its blocks, and the parts of its first pass (None for a BCF)."""

    number: int
    path: Path
    blocks: list[Block]
    parts: list[Part] | None

    @property
    def samples(self) -> list[str]:
        return [name for block in self.blocks for name in block.names]


def plan_files(blocks: Sequence[Block], limits: InputLimits = DEFAULT_LIMITS) -> list[CohortFile]:
    from painpath.pgx.vcf.split import split_parts

    files: dict[int, CohortFile] = {}
    for block in blocks:
        if block.file not in files:
            parts = split_parts(str(block.path), limits)
            files[block.file] = CohortFile(block.file, block.path, [], parts)
        files[block.file].blocks.append(block)
    return list(files.values())


def split_shards(
    work: str, files: Sequence[CohortFile], limits: InputLimits = DEFAULT_LIMITS
) -> list[Shard]:
    """The first-pass shards: file × part of every text VCF."""
    return [
        Shard(
            f"split-{file.number:03d}-{part.name}",
            split_file,
            (work, str(file.path), file.number, part, order == 0, limits),
        )
        for file in files
        for order, part in enumerate(file.parts or ())
    ]


def call_shards(
    work: str,
    files: Sequence[CohortFile],
    medicines: dict[str, list[str]],
    build: str | None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> tuple[list[Shard], list[FilePatterns]]:
    """The calling shards (as many per file as it has blocks) and each file's patterns; for
    a text VCF, read from its first pass (each pattern: calls × the sample's medicines)."""
    from painpath.pgx.vcf.split import distinct_rows

    folder = Path(work) / "split"
    shards: list[Shard] = []
    patterns: list[FilePatterns] = []
    for file in files:
        samples = file.samples
        if file.parts is None:
            for block in file.blocks:
                meds = {n: medicines[n] for n in block.names if n in medicines}
                shards.append(
                    Shard(
                        block.key,
                        call_block,
                        (work, str(file.path), block.key, block.names, meds, build, limits),
                    )
                )
            patterns.append(
                FilePatterns(
                    samples,
                    np.arange(len(samples)),
                    samples,
                    [b.key for b in file.blocks],
                    [len(b.names) for b in file.blocks],
                )
            )
            continue
        names_of_parts = [part.name for part in file.parts]
        codes = [np.load(_part(folder, file.number, name, "npy")) for name in names_of_parts]
        lists: dict[tuple[str, ...], int] = {(): 0}
        taking = np.fromiter(
            (lists.setdefault(tuple(medicines.get(n, ())), len(lists)) for n in samples),
            dtype=np.int32,
            count=len(samples),
        )
        numbers, firsts = distinct_rows([*codes, taking], len(samples))
        by_number = list(lists)
        names = [f"p{i}" for i in range(len(firsts))]
        parts = [
            str(_part(folder, file.number, name, "vcf")) for name in ("header", *names_of_parts)
        ]
        shares = np.array_split(np.arange(len(firsts)), len(file.blocks))
        for block, share in zip(file.blocks, shares, strict=True):
            chosen = firsts[share]
            meds = {
                names[i]: list(by_number[taking[f]])
                for i, f in zip(share.tolist(), chosen.tolist(), strict=True)
                if taking[f]
            }
            shards.append(
                Shard(
                    block.key,
                    call_patterns,
                    (
                        work,
                        block.key,
                        parts,
                        [c[chosen].tolist() for c in codes],
                        [names[i] for i in share],
                        meds,
                        build,
                        limits,
                    ),
                )
            )
        patterns.append(
            FilePatterns(
                samples, numbers, names, [b.key for b in file.blocks], [len(s) for s in shares]
            )
        )
    return shards, patterns


def _converting(medicines: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each sample's phenoconverting medicines, samples with none left out: a pattern is the
    calls × these (the others change no row; see phenoconversion.converting_medicines), so
    patients on different non-inhibiting medicines share their pattern's interpretation."""
    from painpath.pgx.phenoconversion import converting_medicines

    distinct = {m for meds in medicines.values() for m in meds}
    converts = set(converting_medicines(sorted(distinct)))
    kept = {n: [m for m in meds if m in converts] for n, meds in medicines.items()}
    return {n: meds for n, meds in kept.items() if meds}


def run_pgx_cohort(
    files: Sequence[Path],
    output: Path,
    *,
    runner: Runner,
    prescriptions: Path | None = None,
    build: str | None = None,
    block_samples: int = BLOCK_SAMPLES,
    restart: bool = False,
    limits: InputLimits = DEFAULT_LIMITS,
    on_plan: Callable[[int], None] = lambda total: None,
    on_done: Callable[[str], None] = lambda key: None,
) -> CohortReport:
    blocks = plan_blocks(files, block_samples, limits)
    prescribed = current_medicines(prescriptions)
    medicines = _converting(
        medicines_of(prescribed, [name for block in blocks for name in block.names])
    )
    output.mkdir(parents=True, exist_ok=True)
    inputs = [*files, *([prescriptions] if prescriptions else [])]
    workdir = Workdir(output)
    workdir.open(
        fingerprint(
            inputs,
            {"job": "pgx-cohort", "block_samples": block_samples, "build": build, "split": 5},
        ),
        restart=restart,
    )
    work = str(workdir.root)
    cohort = plan_files(blocks, limits)
    splits = split_shards(work, cohort, limits)
    report = CohortReport(files=len(files), shards=len(splits) + len(blocks))
    workdir.record_shards([s.key for s in splits] + [b.key for b in blocks])
    on_plan(report.shards)

    #: Told of each finished shard: the gather, once the calling starts.
    listeners: list[Callable[[str], None]] = []

    def done(key: str, result: dict[str, Any]) -> None:
        write_json(workdir.marker(key), result)
        report.ran_shards += 1
        on_done(key)
        for listener in listeners:
            listener(key)

    def run(phase: Sequence[Shard]) -> None:
        pending = []
        for shard in phase:
            if workdir.done(shard.key) is not None:
                report.skipped_shards += 1
                on_done(shard.key)
                for listener in listeners:
                    listener(shard.key)
            else:
                pending.append(shard)
        # While the workers start, shards run here: the first pass, and then the first calling
        # shard if the cluster is not up yet (the rest go to the workers as soon as it is).
        runner.run_while_starting(pending, done)

    run(splits)
    calls, patterns = call_shards(work, cohort, medicines, build, limits)
    with CohortGather(workdir, output, patterns) as gathering:
        # Each row group is written as soon as its patterns are called, while the workers
        # call the rest.
        listeners.append(gathering.shard_done)
        run(calls)
        runner.release()  # no more shards: a LocalCluster closes while the outputs are written
        gathering.finish(prescribed, report, threads=runner.workers)
    shutil.rmtree(workdir.path("split"), ignore_errors=True)
    return report
