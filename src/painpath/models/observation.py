"""FHIR Observation: pain scores, vitals, activity and sleep from wearables, lab values."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.enums import str_enum
from painpath.models.mixins import PatientOwned
from painpath.models.recorded_by import Recorded


class ObservationStatus(StrEnum):
    registered = "registered"
    preliminary = "preliminary"
    final = "final"
    amended = "amended"
    entered_in_error = "entered-in-error"


class Observation(PatientOwned, Recorded, Base):
    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("patient_id", "client_id"),
        Index("ix_observations_patient_code_time", "patient_id", "loinc_code", "effective_at"),
        CheckConstraint("value IS NOT NULL OR value_text IS NOT NULL", name="has_value"),
        CheckConstraint(
            "effective_end IS NULL OR effective_end >= effective_at", name="end_after_start"
        ),
        CheckConstraint(
            "modality IS NULL OR modality IN ('sensed', 'self-reported')", name="modality"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[ObservationStatus] = mapped_column(
        str_enum(ObservationStatus, "observation_status")
    )
    # FHIR observation-category code: vital-signs, activity, survey, laboratory, …
    # A patient's own entry is never "laboratory" (painpath.services.recording).
    category: Mapped[str] = mapped_column(String(32))
    loinc_code: Mapped[str] = mapped_column(String(16))
    display: Mapped[str] = mapped_column(String(200))
    value: Mapped[float | None]
    value_text: Mapped[str | None] = mapped_column(String(500))
    # UCUM unit of `value`.
    unit: Mapped[str | None] = mapped_column(String(32))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    effective_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Device or app that produced it (e.g. "Apple Watch", "diary"), for deduplication views.
    source_device: Mapped[str | None] = mapped_column(String(100))
    # Open mHealth acquisition modality: "sensed" (a device measured it) or "self-reported";
    # None when the source did not say. RPM device codes count sensed data only.
    modality: Mapped[str | None] = mapped_column(String(16))
    # The client's own id: a retried upload does not add the reading twice.
    client_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
