"""CDS Hooks bookkeeping: cards painpath issued, the feedback the EHR sent back, and snoozes.

An EHR patient is known by (client issuer, EHR patient id); `patient_id` is painpath's own
patient when an identifier on the EHR's Patient matched an MRN, else null.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow


class CdsIssuedCard(Base):
    """A card as issued, kept for a short while so that feedback can say what it was about."""

    __tablename__ = "cds_issued_cards"

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64))
    # Stable alert code (opioid engine code, or PGX_<DRUG> for pharmacogenomic advice).
    alert_code: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str] = mapped_column(String(255))
    ehr_patient_id: Mapped[str] = mapped_column(String(128))
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="SET NULL"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class CdsFeedback(Base):
    """One feedback item from `POST /cds-services/{id}/feedback`."""

    __tablename__ = "cds_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_uuid: Mapped[str] = mapped_column(String(36), index=True)
    service_id: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str] = mapped_column(String(255))
    # accepted or overridden
    outcome: Mapped[str] = mapped_column(String(16))
    accepted_suggestions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    override_reason_system: Mapped[str | None] = mapped_column(String(255))
    override_reason_code: Mapped[str | None] = mapped_column(String(64))
    user_comment: Mapped[str | None] = mapped_column(String(1000))
    outcome_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Null when the card is unknown (never issued, or pruned).
    alert_code: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="SET NULL"), index=True
    )


class CdsSnooze(Base):
    """An overridden alert kept quiet for one patient until `expires_at`."""

    __tablename__ = "cds_snoozes"
    __table_args__ = (
        Index("ix_cds_snoozes_patient_code", "issuer", "ehr_patient_id", "alert_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    ehr_patient_id: Mapped[str] = mapped_column(String(128))
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    alert_code: Mapped[str] = mapped_column(String(64))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    feedback_id: Mapped[int | None] = mapped_column(
        ForeignKey("cds_feedback.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class CdsSeenToken(Base):
    """A CDS client JWT already accepted: its `jti` is refused again until the token expires.

    In the database, not in memory, so a replay is refused by every worker process.
    """

    __tablename__ = "cds_seen_tokens"

    issuer: Mapped[str] = mapped_column(String(255), primary_key=True)
    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
