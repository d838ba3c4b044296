"""Clinician time spent on a patient's remote monitoring (RPM or RTM), for the billing ledger."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.enums import str_enum
from painpath.models.mixins import PatientOwned


class MonitoringProgram(StrEnum):
    """Remote physiologic monitoring, or remote therapeutic monitoring (musculoskeletal)."""

    rpm = "RPM"
    rtm_msk = "RTM-MSK"


class ClinicianTimeEntry(PatientOwned, Base):
    __tablename__ = "clinician_time_entries"
    __table_args__ = (
        CheckConstraint("minutes BETWEEN 1 AND 600", name="minutes_range"),
        Index("ix_clinician_time_entries_patient_start", "patient_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int]
    # A real-time interactive (audio or video) communication with the patient.
    interactive: Mapped[bool]
    program: Mapped[MonitoringProgram] = mapped_column(
        str_enum(MonitoringProgram, "monitoring_program")
    )
    note: Mapped[str | None] = mapped_column(String(1000))
    # The completed video visit these minutes are (its interactive communication), if any.
    visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("visits.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
