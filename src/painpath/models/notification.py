"""The notification outbox: messages waiting to be sent, sent, or given up on.

A use case writes its message into this table in its own transaction (so a message exists
exactly when the change that caused it was committed); a separate worker sends it. The
idempotency key is unique, so asking twice for the same notification (a reminder job run again
after a restart, two workers racing) stores one row, and a row is sent by one claimant only.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.enums import str_enum


class OutboxStatus(StrEnum):
    """pending: waiting (or waiting to retry); sending: claimed by a worker; sent; failed: given
    up (attempts used up, or interrupted mid-send and not retried so it is never sent twice);
    withdrawn: no longer wanted before it was sent (e.g. the visit was cancelled)."""

    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    withdrawn = "withdrawn"


class OutboxMessage(Base):
    __tablename__ = "notification_outbox"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_notification_outbox_status_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names the notification, e.g. "visit:42:reminder:24h"; one row per key, ever.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # An e-mail address.
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # Optional iCalendar (text/calendar) part sent with the message.
    calendar: Mapped[str | None] = mapped_column(Text)
    # The patient the message is about, if any (for erasure and audit; never shown to others).
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    # Not sent before this instant (retries back off).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The worker's claim: a random token, and when it was taken.
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
