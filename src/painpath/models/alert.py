"""Monitoring alerts raised for a patient, with their lifecycle: open → acknowledged → resolved.

Deduplication: `active_key` holds the rule's dedup key while the alert is not resolved and is
cleared when it is, so (patient_id, active_key) is unique among unresolved alerts on both
databases without a partial index (NULLs never collide).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.enums import str_enum
from painpath.models.mixins import PatientOwned


class AlertSeverity(StrEnum):
    """As the alert rules grade them (painpath.monitoring.alerts.Severity)."""

    urgent = "urgent"
    high = "high"
    moderate = "moderate"
    info = "info"


class AlertStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


class Alert(PatientOwned, Base):
    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("patient_id", "active_key"),
        Index("ix_alerts_patient_status", "patient_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable id of the rule that raised it, e.g. "PAIN_WORSENING", "PHQ9_ITEM9".
    rule_id: Mapped[str] = mapped_column(String(64))
    severity: Mapped[AlertSeverity] = mapped_column(str_enum(AlertSeverity, "alert_severity"))
    dedup_key: Mapped[str] = mapped_column(String(200))
    # dedup_key while open or acknowledged; NULL once resolved.
    active_key: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(String(2000))
    # What the rule saw (values, dates, thresholds), as the rule reported it.
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The patient's local days the rule looked at.
    window_start: Mapped[date | None]
    window_end: Mapped[date | None]
    status: Mapped[AlertStatus] = mapped_column(
        str_enum(AlertStatus, "alert_status"), default=AlertStatus.open
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution_note: Mapped[str | None] = mapped_column(String(1000))
