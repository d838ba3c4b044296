"""Issue 10, finding 2 (audit of the other engines): MME per day over an implausible sig.

A period of 1e-300 hours made the daily dose 2.4e301 administrations and the report crash
(`decimal.InvalidOperation` while rounding the total); a dose of 1e300 mg did the same. Now an
amount is bounded at the edge (at most a million, finite) and a sig above 24 administrations a
day is reported as not computable, never counted.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from painpath.opioids import AssessmentInput
from painpath.opioids.taper import TaperRequest
from tests.opioids.helpers import med, oral, run


def test_finding_2_tiny_period_mme_is_not_computed() -> None:
    sig = med(
        "oxycodone",
        strength_mg_per_unit=5,
        dosage=[{"dose": 1, "dose_unit": "unit", "frequency": 1, "period": 1e-300,
                 "period_unit": "h"}],
    )  # fmt: skip
    result = run(sig, oral("morphine", 10, 2))
    first, second = result.mme.per_medication
    assert first.status.value != "computed"
    assert "not a plausible sig" in (first.reason or "")
    assert float(second.mme_per_day or 0) == 20
    assert not result.mme.is_complete
    assert float(result.mme.total or 0) == 20


def test_finding_2_more_than_24_doses_a_day_is_not_computed() -> None:
    result = run(oral("oxycodone", 5, 25))
    assert "at most 24" in (result.mme.per_medication[0].reason or "")
    assert result.mme.total is None


@pytest.mark.parametrize("field", ["mg_per_dose", "doses_per_day"])
def test_finding_2_huge_amounts_are_refused_at_the_edge(field: str) -> None:
    medication = oral("oxycodone", 5, 4) | {field: 1e300}
    with pytest.raises(ValidationError, match="less than or equal to 1000000"):
        AssessmentInput.model_validate({"patient": {"age": 45}, "medications": [medication]})


@pytest.mark.parametrize(
    "change",
    [{"daily_dose_mg": 1e308}, {"daily_dose_mg": float("inf")}, {"start": "9999-12-01"},
     {"step_percent": 1e-300}],
)  # fmt: skip
def test_finding_2_taper_inputs_are_bounded(change: dict[str, object]) -> None:
    """Each of these crashed `painpath opioids taper` (Decimal overflow, year 10000)."""
    request = {"ingredient": "oxycodone", "daily_dose_mg": 60, "start": "2026-12-01"} | change
    with pytest.raises(ValidationError):
        TaperRequest.model_validate(request)
