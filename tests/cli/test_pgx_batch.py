"""`painpath pgx batch`: a cohort VCF to Parquet, with progress on stderr and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import Result
from scripts.make_pgx_vcf import cohort_vcf
from typer.testing import CliRunner

from painpath.cli.main import app
from tests.cli.helpers import error_line
from tests.pgx.fixtures import fixture

runner = CliRunner()


def run(*args: str | Path) -> Result:
    return runner.invoke(app, ["pgx", *map(str, args)])


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cohort") / "cohort.vcf"
    with path.open("w") as stream:
        cohort_vcf(stream, 25, seed=11)
    return path


def test_batch_writes_both_tables_and_reports_on_stderr(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.parquet"
    result = run("batch", cohort, "-o", out, "--meds", "paroxetine")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "25 samples" in result.stderr
    genes = pq.read_table(out)
    assert genes.num_rows == 25 * 5
    assert pq.read_table(tmp_path / "results.drugs.parquet").num_rows > 25
    converted = {
        row["phenoconverted_phenotype"]
        for row in genes.to_pylist()
        if row["gene"] == "CYP2D6" and row["phenotype"] == "Normal Metabolizer"
    }
    assert converted <= {"Poor Metabolizer", "Intermediate Metabolizer"}


def test_batch_matches_call_for_the_same_samples(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.parquet"
    samples = tmp_path / "samples.txt"
    samples.write_text("# wanted\nS000002\nS000005\n\n")
    assert run("batch", cohort, "-o", out, "--samples-file", samples, "--quiet").exit_code == 0
    called = run("call", cohort, "--sample", "S000002", "--sample", "S000005")
    assert called.exit_code == 0, called.output
    document = json.loads(called.stdout)
    from_call = {
        (s["id"], gene): [d["diplotype"] for d in entry["diplotypes"]]
        for s in document["samples"]
        for gene, entry in s["genes"].items()
    }
    from_batch = {(r["sample"], r["gene"]): r["diplotypes"] for r in pq.read_table(out).to_pylist()}
    assert from_batch == from_call
    advice = pq.read_table(tmp_path / "results.drugs.parquet").to_pylist()
    codeine: dict[str, list[str]] = {}
    for row in advice:
        if row["drug"] == "codeine":
            codeine.setdefault(row["sample"], []).append(row["recommendation_key"])
    assert codeine == {
        s["id"]: [a["recommendation_key"] for a in s["drugs"]["codeine"]]
        for s in document["samples"]
    }


def test_a_bad_cohort_file_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "results.parquet"
    message = error_line(run("batch", fixture("truncated_gzip.vcf.gz"), "-o", out, "--quiet"))
    assert "truncated or corrupt compressed file" in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-o", "results.csv"], "must end in .parquet"),
        (["-o", "missing/results.parquet"], "does not exist"),
        (["-o", "r.parquet", "--drug", "aspirin"], "no guidance for aspirin"),
        (["-o", "r.parquet", "--samples-file", "absent.txt"], "cannot read the samples file"),
    ],
)
def test_bad_options_are_one_line_errors(
    cohort: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert expected in error_line(run("batch", cohort, *args))
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_sample_in_the_samples_file_is_an_error(cohort: Path, tmp_path: Path) -> None:
    samples = tmp_path / "samples.txt"
    samples.write_text("NOBODY\n")
    out = tmp_path / "r.parquet"
    assert "unknown sample" in error_line(
        run("batch", cohort, "-o", out, "--samples-file", samples)
    )
    assert not out.exists()
