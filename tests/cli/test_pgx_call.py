"""`painpath pgx call`: a VCF/BCF (plus lab calls and medicines) to JSON, HTML or FHIR."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from scripts.make_pgx_vcf import samples_vcf
from typer.testing import CliRunner

from painpath.cli.main import app
from painpath.pgx.genes import Gene
from tests.cli.helpers import error_line
from tests.pgx.fixtures import PHARMCAT, fixture, needs_reference

runner = CliRunner()
EXAMPLE_VCF = PHARMCAT / "examples" / "pharmcat.example.vcf"
EXAMPLE_CALLS = PHARMCAT / "examples" / "pharmcat.example.outsideCall.tsv"
#: PharmCAT's own report for its example (pharmcat.example.report.tsv).
EXPECTED = {"CYP2C9": "*1/*1", "CYP2C19": "*38/*38", "CYP2D6": "*1/*3"}


def call(*args: str | Path) -> Result:
    return runner.invoke(app, ["pgx", "call", *map(str, args)])


def example(output_format: str, tmp_path: Path) -> str:
    out = tmp_path / f"example.{output_format}"
    result = call(
        EXAMPLE_VCF, "--outside-calls", EXAMPLE_CALLS, "--format", output_format, "-o", out
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    return out.read_text(encoding="utf-8")


@needs_reference
def test_the_pharmcat_example_gives_pharmcats_calls_as_json(tmp_path: Path) -> None:
    document = json.loads(example("json", tmp_path))
    assert document["schema"] == "painpath.pgx.report/1"
    (sample,) = document["samples"]
    assert sample["id"] == "Sample_1"
    calls = {g: [d["diplotype"] for d in sample["genes"][g]["diplotypes"]] for g in EXPECTED}
    assert calls == {gene: [diplotype] for gene, diplotype in EXPECTED.items()}
    assert sample["genes"]["CYP2D6"]["call_source"] == "lab"
    assert sample["genes"]["CYP2D6"]["phenotype"] == "Intermediate Metabolizer"
    assert sample["genes"]["CYP2C9"]["activity_score"] == "2.0"


@needs_reference
def test_the_pharmcat_example_gives_pharmcats_calls_as_html(tmp_path: Path) -> None:
    html = example("html", tmp_path)
    rows = {
        unescape(re.sub(r"<[^>]+>", "", gene)): unescape(re.sub(r"<[^>]+>", " ", cells))
        for gene, cells in re.findall(r'<th scope="row">(CYP2\w+)</th>(.*?)</tr>', html, re.S)
    }
    for gene, diplotype in EXPECTED.items():
        assert diplotype in rows[gene], gene
    assert "lab call" in rows["CYP2D6"]


@needs_reference
def test_the_pharmcat_example_gives_pharmcats_calls_as_fhir(tmp_path: Path) -> None:
    from fhir.resources.R4B.bundle import Bundle

    bundle = json.loads(example("fhir", tmp_path))
    Bundle.model_validate(bundle)
    genotypes = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if (
            resource["resourceType"] == "Observation"
            and resource["code"]["coding"][0]["code"] == "84413-4"
        ):
            gene = resource["component"][0]["valueCodeableConcept"]["text"]
            genotypes[gene] = resource.get("valueCodeableConcept", {}).get("text")
    assert {g: genotypes[g] for g in EXPECTED} == EXPECTED


def test_a_multi_sample_file_gives_one_entry_per_sample() -> None:
    result = call(fixture("cyp2c9_multi_sample.vcf"), "--drug", "celecoxib")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [s["id"] for s in document["samples"]] == ["S1", "S2", "S3"]
    assert all(list(s["drugs"]) == ["celecoxib"] for s in document["samples"])


def test_sample_picks_samples_in_the_order_given() -> None:
    result = call(fixture("cyp2c9_multi_sample.vcf"), "--sample", "S3", "--sample", "S1")
    assert result.exit_code == 0, result.output
    ids = [s["id"] for s in json.loads(result.stdout)["samples"]]
    assert sorted(ids) == ["S1", "S3"]


def test_meds_convert_the_phenotype(tmp_path: Path) -> None:
    vcf = tmp_path / "p.vcf"
    vcf.write_text(samples_vcf({"P": {Gene.CYP2D6: ("*1", "*4")}}))
    result = call(vcf, "--meds", "paroxetine", "--drug", "codeine")
    assert result.exit_code == 0, result.output
    gene = json.loads(result.stdout)["samples"][0]["genes"]["CYP2D6"]
    assert (gene["phenotype"], gene["phenoconverted_phenotype"]) == (
        "Intermediate Metabolizer",
        "Poor Metabolizer",
    )


def untouched(tmp_path: Path, *args: str | Path) -> str:
    """Run a failing call with -o pointing at an existing file; the file must not change."""
    out = tmp_path / "previous.json"
    out.write_text("previous\n")
    result = call(*args, "-o", out)
    message = error_line(result)
    assert out.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    return message


def test_an_unknown_sample_is_a_clear_error_and_nothing_is_written(tmp_path: Path) -> None:
    message = untouched(tmp_path, fixture("cyp2c9_multi_sample.vcf"), "--sample", "NOBODY")
    assert "unknown sample" in message
    assert "NOBODY" in message


@pytest.mark.parametrize("name", ["truncated_gzip.vcf.gz", "truncated_bgzf.vcf.gz"])
def test_a_truncated_gzip_is_a_clear_error(tmp_path: Path, name: str) -> None:
    message = untouched(tmp_path, fixture(name))
    assert "truncated or corrupt compressed file" in message
    assert name in message


def test_not_a_vcf_is_a_clear_error(tmp_path: Path) -> None:
    assert "not a VCF file" in untouched(tmp_path, fixture("not_a_vcf.vcf"))


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    assert "file not found" in untouched(tmp_path, tmp_path / "absent.vcf")


def test_an_unknown_drug_is_a_clear_error(tmp_path: Path) -> None:
    message = untouched(tmp_path, fixture("cyp2c9_s1s3.vcf"), "--drug", "aspirin")
    assert "no guidance for aspirin" in message


def test_a_bad_outside_call_file_is_a_clear_error(tmp_path: Path) -> None:
    calls = tmp_path / "calls.tsv"
    calls.write_text("CYP2D6\t*1/*1\nCYP2D6\t*1/*4\n")
    message = untouched(tmp_path, fixture("cyp2c9_s1s3.vcf"), "--outside-calls", calls)
    assert message.startswith(f"error: {calls}")


def test_an_absent_outside_call_file_is_a_clear_error(tmp_path: Path) -> None:
    absent = tmp_path / "absent.tsv"
    message = untouched(tmp_path, fixture("cyp2c9_s1s3.vcf"), "--outside-calls", absent)
    assert "cannot read outside calls" in message


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [("--format", "pdf", "--format 'pdf'"), ("--build", "hg19", "--build 'hg19'")],
)
def test_bad_options_are_clear_errors(
    tmp_path: Path, option: str, value: str, expected: str
) -> None:
    assert expected in untouched(tmp_path, fixture("cyp2c9_s1s3.vcf"), option, value)


@pytest.mark.parametrize("output_format", ["json", "html", "fhir"])
def test_same_input_gives_identical_bytes(tmp_path: Path, output_format: str) -> None:
    outputs: list[Any] = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.{output_format}"
        args = ["--meds", "fluconazole", "--format", output_format, "-o", out]
        result = call(fixture("cyp2c9_multi_sample.vcf"), *args)
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_the_output_file_gets_ordinary_permissions(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    assert call(fixture("cyp2c9_s1s3.vcf"), "-o", out).exit_code == 0
    assert out.stat().st_mode & 0o044  # readable by others under the usual umask


def test_recommend_still_works() -> None:
    result = runner.invoke(app, ["pgx", "recommend", "--gene", "CYP2D6=*4/*4", "--drug", "codeine"])
    assert result.exit_code == 0, result.output
    (sample,) = json.loads(result.stdout)["samples"]
    assert sample["genes"]["CYP2D6"]["phenotype"] == "Poor Metabolizer"


def test_an_output_folder_that_does_not_exist_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "absent" / "report.json"
    message = error_line(call(fixture("cyp2c9_s1s3.vcf"), "-o", out))
    assert f"cannot write {out}" in message
