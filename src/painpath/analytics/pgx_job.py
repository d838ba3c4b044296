"""`painpath analytics pgx-cohort`: multi-sample VCF/BCFs → phenotypes and actionable advice.

Two phases of shards. First pass (`split-FILE-REGION`): a text VCF's PGx records are read
once (per chromosome of the gene regions through a tabix/CSI index, else in one pass) and cut
into per-block fragments of the block's own genotype columns in the work folder
(`painpath.pgx.vcf.split`). Then each block of samples (`call-FILE-BLOCK`, `--block-samples`)
is called with `painpath.pgx.batch.write_cohort`, the engine behind `painpath pgx batch`,
from its fragments (a BCF is read directly, its samples chosen by the BCF reader). Both
phases are resumable: a finished first pass is not redone. With prescriptions, each sample's
own current medicines go to the engine, so CYP inhibitors phenoconvert before the advice is
chosen. Outputs in OUT/:

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
from typing import Any

from painpath.analytics.cohort_inputs import CohortInputError, current_medicines, sample_names
from painpath.analytics.cohort_outputs import gather
from painpath.analytics.executor import Runner, Shard, peak_memory
from painpath.analytics.workdir import Workdir, fingerprint, write_json

BLOCK_SAMPLES = 25_000
#: Reports of genotype patterns this worker process has interpreted (per genome build), so
#: its later blocks do not interpret patterns again; emptied past this many patterns.
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
    work: str, vcf: str, number: int, region: str, blocks: list[list[str]], first: bool
) -> dict[str, Any]:
    """First pass over one region of a text VCF: its PGx records, cut by sample block (the
    region's fragments; with `first`, the blocks' headers too)."""
    from painpath.pgx.vcf.split import split_region

    folder = Path(work) / "split"
    records = split_region(
        vcf,
        region,
        blocks,
        [_part(folder, number, region, block) for block in range(len(blocks))],
        [_part(folder, number, "header", block) for block in range(len(blocks))] if first else (),
    )
    return {**peak_memory(), "records": records}


def _part(folder: Path, file: int, region: str, block: int) -> Path:
    return folder / f"{file:03d}-{region}" / f"{block:05d}.vcf"


def call_block(
    work: str,
    vcf: str,
    shard: str,
    samples: list[str],
    sample_meds: dict[str, list[str]],
    build: str | None,
    parts: list[str] | None = None,
) -> dict[str, Any]:
    """One shard: `pgx batch`'s engine over these samples, into the shard's Parquet pair.

    With `parts` (the block's header and region fragments from the first pass) the engine
    reads a VCF of the block's own columns; otherwise it picks the samples from `vcf`.
    """
    from painpath.pgx.batch import write_cohort
    from painpath.pgx.build import GenomeBuild
    from painpath.pgx.vcf.split import block_vcf

    output = Path(work) / "pgx" / f"{shard}.parquet"
    output.parent.mkdir(parents=True, exist_ok=True)
    source: str = vcf
    chosen: list[str] | None = samples
    if parts:
        joined = Path(work) / "split" / f"{shard}.vcf"
        block_vcf(Path(parts[0]), [Path(p) for p in parts[1:]], joined)
        source, chosen = str(joined), None
    try:
        shared = _REPORTS.setdefault(build, {})
        if len(shared) > REPORTS_KEPT:
            shared.clear()
        summary = write_cohort(
            source,
            output,
            samples=chosen,
            build=GenomeBuild(build) if build else None,
            sample_meds=sample_meds,
            shared_reports=shared,
        )
    finally:
        if parts:
            Path(source).unlink(missing_ok=True)
    return {**peak_memory(), "samples": summary.samples, "patterns": summary.patterns}


@dataclass(frozen=True)
class Block:
    key: str
    file: int
    path: Path
    number: int
    names: list[str]


def plan_blocks(files: Sequence[Path], block_samples: int) -> list[Block]:
    blocks = []
    seen: dict[str, Path] = {}
    for number, path in enumerate(files):
        names = sample_names(path)
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


def plan_shards(
    work: str,
    blocks: Sequence[Block],
    medicines: dict[str, list[str]],
    build: str | None,
) -> tuple[list[Shard], list[Shard]]:
    """The first-pass shards (file × region) and the calling shards (file × sample block)."""
    from painpath.pgx.vcf.split import split_regions

    splits: list[Shard] = []
    calls: list[Shard] = []
    by_file: dict[int, list[Block]] = {}
    for block in blocks:
        by_file.setdefault(block.file, []).append(block)
    for number, own in by_file.items():
        path = own[0].path
        regions = split_regions(str(path))
        for order, region in enumerate(regions or ()):
            key = f"split-{number:03d}-{region}"
            splits.append(
                Shard(
                    key,
                    split_file,
                    (work, str(path), number, region, [b.names for b in own], order == 0),
                )
            )
        for block in own:
            parts = None
            if regions:
                folder = Path(work) / "split"
                parts = [
                    str(_part(folder, number, region, block.number))
                    for region in ("header", *regions)
                ]
            meds = {n: medicines[n] for n in block.names if n in medicines}
            calls.append(
                Shard(
                    block.key,
                    call_block,
                    (work, str(path), block.key, block.names, meds, build, parts),
                )
            )
    return splits, calls


def run_pgx_cohort(
    files: Sequence[Path],
    output: Path,
    *,
    runner: Runner,
    prescriptions: Path | None = None,
    build: str | None = None,
    block_samples: int = BLOCK_SAMPLES,
    restart: bool = False,
    on_plan: Callable[[int], None] = lambda total: None,
    on_done: Callable[[str], None] = lambda key: None,
) -> CohortReport:
    blocks = plan_blocks(files, block_samples)
    medicines = current_medicines(prescriptions)
    output.mkdir(parents=True, exist_ok=True)
    inputs = [*files, *([prescriptions] if prescriptions else [])]
    workdir = Workdir(output)
    workdir.open(
        fingerprint(
            inputs,
            {"job": "pgx-cohort", "block_samples": block_samples, "build": build, "split": 1},
        ),
        restart=restart,
    )
    work = str(workdir.root)
    splits, calls = plan_shards(work, blocks, medicines, build)
    report = CohortReport(files=len(files), shards=len(splits) + len(calls))
    workdir.record_shards([s.key for s in (*splits, *calls)])
    on_plan(report.shards)

    def done(key: str, result: dict[str, Any]) -> None:
        write_json(workdir.marker(key), result)
        report.ran_shards += 1
        on_done(key)

    for phase in (splits, calls):
        pending = []
        for shard in phase:
            if workdir.done(shard.key) is not None:
                report.skipped_shards += 1
                on_done(shard.key)
            else:
                pending.append(shard)
        runner.run(pending, done)
    gather(workdir, output, [block.key for block in blocks], medicines, report)
    shutil.rmtree(workdir.path("split"), ignore_errors=True)
    return report
