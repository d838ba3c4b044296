"""`pgx call` and `pgx recommend` print one document type, so one parser reads both.

Issue 8 item 6: `recommend` printed `{"knowledge", "genes", "drugs", …}` with no `schema` and no
`samples`, while `call` printed the versioned report (docs/pgx-report.md,
src/painpath/pgx/report.schema.json). Both are validated here against the JSON Schema (and its
strict copy, which refuses fields the schema does not describe).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from painpath.cli.main import app
from painpath.pgx.report import SCHEMA_VERSION
from tests.pgx.fixtures import fixture
from tests.pgx.test_report_schema import assert_valid

runner = CliRunner()


def printed(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["pgx", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_call_prints_a_valid_report_document() -> None:
    document = printed("call", str(fixture("cyp2c9_multi_sample.vcf")), "--meds", "fluconazole")
    assert_valid(document)
    assert document["schema"] == SCHEMA_VERSION


@pytest.mark.parametrize(
    "args",
    [
        ["--gene", "CYP2D6=*1/*4", "--meds", "paroxetine", "--drug", "codeine"],
        ["--phenotype", "CYP2C19=Poor Metabolizer", "--gene", "CYP2C9=*1/*3", "--dpwg"],
        ["--gene", "CYP2D6=1.5"],
        [],
    ],
    ids=["diplotype-and-inhibitor", "phenotype-dpwg", "activity-score", "no-genes"],
)
def test_recommend_prints_a_valid_report_document(args: list[str]) -> None:
    document = printed("recommend", *args)
    assert_valid(document)
    assert list(document) == ["schema", "painpath_version", "knowledge", "samples"]
    assert document["schema"] == SCHEMA_VERSION
    (sample,) = document["samples"]
    assert sample["id"] == "recommend"
    assert sample["build"] is None


def test_call_and_recommend_agree_for_the_same_genotype() -> None:
    """The same CYP2C9 *1/*3 from a VCF and from --gene gives the same advice entries."""
    from_vcf = printed("call", str(fixture("cyp2c9_s1s3.vcf")), "--drug", "celecoxib")
    typed = printed("recommend", "--gene", "CYP2C9=*1/*3", "--drug", "celecoxib")
    (vcf_sample,) = from_vcf["samples"]
    (typed_sample,) = typed["samples"]
    assert typed_sample["drugs"] == vcf_sample["drugs"]
    assert typed["knowledge"]["version"] == from_vcf["knowledge"]["version"]
    # The VCF report also names the allele definitions it matched against.
    assert typed["knowledge"]["files"].items() <= from_vcf["knowledge"]["files"].items()


def test_recommend_names_its_sample_and_writes_other_formats(tmp_path: Path) -> None:
    document = printed("recommend", "--gene", "CYP2D6=*4/*4", "--sample", "PATIENT-7")
    assert document["samples"][0]["id"] == "PATIENT-7"
    out = tmp_path / "report.html"
    result = runner.invoke(
        app, ["pgx", "recommend", "--gene", "CYP2D6=*4/*4", "--format", "html", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Poor Metabolizer" in out.read_text(encoding="utf-8")
    bundle = printed("recommend", "--gene", "CYP2D6=*4/*4", "--format", "fhir")
    assert bundle["resourceType"] == "Bundle"
