"""`painpath care suggest`: JSON and text, the profile setting, errors naming the field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from painpath.cli.main import app
from tests.care.helpers import TODAY, run

runner = CliRunner()
PATIENT: dict[str, Any] = {
    "condition": "M17.11",
    "age": 81,
    "sex": "female",
    "labs": {"eGFR": 28},
    "problems": ["falls"],
    "current_meds": ["apixaban 5 mg BID", "tramadol 50 mg q6h prn"],
    "genotype": {"CYP2D6": "*1/*1"},
}


def suggest_cli(tmp_path: Path, document: dict[str, Any], *args: str, **env: str) -> Any:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return runner.invoke(
        app, ["care", "suggest", str(path), "--today", TODAY.isoformat(), *args], env=env
    )


def test_json_output_is_the_engines_document(tmp_path: Path) -> None:
    result = suggest_cli(tmp_path, PATIENT, "--profile", "US")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed == run("US", **PATIENT).as_json() | {"profile": "US"}
    assert {"condition", "profile", "options", "not_recommended", "flags", "knowledge"} <= set(
        printed
    )


def test_the_profile_setting_is_the_default_and_the_input_overrides_it(tmp_path: Path) -> None:
    uk = suggest_cli(tmp_path, PATIENT, PAINPATH_CARE_PROFILE="UK")
    assert json.loads(uk.output)["profile"] == "UK"
    override = suggest_cli(tmp_path, {**PATIENT, "jurisdiction": "US"}, PAINPATH_CARE_PROFILE="UK")
    assert json.loads(override.output)["profile"] == "US"


def test_text_output_lists_options_exclusions_and_flags(tmp_path: Path) -> None:
    result = suggest_cli(tmp_path, PATIENT, "--format", "text", "--profile", "US")
    assert result.exit_code == 0, result.output
    assert "Options:" in result.output
    assert "Not recommended:" in result.output
    assert "eGFR 28 is below 30" in result.output


def test_bad_input_exits_1_naming_the_field(tmp_path: Path) -> None:
    result = suggest_cli(tmp_path, {"condition": "M17.11", "current_meds": ["unobtainium"]})
    assert result.exit_code == 1
    assert "current_meds" in result.output
    assert "unobtainium" in result.output
    bad_lab = suggest_cli(tmp_path, {"condition": "M17.11", "labs": {"INR": 99}})
    assert bad_lab.exit_code == 1
    assert "labs" in bad_lab.output
    assert "INR 99" in bad_lab.output
    unknown_condition = suggest_cli(tmp_path, {"condition": "gout"})
    assert unknown_condition.exit_code == 1
    assert "condition" in unknown_condition.output
    assert "'gout'" in unknown_condition.output
    tried = [{"therapy": "snake_oil", "outcome": "intolerance"}]
    unknown_tried = suggest_cli(tmp_path, {"condition": "M17.11", "tried": tried})
    assert unknown_tried.exit_code == 1
    assert "tried" in unknown_tried.output
    assert "snake_oil" in unknown_tried.output
    bad_outcome = [{"therapy": "duloxetine", "outcome": "meh"}]
    refused = suggest_cli(tmp_path, {"condition": "M17.11", "tried": bad_outcome})
    assert refused.exit_code == 1
    assert "outcome" in refused.output


def test_care_suggest_starts_without_the_database_stack(tmp_path: Path) -> None:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(PATIENT), encoding="utf-8")
    probe = (
        "import json, sys\n"
        "from typer.testing import CliRunner\n"
        "from painpath.cli.main import app\n"
        "r = CliRunner().invoke(app, sys.argv[1:])\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'fastapi', 'pydantic_settings', 'painpath.db',"
        " 'painpath.models') if m in sys.modules)\n"
        "print(json.dumps({'exit': r.exit_code, 'heavy': heavy}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "care", "suggest", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"exit": 0, "heavy": []}
