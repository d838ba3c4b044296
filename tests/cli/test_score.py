"""`painpath score INSTRUMENT --answers …`: JSON or text, one-line errors, `-` for unanswered."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from painpath.cli.main import app
from tests.cli.helpers import error_line

runner = CliRunner()


def run(*args: str) -> Any:
    result = runner.invoke(app, ["score", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_phq9_prints_score_band_subscales_and_flags() -> None:
    document = run("phq-9", "--answers", "2,1,2,1,1,0,0,1,1", "--format", "json")
    assert {"instrument", "score", "band", "subscales", "flags"} <= set(document)
    assert document["instrument"] == "phq-9"
    assert document["score"] == 9
    assert document["band"] == "mild"
    assert document["subscales"] == {}
    assert [f["code"] for f in document["flags"]] == ["phq9_item9_positive"]
    assert document["flags"][0]["severity"] == "urgent"


def test_a_dash_marks_an_unanswered_item() -> None:
    document = run("ODI", "--answers", "2,2,1,2,2,2,1,-,2,2")
    assert document["score"] == 35.6
    assert document["answered"] == 9


def test_pcs_prints_its_subscales() -> None:
    document = run("pcs", "--answers", "4,3,3,2,2,1,0,4,4,3,3,2,1")
    assert document["subscales"] == {"rumination": 14, "magnification": 2, "helplessness": 16}


def test_promis_prints_the_t_score() -> None:
    document = run("promis-pi-8a", "--answers", "3,3,4,-,3,3,-,3")
    assert (document["score"], document["t_score"], document["prorated"]) == (26, 62.8, True)
    assert document["t_score_verified"] is True


def test_finding_8_cli_marks_a_derived_t_score_table_as_unverified() -> None:
    """Issue 9, finding 8: PROMIS PI 6a/6b T-scores come from a table derived by painpath, not
    checked against the HealthMeasures scoring manual; `painpath score` says so in JSON and
    text."""
    document = run("promis-pi-6a", "--answers", "2,2,2,2,2,2")
    assert (document["t_score"], document["t_score_verified"]) == (55.6, False)
    assert [f["code"] for f in document["flags"]] == ["t_score_unverified"]
    text = runner.invoke(app, ["score", "promis-pi-6b", "--answers", "4,4,4,4,4,4", "--format",
                               "text"]).stdout.splitlines()  # fmt: skip
    assert text[1] == "  T-score: 67.4 (unverified: derived table)"
    assert text[2].startswith("INFO t_score_unverified: Derived table")


def test_finding_8_cli_refuses_promis_with_fewer_than_four_answers() -> None:
    """Issue 9, finding 8 (HealthMeasures Scoring Instructions: at least 4 answered items for a
    precise score on forms of 4 or more items)."""
    result = runner.invoke(app, ["score", "promis-pi-6a", "--answers", "2,2,2,-,-,-"])
    assert result.exit_code == 1
    assert "at least 4 of 6 items must be answered" in result.output


def test_ort_takes_sex() -> None:
    document = run("ort", "--answers", "1,0,0,1,0,0,1,0,0,1", "--sex", "male")
    assert (document["score"], document["band"]) == (8, "high")


def test_text_format() -> None:
    result = runner.invoke(
        app, ["score", "bpi-sf", "--answers", "8,2,5,5,6,4,7,8,3,6,5", "--format", "text"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "bpi-sf BPI-SF (9-item form, items 3-6 and 9A-9G scored): 5.0",
        "  severity: 5.0",
        "  interference: 5.57",
    ]


ERRORS = [
    (["phq-9", "--answers", "1,1,1,5,1,1,1,1,1"], "PHQ-9 item 4: 5 is outside 0-3"),
    (["phq-9", "--answers", "1,1"], "PHQ-9 expects 9 answers, got 2"),
    (
        ["phq-9", "--answers", "1,x,1,1,1,1,1,1,1"],
        "--answers: answer 2 ('x') is not a whole number",
    ),
    (
        ["odi", "--answers", "-,2,-,2,2,2,1,1,2,2"],
        "ODI sections 1, 3: unanswered; at most 1 of 10 sections may be missing",
    ),
    (
        ["ort", "--answers", "1,0,0,1,0,0,1,0,0,1"],
        "ORT needs sex (female or male): its items are weighted by sex",
    ),
    (
        ["ort", "--answers", "0,0,0,0,0,0,0,0,0,0", "--sex", "other"],
        "--sex must be one of female, male, not 'other'",
    ),
    (["phq-10", "--answers", "1"], "unknown instrument 'phq-10'; known: bpi-sf"),
    (
        ["phq-9", "--answers", "1,1,1,-,1,1,1,1,2"],
        "PHQ-9 item 4: unanswered; PHQ-9 is scored only when every item is answered "
        "[URGENT phq9_item9_positive]",
    ),
    (["nrs", "--answers", "5", "--format", "xml"], "--format must be one of json, text, not 'xml'"),
]


@pytest.mark.parametrize(("args", "message"), ERRORS)
def test_errors_are_one_line_with_exit_status_1(args: list[str], message: str) -> None:
    line = error_line(runner.invoke(app, ["score", *args]))
    assert line.startswith(f"error: {message}")


def test_the_installed_command_runs_as_a_subprocess() -> None:
    painpath = Path(sys.executable).parent / "painpath"
    out = subprocess.run(
        [str(painpath), "score", "nrs", "--answers", "7"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["band"] == "severe"


def test_the_score_module_imports_no_database_code() -> None:
    code = "import sys, painpath.cli.score; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
