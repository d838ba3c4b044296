"""Therapies a patient has had, and how each ended: the `tried` input of care suggestions.

`therapy` is a care therapy id (painpath.care knowledge, `therapies.json`) and `outcome` one of
painpath.care's `TherapyOutcome` values; both are checked by the service on the way in and again
on the way out (models may not import the care engine, so the column is plain text). A wrong
entry is never deleted: it is marked `entered-in-error` with a reason, and suggestions skip it.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base
from painpath.models.enums import str_enum
from painpath.models.mixins import PatientOwned, Timestamps
from painpath.models.recorded_by import Recorded


class TherapyTriedStatus(StrEnum):
    """FHIR-style record status: current, or entered in error (kept for the audit trail)."""

    active = "active"
    entered_in_error = "entered-in-error"


class CareTherapyTried(PatientOwned, Recorded, Timestamps, Base):
    __tablename__ = "care_therapies_tried"
    __table_args__ = (
        CheckConstraint("weeks IS NULL OR (weeks >= 0 AND weeks <= 1040)", name="weeks_range"),
        CheckConstraint("status = 'active' OR status_reason IS NOT NULL", name="error_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    therapy: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(32))
    weeks: Mapped[int | None]
    ended_on: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[TherapyTriedStatus] = mapped_column(
        str_enum(TherapyTriedStatus, "care_therapy_tried_status"),
        default=TherapyTriedStatus.active,
    )
    # Why the row was marked entered-in-error (required then).
    status_reason: Mapped[str | None] = mapped_column(String(300))
