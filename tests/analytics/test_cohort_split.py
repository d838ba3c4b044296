"""pgx-cohort's first pass (records read once, cut by sample block and region) gives exactly
what `pgx batch` gives for the whole file, and a job resumed after the first pass reuses it."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pytest

pytest.importorskip("pyarrow")

from painpath.analytics.executor import Runner, Shard
from painpath.analytics.pgx_job import run_pgx_cohort
from painpath.demo.population_vcf import cohort_vcf
from painpath.pgx.batch import drugs_path, write_cohort
from painpath.pgx.vcf import read_vcf
from painpath.pgx.vcf.split import ALL, Part, split_parts
from tests.pgx.bgzf_files import bgzf

FIXTURES = Path(__file__).parents[1] / "pgx" / "fixtures"


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.all().exclude("diplotypes").cast(pl.Utf8))


def same_as_batch(vcf: Path, out: Path, batch: Path) -> None:
    """The job's phenotypes and advice equal `pgx batch`'s tables for the whole file, row for
    row (samples in file order)."""
    for job, whole in (("phenotypes", batch), ("advice", drugs_path(batch))):
        mine = as_text(pl.read_parquet(out / f"{job}.parquet"))
        theirs = as_text(pl.read_parquet(whole))
        assert mine.height == theirs.height > 0, job
        assert mine.equals(theirs), job


class Recording(Runner):
    """Runs shards in this process, noting their keys; 'crashes' after `limit` of them."""

    def __init__(self, limit: int | None = None):
        super().__init__(None)
        self.limit = limit
        self.keys: list[str] = []

    def run(self, shards: Sequence[Shard], on_done: Callable[[str, dict[str, Any]], None]) -> None:
        for shard in shards:
            if self.limit is not None and len(self.keys) == self.limit:
                raise RuntimeError("crash")
            self.keys.append(shard.key)
            on_done(shard.key, shard.function(*shard.arguments))


@pytest.mark.parametrize(("fmt", "phased"), [("GT", False), ("GT:DP:PS", True)])
def test_blocks_of_an_unindexed_file_equal_pgx_batch(
    fmt: str, phased: bool, tmp_path: Path
) -> None:
    """One first pass over the file (region `all`), then 5 blocks of 7 samples (the last
    short); compact three-character calls and GT:DP:PS columns are cut alike."""
    vcf = tmp_path / "cohort.vcf"
    with vcf.open("w") as stream:
        cohort_vcf(stream, 33, seed=5, fmt=fmt, phased=phased)
    assert split_parts(str(vcf)) == [Part(ALL)]
    write_cohort(str(vcf), tmp_path / "batch.parquet")
    run = Recording()
    report = run_pgx_cohort([vcf], tmp_path / "out", runner=run, block_samples=7)
    assert run.keys[0] == "split-000-all"
    assert len(run.keys) == report.shards == 1 + 5
    same_as_batch(vcf, tmp_path / "out", tmp_path / "batch.parquet")
    assert not (tmp_path / "out" / ".work" / "split").exists()  # fragments removed at the end


def test_ranges_of_an_unindexed_bgzf_file_equal_pgx_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bgzipped VCF without an index, in blocks of 500 bytes (records straddle them), read
    by many first-pass shards of about 4 KB each (the first one with the header; the last
    ones may hold no record start): the calls equal `pgx batch`'s for the whole file."""
    from painpath.pgx.vcf import split

    text = io.StringIO()
    cohort_vcf(text, 45, seed=9)
    data = text.getvalue().encode()
    vcf = tmp_path / "cohort.vcf.gz"
    vcf.write_bytes(bgzf(data, list(range(500, len(data), 500))))
    monkeypatch.setattr(split, "RANGE_BYTES", 4_000)
    parts = split_parts(str(vcf))
    assert parts is not None
    assert len(parts) > 5
    assert parts[0].span is not None
    assert parts[0].span.begin == 0
    write_cohort(str(vcf), tmp_path / "batch.parquet")
    run = Recording()
    run_pgx_cohort([vcf], tmp_path / "out", runner=run, block_samples=20)
    expected = [f"split-000-{part.name}" for part in parts]
    assert run.keys == [*expected, "call-000-00000", "call-000-00001", "call-000-00002"]
    same_as_batch(vcf, tmp_path / "out", tmp_path / "batch.parquet")


