"""A patient's own alert settings: threshold overrides per rule and a clinician-given pain
baseline. Validated against the alert rules (painpath.monitoring.alerts) before they are stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow


class AlertThresholdOverride(Base):
    __tablename__ = "alert_threshold_overrides"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    # {rule_id: {threshold: number}}, e.g. {"pain_worsening": {"points": 3}}.
    overrides: Mapped[dict[str, dict[str, float]]] = mapped_column(JSON, default=dict)
    # NRS 0-10 the clinician sets as the patient's baseline; None: the first full diary week.
    pain_baseline: Mapped[float | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
