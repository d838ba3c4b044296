"""FHIR-shaped AuditEvent: who touched which patient's data, how, and with what outcome.

Rows are append-only: the ORM refuses updates and deletes, and database triggers
(created by the migration) refuse them too. Rows are hash-chained (painpath.audit.chain), and
`AuditChainHead` is the single row that names the newest event. On PostgreSQL a request's
events are committed first to `AuditEventUnchained` and chained right after the commit.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, event
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow


class AuditOutcome(StrEnum):
    success = "success"
    denied = "denied"
    failure = "failure"


class _AuditContent:
    """What an event says; the same columns in the trail and in its queue of unchained rows."""

    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # No foreign keys: the trail must outlive anything it refers to.
    user_id: Mapped[int | None]
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    patient_id: Mapped[int | None]
    # read, create, update, delete, search, login, logout, …
    action: Mapped[str] = mapped_column(String(32))
    resource_type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(String(500))
    http_method: Mapped[str | None] = mapped_column(String(8))
    path: Mapped[str | None] = mapped_column(String(300))
    client_address: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))


class AuditEvent(_AuditContent, Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    patient_id: Mapped[int | None] = mapped_column(index=True)
    # The hash chain: hex SHA-256 of the event before this one, and of this one (with it).
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    event_hash: Mapped[str | None] = mapped_column(String(64))


class AuditEventUnchained(_AuditContent, Base):
    """An event committed with its request's data, not yet appended to the chain (PostgreSQL).

    Requests insert here without touching the chain's head, so they never wait for each
    other's commits; `painpath.audit.chaining` moves the rows into `audit_events`, in this
    table's id order, right after those commits.
    """

    __tablename__ = "audit_events_unchained"

    id: Mapped[int] = mapped_column(primary_key=True)


class AuditChainHead(Base):
    """The newest chained event. Writers lock this one row before they append to the chain."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # 0 and the genesis hash while the trail is empty.
    event_id: Mapped[int]
    event_hash: Mapped[str] = mapped_column(String(64))


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit row."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(_mapper: object, _connection: object, target: AuditEvent) -> None:
    raise AuditTrailIsAppendOnly(f"audit event {target.id} cannot be changed or deleted")
