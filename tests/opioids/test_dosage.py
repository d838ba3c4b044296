"""Sigs to daily doses: the most aggressive reading, several lines, strengths and patches."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from painpath.opioids import DoseProblem, Medication, daily_dose, parse_assessment_input
from tests.opioids.helpers import med, mme_of


def medication(**fields: Any) -> Medication:
    return Medication.model_validate({"ingredient": "oxycodone", "drug_class": "opioid", **fields})


def mg_a_day(*lines: dict[str, Any], **fields: Any) -> Decimal:
    return daily_dose(medication(dosage=list(lines), **fields)).amount


def test_prn_range_takes_the_highest_dose_and_the_shortest_interval() -> None:
    # oxycodone 5-10 mg every 4-6 hours as needed: 10 mg x 6 a day
    line = {"dose": 5, "dose_high": 10, "period": 4, "period_max": 6, "period_unit": "h"}
    assert mg_a_day({**line, "frequency": 1, "prn": True}) == 60


def test_frequency_max_wins_over_frequency() -> None:
    # 1-2 tablets of 5 mg, 1 to 3 times a day
    line = {"dose": 1, "dose_high": 2, "dose_unit": "unit", "frequency": 1, "frequency_max": 3}
    assert mg_a_day(line, strength_mg_per_unit=5) == 30


def test_split_am_and_pm_doses_on_two_lines_are_summed() -> None:
    am = {"dose": 10, "times_of_day": 1}
    pm = {"dose": 20, "times_of_day": 1}
    assert mg_a_day(am, pm) == 30


def test_a_taper_in_sequence_counts_its_highest_step_not_the_sum() -> None:
    week_one = {"dose": 20, "frequency": 2, "sequence": 1}
    week_two = {"dose": 10, "frequency": 2, "sequence": 2}
    assert mg_a_day(week_one, week_two) == 40


def test_tablets_are_counted_times_their_strength() -> None:
    assert (
        mg_a_day({"dose": 2, "dose_unit": "unit", "frequency": 3}, strength_mg_per_unit=7.5) == 45
    )


def test_liquids_are_millilitres_times_mg_per_ml() -> None:
    line = {"dose": 5, "dose_unit": "mL", "period": 6, "period_unit": "h", "frequency": 1}
    assert mg_a_day(line, strength_mg_per_ml=2) == 40


def test_micrograms_are_converted_to_milligrams() -> None:
    assert mg_a_day({"dose": 500, "dose_unit": "mcg", "frequency": 2}) == 1


@pytest.mark.parametrize(
    ("period", "unit", "per_day"),
    [
        (12, "h", 2),
        (1, "d", 1),
        (1, "wk", Decimal(1) / 7),
        (720, "min", 2),
        (2, "d", Decimal("0.5")),
    ],
)
def test_periods_in_any_unit_become_doses_per_day(
    period: float, unit: str, per_day: Decimal
) -> None:
    line = {"dose": 10, "frequency": 1, "period": period, "period_unit": unit}
    assert mg_a_day(line) == 10 * per_day


def test_a_line_without_timing_is_once_a_day() -> None:
    assert mg_a_day({"dose": 15}) == 15


def test_two_patches_worn_together_double_the_rate() -> None:
    patch = Medication.model_validate(
        med("fentanyl", patch_mcg_per_h=25, dosage=[{"dose": 2, "dose_unit": "patch"}])
    )
    dose = daily_dose(patch)
    assert dose.amount == 50
    assert dose.unit == "mcg/h"


def test_the_patch_change_interval_does_not_change_its_mme() -> None:
    every_three_days = {"dose": 1, "dose_unit": "patch", "frequency": 1, "period": 3}
    assert mme_of(med("fentanyl", patch_mcg_per_h=75, dosage=[every_three_days])) == 180


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"dosage": [{"dose_unit": "unit", "frequency": 2}]}, "has no dose"),
        ({"dosage": [{"dose": 2, "dose_unit": "unit"}]}, "strength_mg_per_unit is missing"),
        ({"dosage": [{"dose": 5, "dose_unit": "mL"}]}, "strength_mg_per_ml is missing"),
        ({"dosage": [{"dose": 1, "dose_unit": "patch"}]}, "route is not transdermal"),
        ({"mg_per_dose": 10}, "missing dose"),
        ({"dosage": []}, "no lines"),
    ],
)
def test_an_incomplete_sig_says_what_is_missing(fields: dict[str, Any], problem: str) -> None:
    with pytest.raises(DoseProblem, match=problem):
        daily_dose(medication(**fields))


@pytest.mark.parametrize(
    ("medication_fields", "field"),
    [
        ({"mg_per_dose": -5, "doses_per_day": 2}, "mg_per_dose"),
        ({"mg_per_dose": 5, "doses_per_day": 0}, "doses_per_day"),
        ({"patch_mcg_per_h": -25}, "patch_mcg_per_h"),
        ({"drug_class": "candy"}, "drug_class"),
        ({"mg_per_dose": 5, "doses_per_day": 2, "dosage": []}, "not both"),
        ({"mg_per_dos": 5}, "mg_per_dos"),
    ],
)
def test_malformed_input_is_a_validation_error_naming_the_field(
    medication_fields: dict[str, Any], field: str
) -> None:
    document = {"patient": {"age": 45}, "medications": [med("oxycodone") | medication_fields]}
    with pytest.raises(ValidationError) as raised:
        parse_assessment_input(document)
    assert field in str(raised.value)


def test_the_issue_example_input_is_accepted() -> None:
    document = {
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
    data = parse_assessment_input(document)
    assert len(data.medications) == 3
