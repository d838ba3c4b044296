"""Mobile sync bookkeeping: batches received, and the per-patient change log behind sync tokens.

Each patient has one change counter (`SyncSequence`). Every write to a synced record appends a
`SyncChange` with the next number; the counter row is locked by the writing transaction, so a
patient's changes commit in the order of their numbers and a reader never skips one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.mixins import PatientOwned


class SyncBatch(PatientOwned, Base):
    """A batch a mobile client posted, kept so that a retry gets the same answer."""

    __tablename__ = "sync_batches"
    __table_args__ = (UniqueConstraint("patient_id", "batch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The client's id for the whole batch.
    batch_id: Mapped[str] = mapped_column(String(128))
    # SHA-256 of the batch's canonical JSON: the same id with other content is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # The response as first sent.
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncSequence(Base):
    """The last change number handed out for one patient."""

    __tablename__ = "sync_sequences"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    last_seq: Mapped[int] = mapped_column(default=0)


class SyncChange(PatientOwned, Base):
    """One write to a synced record: which record, and whether it now exists."""

    __tablename__ = "sync_changes"
    __table_args__ = (UniqueConstraint("patient_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    # observation, pain_diary_entry, dose_log, questionnaire_response, …
    kind: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[int]
    # upsert or delete
    op: Mapped[str] = mapped_column(String(8))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
