"""`pgx batch`'s engine with each sample's own medicines (what pgx-cohort gives it)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("pyarrow")

from painpath.demo.population_vcf import cohort_vcf
from painpath.pgx.batch import drugs_path, write_cohort


def test_each_sample_is_phenoconverted_by_its_own_medicines(tmp_path: Path) -> None:
    """S000001 takes paroxetine (a strong CYP2D6 inhibitor), the others nothing: S000001's rows
    are those of a batch where everyone takes paroxetine, the others' those of a batch where
    nobody does — and paroxetine does change S000001's CYP2D6 result."""
    vcf = tmp_path / "cohort.vcf"
    with vcf.open("w") as stream:
        cohort_vcf(stream, 12, seed=4)
    own, everyone, nobody = (tmp_path / f"{n}.parquet" for n in ("own", "all", "none"))
    write_cohort(str(vcf), own, sample_meds={"S000001": ["paroxetine"]})
    write_cohort(str(vcf), everyone, meds=["paroxetine"])
    write_cohort(str(vcf), nobody)
    for table in (lambda p: p, drugs_path):
        mine, with_it, without = (
            pl.read_parquet(table(p)).with_columns(pl.all().exclude("diplotypes").cast(pl.Utf8))
            for p in (own, everyone, nobody)
        )
        first = pl.col("sample") == "S000001"
        assert mine.filter(first).equals(with_it.filter(first))
        assert mine.filter(~first).equals(without.filter(~first))
    genes = pl.read_parquet(own).filter(
        (pl.col("sample") == "S000001") & (pl.col("gene") == "CYP2D6")
    )
    assert genes["phenoconverted_phenotype"].cast(pl.Utf8).item() == "Poor Metabolizer"
