"""The opioid-mme-r4 calculator test patients through the FHIR mapper (not the test-only
reader): painpath's total equals each GuidanceResponse's TotalMME."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from painpath.fhir import assessment_input_from_fhir
from painpath.opioids import assess

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


@pytest.mark.parametrize("case", CASES)
def test_mapped_requests_give_the_reference_total(case: str) -> None:
    resources = _resources(REFERENCE / case)
    (guidance,) = [r for r in resources if r["resourceType"] == "GuidanceResponse"]
    (total,) = [p for p in guidance["contained"][0]["parameter"] if p["name"] == "TotalMME"]
    requests = [r for r in resources if r["resourceType"] == "MedicationRequest"]
    inputs = assessment_input_from_fhir(
        patient=None, resources=[], draft_orders=requests, today=date(2023, 5, 1)
    )
    assert len(inputs.draft_indexes) == len(requests)
    mme = assess(inputs.data, today=date(2023, 5, 1)).mme
    assert mme.is_complete, inputs.notes
    assert float(mme.total or 0) == pytest.approx(total["valueQuantity"]["value"])
