"""Telehealth: clinicians' weekly availability and its exceptions, and video visits.

Availability is kept in the clinician's own IANA zone as local wall-clock minutes (so "Mondays
09:00–12:00" stays 09:00 across daylight-saving changes); visits are instants in UTC.
No double booking: a partial unique index allows one live (booked or completed) visit per
clinician and start instant, whatever the application does; the booking service also locks the
clinician's row so differently aligned overlapping slots are refused.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.enums import str_enum
from painpath.models.mixins import PatientOwned, Timestamps


class VisitStatus(StrEnum):
    """FHIR Encounter.status subset: planned (booked), finished (completed), cancelled."""

    booked = "booked"
    completed = "completed"
    cancelled = "cancelled"


class ExceptionKind(StrEnum):
    """unavailable: no slots in the window (leave, a meeting); available: extra hours."""

    unavailable = "unavailable"
    available = "available"


class AvailabilityTemplate(Base):
    """A weekly recurring window: weekday (0 = Monday) and local start/end minutes."""

    __tablename__ = "availability_templates"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute",
            name="window",
        ),
        CheckConstraint("slot_minutes BETWEEN 5 AND 240", name="slot_minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    start_minute: Mapped[int]
    end_minute: Mapped[int]
    slot_minutes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AvailabilityException(Base):
    """A dated change to the weekly template, on the clinician's local day."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (
        CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute",
            name="window",
        ),
        CheckConstraint("slot_minutes BETWEEN 5 AND 240", name="slot_minutes_range"),
        Index("ix_availability_exceptions_clinician_day", "clinician_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date]
    kind: Mapped[ExceptionKind] = mapped_column(str_enum(ExceptionKind, "availability_kind"))
    start_minute: Mapped[int]
    end_minute: Mapped[int]
    # Slot length for extra hours ("available"); ignored for "unavailable".
    slot_minutes: Mapped[int] = mapped_column(default=30)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Visit(PatientOwned, Timestamps, Base):
    """A video visit between a patient and a clinician on their care team (FHIR Encounter)."""

    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="interval"),
        CheckConstraint("minutes IS NULL OR minutes BETWEEN 1 AND 600", name="minutes_range"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        Index(
            "uq_visits_clinician_live_start",
            "clinician_id",
            "starts_at",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_visits_clinician_start", "clinician_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[VisitStatus] = mapped_column(
        str_enum(VisitStatus, "visit_status"), default=VisitStatus.booked
    )
    # Unguessable video room name (secrets.token_urlsafe), unique per visit.
    room: Mapped[str] = mapped_column(String(64), unique=True)
    # Stable iCalendar UID; SEQUENCE counts revisions sent (0 when booked, 1 when cancelled).
    calendar_uid: Mapped[str] = mapped_column(String(128), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(String(500))
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    # SOAP note (written by the clinician) and the minutes spent, set on completion.
    subjective: Mapped[str | None] = mapped_column(Text)
    objective: Mapped[str | None] = mapped_column(Text)
    assessment: Mapped[str | None] = mapped_column(Text)
    plan: Mapped[str | None] = mapped_column(Text)
    note_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes: Mapped[int | None]
