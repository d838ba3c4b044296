"""Prescriptions tests store directly (no API round trip)."""

from __future__ import annotations

from datetime import date

from painpath.models.medication import MedicationRequest, MedicationRequestStatus, PeriodUnit


def as_needed_oxycodone(patient_id: int) -> MedicationRequest:
    """Oxycodone 5 mg every 6 hours as needed (at most 4 doses a day), active since January."""
    return MedicationRequest(
        patient_id=patient_id,
        rxnorm_code="7804",
        display="oxycodone",
        status=MedicationRequestStatus.active,
        dose_value=5,
        dose_unit="mg",
        frequency=1,
        period=6,
        period_unit=PeriodUnit.hour,
        as_needed=True,
        start_date=date(2026, 1, 15),
    )
