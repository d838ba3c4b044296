"""Bad input is refused with the field and the name, never ignored."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from painpath.care import parse_request


def refused(document: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        parse_request(document)
    first = caught.value.errors()[0]
    return ".".join(str(p) for p in first["loc"]), first["msg"]


@pytest.mark.parametrize(
    ("document", "field", "named"),
    [
        ({"condition": "gout"}, "condition", "'gout'"),
        ({"condition": "Z99.99"}, "condition", "'Z99.99'"),
        (
            {"condition": "M54.50", "current_meds": ["unobtainium 5 mg"]},
            "current_meds",
            "unobtainium",
        ),
        ({"condition": "M54.50", "labs": {"eGFR": 900}}, "labs", "eGFR 900 is impossible"),
        ({"condition": "M54.50", "labs": {"platelets": -3}}, "labs", "platelets -3"),
        ({"condition": "M54.50", "labs": {"sodium": 140}}, "labs", "'sodium'"),
        ({"condition": "M54.50", "labs": {"IGRA": 3}}, "labs", "positive, negative"),
        ({"condition": "M54.50", "problems": ["E78.5"]}, "problems", "'E78.5'"),
        ({"condition": "M54.50", "scores": {"PHQ-9": 40}}, "scores", "PHQ-9 40 is impossible"),
        ({"condition": "M54.50", "genotype": {"CYP9Z9": "*1/*1"}}, "genotype", "CYP9Z9"),
        ({"condition": "M54.50", "genotype": {"CYP2D6": "banana"}}, "genotype", "banana"),
        (
            {"condition": "M54.50", "tried": [{"therapy": "leeches", "outcome": "intolerance"}]},
            "tried.0.therapy",
            "leeches",
        ),
        (
            {"condition": "M54.50", "tried": [{"therapy": "cbt", "outcome": "meh"}]},
            "tried.0.outcome",
            "",
        ),
        ({"condition": "M54.50", "age": 200}, "age", ""),
        ({"condition": "M54.50", "jurisdiction": "FR"}, "jurisdiction", ""),
        ({"condition": "M54.50", "colour": "blue"}, "colour", ""),
    ],
)
def test_bad_input_names_the_field(document: dict[str, Any], field: str, named: str) -> None:
    loc, message = refused(document)
    assert loc == field
    assert named in message


def test_codes_and_ids_are_accepted_in_any_of_their_forms() -> None:
    for condition in ("chronic_low_back_pain", "M54.50", "m54.59", "279039007"):
        assert parse_request({"condition": condition}).condition == "chronic_low_back_pain"
    request = parse_request(
        {
            "condition": "M17.11",
            "problems": ["I50.32", "COPD", "392288006"],
            "labs": {"egfr": 44, "anti-HBc": "negative"},
            "scores": {"STarT Back": 5},
        }
    )
    assert request.problems == ["heart_failure", "copd", "angle_closure_glaucoma"]
    assert request.labs == {"egfr": 44, "anti_hbc": "negative"}
    assert request.scores == {"start_back": 5}


def test_opioids_assess_medication_objects_are_accepted() -> None:
    request = parse_request(
        {
            "condition": "M54.50",
            "current_meds": [
                {
                    "ingredient": "morphine",
                    "drug_class": "opioid",
                    "mg_per_dose": 15,
                    "doses_per_day": 2,
                }
            ],
        }
    )
    assert len(request.current_meds) == 1


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"condition": "M54.50", "problems": ["M" * 1_000_000]}, "problems.0"),
        ({"condition": "M54.50", "current_meds": ["x" * 10_000]}, "current_meds.0.text"),
        ({"condition": "M54.50", "problems": ["copd"] * 101}, "problems"),
        ({"condition": "M54.50", "scores": {"phq9": float("nan")}}, "scores"),
        ({"condition": "M54.50", "labs": {"eGFR": float("inf")}}, "labs"),
    ],
)
def test_hostile_sizes_and_numbers_are_refused(document: dict[str, Any], field: str) -> None:
    loc, _ = refused(document)
    assert loc == field


@pytest.mark.parametrize(
    "medicine",
    [
        {
            "ingredient": "oxycodone",
            "drug_class": "opioid",
            "mg_per_dose": 1e308,
            "doses_per_day": 9,
        },
        {"ingredient": "fentanyl", "drug_class": "opioid", "patch_mcg_per_h": 1e300},
        {
            "ingredient": "methadone",
            "drug_class": "opioid",
            "dosage": [{"dose": 5, "frequency": 1000000, "period": 1e-300, "period_unit": "s"}],
        },
        "oxycodone 99999999999999999999999 mg q1h",
        "fentanyl 999999999 mcg/h",
        "tramadol 0 mg BID",
    ],
)
def test_impossible_doses_are_refused_before_the_opioid_engine(medicine: Any) -> None:
    """Without the bound, the opioid engine's Decimal arithmetic overflowed (a 500 at the API).

    An object is refused by the opioid input model's own bounds (the error names the field
    inside it); free text and an impossible sig by the care input's check on `current_meds`.
    """
    loc, message = refused({"condition": "M54.50", "current_meds": [medicine]})
    assert loc.startswith("current_meds")
    assert any(word in message for word in ("above", "less than or equal", "not a plausible"))
