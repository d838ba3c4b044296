"""A pain-diary entry: the patient's own day, as they report it on their phone.

Body-map regions and pain-quality descriptors are codes from fixed lists
(`painpath.terminology.pain_diary`); the schemas check them at the edge.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.models.mixins import PatientOwned, Timestamps


class PainDiaryEntry(PatientOwned, Timestamps, Base):
    __tablename__ = "pain_diary_entries"
    __table_args__ = (
        UniqueConstraint("patient_id", "client_id"),
        Index("ix_pain_diary_entries_patient_day", "patient_id", "local_date"),
        CheckConstraint("pain BETWEEN 0 AND 10", name="pain_0_10"),
        CheckConstraint("mood IS NULL OR mood BETWEEN 0 AND 10", name="mood_0_10"),
        CheckConstraint("sleep_hours IS NULL OR sleep_hours BETWEEN 0 AND 24", name="sleep_hours"),
        CheckConstraint(
            "sleep_quality IS NULL OR sleep_quality BETWEEN 0 AND 10", name="sleep_quality_0_10"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The day the entry is about, in the patient's own time zone.
    local_date: Mapped[date]
    # When the patient made the entry (UTC).
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Pain intensity on the 0-10 numeric rating scale.
    pain: Mapped[int]
    # Body-map region codes, e.g. ["lower-back", "hip-left"].
    body_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Pain-quality descriptor codes, e.g. ["aching", "shooting"].
    qualities: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What the patient thinks set the pain off, in their words (short tags).
    triggers: Mapped[list[str]] = mapped_column(JSON, default=list)
    sleep_hours: Mapped[float | None]
    # Sleep quality 0 (worst) - 10 (best).
    sleep_quality: Mapped[int | None]
    # Mood 0 (worst) - 10 (best).
    mood: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(String(1000))
    # The client's own id: a retried upload does not add the entry twice.
    client_id: Mapped[str | None] = mapped_column(String(128))
