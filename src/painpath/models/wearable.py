"""Wearable imports: one row per imported file, and the device samples it held.

Samples are raw, high-volume device data (a year of Apple Health is over a million rows), kept
apart from `observations`; the importer writes each patient day's aggregates (steps, sleep,
resting heart rate, active minutes) as ordinary LOINC-coded Observations, which the alert
rules, the dashboard and FHIR export read.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.enums import str_enum
from painpath.models.mixins import PatientOwned


class WearableImportStatus(StrEnum):
    running = "running"  # batches are being written; a killed import stays here until rerun
    complete = "complete"


class WearableImport(PatientOwned, Base):
    """One file imported for one patient, keyed by its SHA-256: the same file twice adds
    nothing, and an import that was killed is completed by running it again."""

    __tablename__ = "wearable_imports"
    __table_args__ = (UniqueConstraint("patient_id", "file_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    importer: Mapped[str] = mapped_column(String(32))
    status: Mapped[WearableImportStatus] = mapped_column(
        str_enum(WearableImportStatus, "wearable_import_status")
    )
    # Samples read from the file, and how many of them were new (the rest were known ids).
    samples_read: Mapped[int] = mapped_column(default=0)
    samples_added: Mapped[int] = mapped_column(default=0)
    days_summarized: Mapped[int] = mapped_column(default=0)
    # What the importer skipped and why ({"unknown type …": 3}), and the file's own dates.
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who ran it (a user id), for the audit trail's cross-reference.
    started_by: Mapped[int | None]


class WearableSample(PatientOwned, Base):
    """One normalized device measurement (see painpath.monitoring.wearables.Sample)."""

    __tablename__ = "wearable_samples"
    __table_args__ = (
        UniqueConstraint("patient_id", "client_id"),
        Index("ix_wearable_samples_patient_metric_start", "patient_id", "metric", "start_at"),
        CheckConstraint("end_at >= start_at", name="end_after_start"),
        CheckConstraint("modality IN ('sensed', 'self-reported')", name="modality"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("wearable_imports.id", ondelete="SET NULL")
    )
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[float]
    unit: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The UTC offset the device wrote, in minutes; None when it gave UTC only.
    utc_offset_minutes: Mapped[int | None]
    source_name: Mapped[str] = mapped_column(String(100))
    device: Mapped[str | None] = mapped_column(String(255))
    source_kind: Mapped[str] = mapped_column(String(8))
    modality: Mapped[str] = mapped_column(String(16))
    sleep_stage: Mapped[str | None] = mapped_column(String(24))
    loinc_code: Mapped[str | None] = mapped_column(String(16))
    client_id: Mapped[str] = mapped_column(String(64))


class WearableDay(PatientOwned, Base):
    """One patient day's aggregates, in the patient's time zone (monitoring.wearables.daily)."""

    __tablename__ = "wearable_days"
    __table_args__ = (UniqueConstraint("patient_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    steps: Mapped[float | None]
    active_minutes: Mapped[float | None]
    active_energy_kcal: Mapped[float | None]
    distance_m: Mapped[float | None]
    sleep_minutes: Mapped[float | None]
    in_bed_minutes: Mapped[float | None]
    resting_heart_rate: Mapped[float | None]
    heart_rate_samples: Mapped[int] = mapped_column(default=0)
    # Source kinds that gave steps and heart rate that day ("watch", "phone", "other").
    step_sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    heart_rate_sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("wearable_imports.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
