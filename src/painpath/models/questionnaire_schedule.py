"""Questionnaire assignments (what a patient is asked to fill in, and when) and the log of
each occurrence: scheduled, delivered, opened, snoozed, completed, missed.

Occurrence k of an assignment opens at the first opening's local wall-clock time plus
k × interval_days days in the patient's time zone, and closes `window_minutes` later.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.enums import str_enum
from painpath.models.mixins import PatientOwned, Timestamps


class Recurrence(StrEnum):
    once = "once"
    daily = "daily"
    weekly = "weekly"
    every_n_days = "every-n-days"


class OccurrenceEvent(StrEnum):
    scheduled = "scheduled"
    delivered = "delivered"
    opened = "opened"
    snoozed = "snoozed"
    completed = "completed"
    missed = "missed"


class QuestionnaireAssignment(PatientOwned, Timestamps, Base):
    __tablename__ = "questionnaire_assignments"
    __table_args__ = (
        CheckConstraint("interval_days >= 1", name="interval_positive"),
        CheckConstraint("window_minutes >= 1", name="window_positive"),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Canonical instrument id, as the scoring engine names it (e.g. "phq-9").
    instrument: Mapped[str] = mapped_column(String(64))
    recurrence: Mapped[Recurrence] = mapped_column(str_enum(Recurrence, "recurrence"))
    # Days between openings (1 for daily, 7 for weekly; ignored for once).
    interval_days: Mapped[int] = mapped_column(default=1)
    # When the first occurrence opens.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # No occurrence opens at or after this instant.
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How long each occurrence stays open.
    window_minutes: Mapped[int]
    # Reminders, in minutes after an occurrence opens.
    reminder_minutes: Mapped[list[int]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class QuestionnaireOccurrenceLog(PatientOwned, Base):
    """One event in the life of one occurrence of an assignment."""

    __tablename__ = "questionnaire_occurrence_log"
    __table_args__ = (
        Index("ix_questionnaire_occurrence_log_occurrence", "assignment_id", "occurrence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_assignments.id", ondelete="CASCADE")
    )
    # 0 for the first occurrence.
    occurrence: Mapped[int]
    event: Mapped[OccurrenceEvent] = mapped_column(str_enum(OccurrenceEvent, "occurrence_event"))
    # When it happened (as the device reports it for delivered/opened/snoozed).
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    snooze_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("questionnaire_responses.id", ondelete="SET NULL")
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