def test_an_indexed_file_is_split_per_region(tmp_path: Path) -> None:
    """A bgzipped VCF with a tabix index: one first-pass shard per chromosome of the gene
    regions, each reading its own indexed blocks; the calls equal `pgx batch`'s."""
    vcf = tmp_path / "wgs_like.vcf.gz"
    shutil.copyfile(FIXTURES / "wgs_like.vcf.gz", vcf)
    shutil.copyfile(FIXTURES / "wgs_like.vcf.gz.tbi", f"{vcf}.tbi")
    later = vcf.stat().st_mtime + 10
    os.utime(f"{vcf}.tbi", (later, later))
    regions = [part.name for part in split_parts(str(vcf)) or ()]
    assert regions is not None
    assert len(regions) > 1
    assert ALL not in regions
    write_cohort(str(vcf), tmp_path / "batch.parquet")
    run = Recording()
    run_pgx_cohort([vcf], tmp_path / "out", runner=run, block_samples=100)
    assert run.keys == [f"split-000-{region}" for region in regions] + ["call-000-00000"]
    same_as_batch(vcf, tmp_path / "out", tmp_path / "batch.parquet")
    assert read_vcf(vcf).samples == ("SAMPLE",)


def test_a_job_resumed_after_the_first_pass_does_not_read_the_file_again(
    tmp_path: Path,
) -> None:
    """The job 'crashes' right after the first pass: run again, it calls the blocks from the
    fragments already written (the first pass is skipped) and gives `pgx batch`'s result."""
    vcf = tmp_path / "cohort.vcf"
    with vcf.open("w") as stream:
        cohort_vcf(stream, 20, seed=6)
    write_cohort(str(vcf), tmp_path / "batch.parquet")
    with pytest.raises(RuntimeError, match="crash"):
        run_pgx_cohort([vcf], tmp_path / "out", runner=Recording(limit=1), block_samples=8)
    split = tmp_path / "out" / ".work" / "split"
    # The header, the distinct columns of the records and each sample's pattern number.
    assert sorted(p.name for p in split.iterdir()) == [
        "000-all.npy",
        "000-all.vcf",
        "000-header.vcf",
    ]
    again = Recording()
    report = run_pgx_cohort([vcf], tmp_path / "out", runner=again, block_samples=8)
    assert again.keys == ["call-000-00000", "call-000-00001", "call-000-00002"]
    assert (report.skipped_shards, report.ran_shards) == (1, 3)
    same_as_batch(vcf, tmp_path / "out", tmp_path / "batch.parquet")


def test_blocks_with_each_patients_medicines_equal_pgx_batch(tmp_path: Path) -> None:
    """With prescriptions, blocks run one after another in one process share the patterns
    already interpreted (a worker's cache): the result still equals one `pgx batch` call
    given every sample's own medicines (paroxetine phenoconverts CYP2D6)."""
    from painpath.analytics.cohort_inputs import current_medicines, medicines_of

    vcf = tmp_path / "cohort.vcf"
    with vcf.open("w") as stream:
        cohort_vcf(stream, 40, seed=8)
    taking = ["paroxetine", "codeine", "tramadol", "celecoxib"]
    prescriptions = tmp_path / "prescriptions.parquet"
    pl.DataFrame(
        {
            "patient_id": [f"S{i:06d}" for i in range(1, 41) if i % 3],
            "medication": [taking[i % 4] for i in range(1, 41) if i % 3],
        }
    ).write_parquet(prescriptions)
    medicines = medicines_of(current_medicines(prescriptions))
    write_cohort(str(vcf), tmp_path / "batch.parquet", sample_meds=medicines)
    report = run_pgx_cohort(
        [vcf], tmp_path / "out", runner=Recording(), block_samples=9, prescriptions=prescriptions
    )
    assert report.shards == 1 + 5
    same_as_batch(vcf, tmp_path / "out", tmp_path / "batch.parquet")
    phenoconverted = pl.read_parquet(tmp_path / "out" / "phenotypes.parquet").filter(
        pl.col("phenoconverted_phenotype").is_not_null()
    )
    assert phenoconverted.height > 0


def test_distinct_rows_are_exact_past_one_packed_key() -> None:
    """Patterns numbered by first appearance, equal exactly when every column is equal: 80
    columns of up to 7 values overflow one 64-bit key many times (renumbered in between)."""
    import numpy as np

    from painpath.pgx.vcf.split import distinct_rows

    rng = np.random.default_rng(3)
    matrix = rng.integers(0, 7, size=(500, 80), dtype=np.uint8)
    matrix[250:] = matrix[rng.integers(0, 250, size=250)]  # rows repeated further down
    numbers, firsts = distinct_rows(list(matrix.T), len(matrix))
    rows = [bytes(row) for row in matrix]
    expected: dict[bytes, int] = {}
    for row in rows:
        expected.setdefault(row, len(expected))
    assert numbers.tolist() == [expected[row] for row in rows]
    assert [rows[i] for i in firsts.tolist()] == list(expected)
