"""`painpath pgx recommend`: advice from known diplotypes or phenotypes, no VCF, no database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from painpath.cli.main import app

runner = CliRunner()


def recommend(*args: str) -> tuple[int, dict[str, Any] | None, str]:
    """Exit code, the report's one sample (or None on an error), stderr."""
    result = runner.invoke(app, ["pgx", "recommend", *args, "--format", "json"])
    if result.exit_code != 0:
        return result.exit_code, None, result.stderr
    document = json.loads(result.stdout)
    (sample,) = document["samples"]
    return result.exit_code, {**sample, "knowledge": document["knowledge"]}, result.stderr


def only(sample: dict[str, Any], drug: str) -> dict[str, Any]:
    (advice,) = sample["drugs"][drug]
    return advice  # type: ignore[no-any-return]


def test_codeine_is_avoided_for_a_cyp2d6_poor_metabolizer() -> None:
    code, document, _ = recommend("--gene", "CYP2D6=*4/*4", "--drug", "codeine")
    assert code == 0
    assert document is not None
    assert document["genes"]["CYP2D6"]["phenotype"] == "Poor Metabolizer"
    advice = only(document, "codeine")
    assert advice["strength"] == "Strong"
    assert advice["recommendation"].startswith("Do not use codeine")
    assert "tramadol" in advice["recommendation"]
    assert advice["based_on"]["activity_scores"]["CYP2D6"] == "0.0"


def test_paroxetine_converts_an_intermediate_metabolizer_before_advice_is_chosen() -> None:
    code, document, _ = recommend(
        "--gene", "CYP2D6=*1/*4", "--meds", "paroxetine", "--drug", "tramadol"
    )
    assert code == 0
    assert document is not None
    gene = document["genes"]["CYP2D6"]
    assert (gene["phenotype"], gene["phenoconverted_phenotype"]) == (
        "Intermediate Metabolizer",
        "Poor Metabolizer",
    )
    assert gene["phenoconverted_by"] == ["paroxetine"]
    assert only(document, "tramadol")["strength"] == "Strong"


def test_amitriptyline_takes_a_cyp2c19_phenotype_with_a_cyp2d6_diplotype() -> None:
    code, document, _ = recommend(
        "--gene",
        "CYP2D6=*1/*1",
        "--phenotype",
        "CYP2C19=Poor Metabolizer",
        "--drug",
        "amitriptyline",
    )
    assert code == 0
    assert document is not None
    advice = only(document, "amitriptyline")
    assert advice["based_on"]["phenotypes"] == {
        "CYP2D6": "Normal Metabolizer",
        "CYP2C19": "Poor Metabolizer",
    }
    assert advice["strength"] == "Moderate"


def test_every_result_names_its_knowledge_version_and_sources() -> None:
    code, document, _ = recommend("--gene", "CYP2C9=*1/*3", "--drug", "meloxicam")
    assert code == 0
    assert document is not None
    assert document["knowledge"]["version"]
    files = document["knowledge"]["files"]
    assert files["guidance/cpic/meloxicam.json"]["source"] == "CPIC"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gene", "CYP9Z9=*1/*1"], "unknown gene CYP9Z9"),
        (["--gene", "CYP2D6"], "GENE=VALUE"),
        (["--gene", "CYP2D6=*1/*1", "--phenotype", "CYP2D6=Poor Metabolizer"], "both"),
        (["--gene", "CYP2D6=*1/*1", "--drug", "aspirin-x"], "no guidance for aspirin-x"),
    ],
)
def test_bad_arguments_name_the_problem(args: list[str], message: str) -> None:
    code, _, stderr = recommend(*args)
    assert code == 1
    assert message in stderr
