"""Cohort Parquet output: the same answers as `call`, in row groups, atomically, byte-stable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from scripts.make_pgx_vcf import cohort_vcf

from painpath.pgx.batch import BATCH_SCHEMA, drugs_path, write_cohort
from painpath.pgx.report import iter_file_reports, report_document
from painpath.pgx.vcf import VcfError
from tests.pgx.fixtures import fixture

SAMPLES = 40


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cohort") / "cohort.vcf"
    with path.open("w") as stream:
        cohort_vcf(stream, SAMPLES, seed=7)
    return path


def expected_rows(document: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What the batch tables must hold, read from `call`'s JSON document."""
    genes, drugs = [], []
    for sample in document["samples"]:
        for gene, entry in sample["genes"].items():
            genes.append(
                {
                    "sample": sample["id"],
                    "gene": gene,
                    "diplotypes": [d["diplotype"] for d in entry["diplotypes"]],
                    "activity_score": entry["activity_score"],
                    "phenotype": entry["phenotype"],
                    "phenoconverted_phenotype": entry["phenoconverted_phenotype"],
                    "phenoconverted_activity_score": entry["phenoconverted_activity_score"],
                    "missing_count": len(entry.get("missing_positions", [])),
                    "call_source": entry.get("call_source"),
                }
            )
        for drug, advices in sample["drugs"].items():
            for advice in advices:
                drugs.append(
                    {
                        "sample": sample["id"],
                        "drug": drug,
                        "source": advice["source"],
                        "strength": advice["strength"],
                        "action": advice["action"],
                        "recommendation_key": advice["recommendation_key"],
                        "genes": ",".join(advice["based_on"]["genes"]),
                    }
                )
    return genes, drugs


@pytest.mark.parametrize("meds", [(), ("paroxetine", "fluconazole")])
def test_batch_rows_match_call_for_every_sample(
    cohort: Path, tmp_path: Path, meds: tuple[str, ...]
) -> None:
    out = tmp_path / "results.parquet"
    summary = write_cohort(str(cohort), out, meds=meds, include_dpwg=True, row_group_samples=16)
    document = report_document(list(iter_file_reports(str(cohort), meds=meds, include_dpwg=True)))
    genes, drugs = expected_rows(document)
    assert pq.read_table(out).to_pylist() == genes
    assert pq.read_table(drugs_path(out)).to_pylist() == drugs
    assert (summary.samples, summary.gene_rows, summary.drug_rows) == (
        SAMPLES,
        len(genes),
        len(drugs),
    )
    assert summary.patterns <= SAMPLES


def test_rows_are_written_in_row_groups_with_versions_in_the_metadata(
    cohort: Path, tmp_path: Path
) -> None:
    out = tmp_path / "results.parquet"
    write_cohort(str(cohort), out, row_group_samples=16)
    for path in (out, drugs_path(out)):
        parquet = pq.ParquetFile(path)
        assert parquet.metadata.num_row_groups == 3  # 16 + 16 + 8 samples
        metadata = parquet.schema_arrow.metadata
        assert metadata[b"painpath.batch_schema"] == BATCH_SCHEMA.encode()
        assert metadata[b"painpath.knowledge_version"]
        assert metadata[b"painpath.build"] == b"GRCh38"


def test_samples_can_be_chosen(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "two.parquet"
    write_cohort(str(cohort), out, samples=["S000003", "S000001"], drugs=["codeine"])
    genes = pq.read_table(out).column("sample").to_pylist()
    assert sorted(set(genes)) == ["S000001", "S000003"]
    assert set(pq.read_table(drugs_path(out)).column("drug").to_pylist()) == {"codeine"}


def test_same_input_gives_identical_bytes(cohort: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    write_cohort(str(cohort), first, meds=("duloxetine",))
    write_cohort(str(cohort), second, meds=("duloxetine",))
    assert first.read_bytes() == second.read_bytes()
    assert drugs_path(first).read_bytes() == drugs_path(second).read_bytes()


def test_a_failure_midway_leaves_no_file_behind(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.parquet"

    def interrupted(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_cohort(str(cohort), out, on_progress=interrupted)
    assert list(tmp_path.iterdir()) == []


def test_a_bad_file_raises_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "results.parquet"
    out.write_bytes(b"previous")
    with pytest.raises(VcfError, match="truncated"):
        write_cohort(str(fixture("truncated_gzip.vcf.gz")), out)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.parquet"]


def test_progress_reaches_the_sample_count(cohort: Path, tmp_path: Path) -> None:
    seen: list[int] = []
    totals: list[int] = []
    write_cohort(
        str(cohort), tmp_path / "r.parquet", on_start=totals.append, on_progress=seen.append
    )
    assert totals == [SAMPLES]
    assert sum(seen) == SAMPLES


def test_the_drug_table_sits_beside_the_gene_table() -> None:
    assert drugs_path(Path("/data/run.parquet")) == Path("/data/run.drugs.parquet")
    assert drugs_path(Path("run")) == Path("run.drugs.parquet")
