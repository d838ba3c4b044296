"""Therapies tried, from the care plan: what `care.inputs.Tried` takes for the next suggestion.

The coordinator wires `tried_from_plan` into `services/care/tried.py`, so an activity stopped
for inadequate response, intolerance, loss of response or a contraindication counts as tried.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.care.plans import ActivityStatus, EndedActivity, StopReason, tried_entries
from painpath.models.care_plan import CareActivityStatus, CarePlanActivity


def tried_from_plan(session: Session, patient_id: int) -> list[dict[str, Any]]:
    """[{"therapy", "outcome", "weeks"}] for the patient's stopped activities (no access check:
    the caller has opened the patient already)."""
    rows = session.scalars(
        select(CarePlanActivity)
        .where(
            CarePlanActivity.patient_id == patient_id,
            CarePlanActivity.status == CareActivityStatus.stopped,
        )
        .order_by(CarePlanActivity.id)
    )
    return tried_entries(
        EndedActivity(
            therapy=row.therapy,
            status=ActivityStatus(row.status.value),
            reason=StopReason(row.stop_reason.value) if row.stop_reason else None,
            start=row.start_date,
            stop=row.stop_date,
        )
        for row in rows
    )
