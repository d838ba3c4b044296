"""`painpath opioids …`: assess a JSON input, plan a taper, score the Opioid Risk Tool."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from painpath.cli.main import app
from tests.cli.helpers import error_line

runner = CliRunner()

ISSUE_EXAMPLE: dict[str, Any] = {
    "patient": {
        "age": 45,
        "opioid_naive": False,
        "active_cancer_treatment": False,
        "palliative_or_hospice": False,
        "sickle_cell": False,
        "oud_or_sud_history": False,
        "overdose_history": False,
        "active_naloxone_rescue_rx": False,
    },
    "medications": [
        {
            "ingredient": "oxycodone",
            "mg_per_dose": 10,
            "doses_per_day": 4,
            "prn": True,
            "extended_release": False,
            "drug_class": "opioid",
        },
        {"ingredient": "fentanyl", "patch_mcg_per_h": 25, "drug_class": "opioid"},
        {"ingredient": "alprazolam", "drug_class": "benzodiazepine"},
    ],
}


def write(tmp_path: Path, document: object) -> str:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return str(path)


def assess(*args: str) -> Any:
    result = runner.invoke(app, ["opioids", "assess", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_assess_prints_total_breakdown_alerts_and_factor_table(tmp_path: Path) -> None:
    document = assess(write(tmp_path, ISSUE_EXAMPLE), "--today", "2026-11-25", "--format", "json")
    assert document["total_mme_per_day"] == 120
    assert document["total_is_complete"] is True
    assert [m["mme_per_day"] for m in document["per_medication"]] == [60, 60]
    codes = [a["code"] for a in document["alerts"]]
    assert codes[0] == "MME_GE_90"
    assert {"NALOXONE_OFFER", "BENZO_COPRESCRIBE", "FENTANYL_PATCH_CAUTION"} <= set(codes)
    assert all({"code", "severity", "summary", "source"} <= set(a) for a in document["alerts"])
    assert document["factors"]["table"] == "cdc2022"
    assert document["today"] == "2026-11-25"


def test_assess_with_2016_factors_cannot_compute_tramadol(tmp_path: Path) -> None:
    document = {
        "patient": {"age": 50},
        "medications": [
            {
                "ingredient": "tramadol",
                "mg_per_dose": 50,
                "doses_per_day": 4,
                "drug_class": "opioid",
            }
        ],
    }
    result = assess(write(tmp_path, document), "--factors", "cdc2016", "--today", "2026-11-25")
    assert result["total_mme_per_day"] is None
    assert result["total_is_complete"] is False
    assert result["per_medication"][0]["status"] == "no_conversion_factor"
    assert result["factors"]["version"].startswith("CDC 2016")


def test_assess_reads_stdin_and_prints_text(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["opioids", "assess", "-", "--format", "text", "--today", "2026-11-25"],
        input=json.dumps(ISSUE_EXAMPLE),
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "Total MME/day: 120 [cdc2022]"
    assert "CRITICAL MME_GE_90" in result.stdout


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("{not json", (), "is not valid JSON"),
        ({"patient": {"age": -1}}, (), "patient.age"),
        ({"medications": []}, (), "patient: Field required"),
        (
            {
                "patient": {"age": 40},
                "medications": [
                    {"ingredient": "oxycodone", "drug_class": "opioid", "mg_per_dose": -5}
                ],
            },
            (),
            "medications.0.mg_per_dose",
        ),
        (ISSUE_EXAMPLE, ("--factors", "cdc2019"), "--factors must be one of"),
        (ISSUE_EXAMPLE, ("--today", "25/11/2026"), "--today expects YYYY-MM-DD"),
        (ISSUE_EXAMPLE, ("--format", "xml"), "--format must be one of"),
    ],
)
def test_bad_input_is_one_clear_line_on_stderr(
    tmp_path: Path, content: object, args: tuple[str, ...], message: str
) -> None:
    result = runner.invoke(app, ["opioids", "assess", write(tmp_path, content), *args])
    assert message in error_line(result)


def test_a_missing_input_file_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["opioids", "assess", str(tmp_path / "nope.json")])
    assert "cannot read" in error_line(result)


def test_taper_prints_a_dated_schedule() -> None:
    result = runner.invoke(
        app,
        ["opioids", "taper", "--ingredient", "oxycodone", "--daily-mg", "60",
         "--start", "2026-12-01", "--pause-after", "2"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["interval"] == "month"
    assert plan["steps"][0] == {
        "step": 1, "start": "2026-12-01", "end": "2026-12-31", "daily_dose_mg": 55.0,
        "mme_per_day": 82.5, "action": "reduce", "dose_mg": None, "every_hours": None,
    }  # fmt: skip
    assert plan["steps"][2]["action"] == "hold"
    assert plan["schedule"][-1].endswith("stop taking it.")
    assert (plan["complete"], plan["max_cut_percent_of_current"]) == (True, 25.0)


def test_taper_tail_lengthens_the_interval_in_text_and_json() -> None:
    """Issue 9, finding 3 (HHS 2019 dosage reduction guide): tramadol 100 mg/day weekly was
    100 -> 50 -> 0; now 50 mg once a day, then every other day, then stop, with a note."""
    args = ["opioids", "taper", "--ingredient", "tramadol", "--daily-mg", "100", "--weekly",
            "--start", "2026-12-01"]  # fmt: skip
    text = runner.invoke(app, [*args, "--format", "text"])
    assert text.exit_code == 0, text.output
    assert text.stdout.splitlines()[:3] == [
        "From 01 Dec 2026 to 07 Dec 2026: 50 mg every 24 hours, no more often "
        "(50 mg a day, about 10 MME).",
        "From 08 Dec 2026 to 14 Dec 2026: 50 mg every other day, no more often "
        "(on average 25 mg a day, about 5 MME).",
        "From 15 Dec 2026 on: stop taking it.",
    ]
    assert text.stdout.splitlines()[3].startswith("Note: From 100 mg a day the strengths")
    plan = json.loads(runner.invoke(app, args).stdout)
    assert [(s["action"], s["dose_mg"], s["every_hours"]) for s in plan["steps"]] == [
        ("lengthen", 50.0, 24), ("lengthen", 50.0, 48), ("stop", None, None)
    ]  # fmt: skip


def test_taper_says_when_the_strengths_cannot_keep_the_share() -> None:
    result = runner.invoke(
        app,
        ["opioids", "taper", "--ingredient", "oxycodone", "--daily-mg", "60",
         "--max-cut-percent", "10", "--start", "2026-12-01"],
    )  # fmt: skip
    plan = json.loads(result.stdout)
    assert plan["complete"] is False
    assert "give a smaller strength" in plan["notes"][0]


def test_taper_text_is_for_the_patient() -> None:
    result = runner.invoke(
        app,
        ["opioids", "taper", "--ingredient", "hydrocodone", "--daily-mg", "20", "--weekly",
         "--start", "2026-12-01", "--format", "text"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("From 08 Dec 2026 to 14 Dec 2026: ")


def test_taper_refuses_methadone_in_one_line() -> None:
    result = runner.invoke(
        app, ["opioids", "taper", "--ingredient", "methadone", "--daily-mg", "40"]
    )
    assert "not planned: methadone" in error_line(result)


def test_ort_scores_the_answers() -> None:
    result = runner.invoke(
        app, ["opioids", "ort", "--sex", "female", "--yes", "personal_prescription_drugs",
              "--yes", "depression", "--yes", "age_16_to_45"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "score": 7, "band": "moderate",
        "items": ["personal_prescription_drugs", "age_16_to_45", "depression"],
    }  # fmt: skip


def test_ort_refuses_an_unknown_item() -> None:
    result = runner.invoke(app, ["opioids", "ort", "--sex", "male", "--yes", "smoking"])
    assert "unknown item 'smoking'" in error_line(result)
