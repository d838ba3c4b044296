"""painpath's MME against the opioid-mme-r4 calculator tests (GuidanceResponse TotalMME)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from painpath.opioids import factor_table, summarize_mme
from tests.opioids.fhir_reader import medication_from_request

REFERENCE = (
    Path(__file__).resolve().parents[2].parent
    / "shared/reference/opioid/opioid-mme-r4/tests/MMECalculatorTests"
)
pytestmark = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason=f"reference data not present at {REFERENCE} (../shared)"
)
CASES = ["mmecalc", "patient-mme-greater-than-fifty", "patient-mme-less-than-fifty",
         "patient-mme-with-timeofday"]  # fmt: skip


def _resources(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))]


def _expected_total(resources: list[dict[str, Any]]) -> float:
    (guidance,) = [r for r in resources if r["resourceType"] == "GuidanceResponse"]
    (output,) = guidance["contained"]
    (total,) = [p for p in output["parameter"] if p["name"] == "TotalMME"]
    assert total["valueQuantity"]["code"] == "{MME}/d"
    return float(total["valueQuantity"]["value"])


@pytest.mark.parametrize("case", CASES)
def test_total_mme_matches_the_reference_calculator(case: str) -> None:
    resources = _resources(REFERENCE / case)
    requests = [r for r in resources if r["resourceType"] == "MedicationRequest"]
    assert requests
    medications = [medication_from_request(r) for r in requests]
    for table in ("cdc2022", "cdc2016"):  # these cases use ingredients both tables agree on
        summary = summarize_mme(medications, factor_table(table))
        assert summary.is_complete
        assert float(summary.total or 0) == pytest.approx(_expected_total(resources))


def test_the_fentanyl_patch_reference_case_is_exactly_180_not_504() -> None:
    (request,) = [
        r
        for r in _resources(REFERENCE / "patient-mme-greater-than-fifty")
        if r["resourceType"] == "MedicationRequest"
    ]
    summary = summarize_mme([medication_from_request(request)], factor_table())
    assert summary.total == 180
    (line,) = summary.per_medication
    assert (line.daily_dose and line.daily_dose.unit) == "mcg/h"


def test_the_timeofday_case_uses_the_dose_not_the_tablet_strength() -> None:
    (request,) = [
        r
        for r in _resources(REFERENCE / "patient-mme-with-timeofday")
        if r["resourceType"] == "MedicationRequest"
    ]
    medication = medication_from_request(request)
    assert medication.strength_mg_per_unit == 60  # 60 mg ER tablet, but the sig says 10 mg
    (line,) = summarize_mme([medication], factor_table()).per_medication
    assert line.daily_dose is not None
    assert line.daily_dose.amount == 20


def test_the_patient_without_medications_has_a_total_of_zero() -> None:
    assert (REFERENCE / "patient-no-meds").is_dir()
    summary = summarize_mme([], factor_table())
    assert summary.total == 0
    assert summary.is_complete
