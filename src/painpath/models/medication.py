"""FHIR MedicationRequest (prescriptions) and MedicationAdministration (dose logs)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.enums import str_enum
from painpath.models.mixins import PatientOwned, Timestamps
from painpath.models.recorded_by import Recorded


class MedicationRequestStatus(StrEnum):
    """FHIR medicationrequest-status."""

    active = "active"
    on_hold = "on-hold"
    cancelled = "cancelled"
    completed = "completed"
    entered_in_error = "entered-in-error"
    stopped = "stopped"
    draft = "draft"


class PeriodUnit(StrEnum):
    """UCUM units allowed in FHIR Timing.repeat.periodUnit (the ones a sig uses)."""

    hour = "h"
    day = "d"
    week = "wk"
    month = "mo"


class MedicationRequest(PatientOwned, Recorded, Timestamps, Base):
    __tablename__ = "medication_requests"
    __table_args__ = (
        CheckConstraint("dose_value > 0", name="dose_positive"),
        CheckConstraint("frequency >= 1 AND period > 0", name="timing_positive"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rxnorm_code: Mapped[str] = mapped_column(String(16), index=True)
    display: Mapped[str] = mapped_column(String(300))
    status: Mapped[MedicationRequestStatus] = mapped_column(
        str_enum(MedicationRequestStatus, "medication_request_status")
    )
    # One dose: dose_value dose_unit (e.g. 10 mg, 25 ug/h for a patch).
    dose_value: Mapped[float]
    dose_unit: Mapped[str] = mapped_column(String(32))
    # Timing.repeat: `frequency` doses every `period` `period_unit`.
    frequency: Mapped[int] = mapped_column(default=1)
    period: Mapped[float] = mapped_column(default=1.0)
    period_unit: Mapped[PeriodUnit] = mapped_column(str_enum(PeriodUnit, "period_unit"))
    route: Mapped[str] = mapped_column(String(32), default="oral")
    # asNeeded (PRN): the timing is then the most the patient may take.
    as_needed: Mapped[bool] = mapped_column(default=False)
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    days_supply: Mapped[int | None]
    prescriber_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(String(1000))


class MedicationAdministration(PatientOwned, Base):
    """One logged dose, scheduled or PRN, reported by the patient or staff."""

    __tablename__ = "medication_administrations"
    __table_args__ = (
        UniqueConstraint("patient_id", "client_id"),
        CheckConstraint("dose_value > 0", name="dose_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    medication_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("medication_requests.id", ondelete="SET NULL"), index=True
    )
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dose_value: Mapped[float]
    dose_unit: Mapped[str] = mapped_column(String(32))
    # FHIR medication-admin-status: completed or not-done (a skipped dose).
    status: Mapped[str] = mapped_column(String(16), default="completed")
    # Taken as needed (PRN) rather than on the prescription's schedule.
    as_needed: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Why a dose was not taken (status not-done), in the patient's words.
    reason_not_taken: Mapped[str | None] = mapped_column(String(200))
    # The client's own id for this entry: a retried upload does not add it twice.
    client_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
