"""`painpath rpm codes`: the billable RPM/RTM codes for one period, as JSON or text."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

from painpath.cli.main import app
from tests.cli.helpers import error_line

runner = CliRunner()


def codes(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["rpm", "codes", *args])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_the_issue_example_prints_codes_with_evidence() -> None:
    document = codes(
        "--program", "RPM", "--data-days", "18", "--minutes", "45", "--interactive",
        "--first-period", "--format", "json",
    )  # fmt: skip
    assert [(c["code"], c["units"]) for c in document["codes"]] == [
        ("99453", 1), ("99454", 1), ("99457", 1), ("99458", 1),
    ]  # fmt: skip
    first = document["codes"][0]
    assert set(first) == {"code", "units", "description", "evidence"}
    assert document["codes"][1]["evidence"] == (
        "18 days with data in the 30-day period, within 16-30 → 99454"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--program", "RTM-MSK", "--data-days", "10", "--minutes", "15", "--interactive"],
         ["98985", "98979"]),
        (["--program", "RTM-MSK", "--data-days", "16", "--minutes", "60", "--interactive"],
         ["98977", "98980", "98981"]),
        (["--program", "RPM", "--data-days", "1", "--minutes", "25"], []),
    ],
)  # fmt: skip
def test_codes_follow_the_thresholds(args: list[str], expected: list[str]) -> None:
    document = codes(*args)
    assert [c["code"] for c in document["codes"]] == expected


def test_refusals_say_why() -> None:
    document = codes("--program", "RPM", "--data-days", "20", "--minutes", "25")
    reasons = {r["code"]: r["reason"] for r in document["refused"]}
    assert "interactive communication" in reasons["99457"]


def test_text_format_lists_codes_and_reasons() -> None:
    result = runner.invoke(
        app, ["rpm", "codes", "--program", "RPM", "--data-days", "20", "--minutes", "25",
              "--interactive", "--format", "text"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "99454  RPM device supply" in result.stdout
    assert "not 99453: 99453 is billed once per episode" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--program", "CCM", "--data-days", "5"], "unknown program 'CCM'"),
        (["--program", "RPM", "--data-days", "31"], "data_days must be 0-30"),
        (["--program", "RPM", "--data-days", "5", "--format", "xml"], "--format must be one of"),
    ],
)
def test_bad_input_is_one_error_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["rpm", "codes", *args])
    assert message in error_line(result)


def test_the_command_module_imports_no_database_or_web() -> None:
    code = (
        "import sys, painpath.cli.rpm, painpath.monitoring.billing;"
        "print(','.join(m for m in ('sqlalchemy', 'fastapi', 'painpath.config', 'painpath.db')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
