"""The outbox: enqueue a notification once per key; send what is due, each row by one worker.

Claiming is a conditional UPDATE (`… WHERE id IN (…) AND status = 'pending' AND due`) that
stamps a random claim token: on PostgreSQL a second worker's UPDATE waits for the first and
then finds the row no longer pending; SQLite serialises writers. Either way each row is claimed
by exactly one worker, which then sends it and records the outcome under its token.

Delivery is at most once: a row left claimed by a worker that stopped mid-send is marked failed
after the claim lease, not resent — the message may already have gone out.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from painpath.config import Settings
from painpath.kit.clock import utcnow
from painpath.models.notification import OutboxMessage, OutboxStatus
from painpath.services.notify.message import Notification, Sender, SendError

logger = logging.getLogger(__name__)

MAX_KEY_LENGTH = 200
MAX_SUBJECT_LENGTH = 300
MAX_BODY_CHARS = 100_000
MAX_ERROR_CHARS = 1000


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    retry_seconds: int = 60
    claim_lease_seconds: int = 600

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max_attempts=settings.notify_max_attempts,
            retry_seconds=settings.notify_retry_seconds,
            claim_lease_seconds=settings.notify_claim_lease_seconds,
        )

    def delay(self, attempts: int) -> timedelta:
        """Wait before the next attempt, doubling from retry_seconds (capped at a day)."""
        return timedelta(seconds=min(self.retry_seconds * 2 ** max(attempts - 1, 0), 86_400))


@dataclass(slots=True)
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    abandoned: int = 0
    errors: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "abandoned": self.abandoned,
            "errors": dict(self.errors),
        }


def enqueue(
    session: Session,
    *,
    key: str,
    recipient: str,
    subject: str,
    body: str,
    calendar: str | None = None,
    patient_id: int | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Store a notification unless one with `key` exists; True when this call stored it.

    Race-free on both backends (INSERT … ON CONFLICT DO NOTHING), inside the caller's
    transaction: the message exists exactly when the change that caused it commits.
    """
    _check_text("key", key, MAX_KEY_LENGTH)
    _check_text("recipient", recipient, 320)
    _check_text("subject", subject, MAX_SUBJECT_LENGTH)
    if len(body) > MAX_BODY_CHARS:
        raise ValueError(f"body: longer than {MAX_BODY_CHARS} characters")
    if "@" not in recipient:
        raise ValueError("recipient: not an e-mail address")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {
        "idempotency_key": key,
        "recipient": recipient,
        "subject": subject,
        "body": body,
        "calendar": calendar,
        "patient_id": patient_id,
        "status": OutboxStatus.pending,
        "attempts": 0,
        "next_attempt_at": not_before or utcnow(),
        "created_at": utcnow(),
    }
    statement = (
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(OutboxMessage.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def withdraw(session: Session, keys: Iterable[str]) -> int:
    """Withdraw notifications not yet claimed (e.g. reminders of a cancelled visit)."""
    wanted = list(keys)
    if not wanted:
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.idempotency_key.in_(wanted),
            OutboxMessage.status == OutboxStatus.pending,
        )
        .values(status=OutboxStatus.withdrawn)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def send_pending(
    session_factory: sessionmaker[Session],
    sender: Sender,
    *,
    policy: RetryPolicy | None = None,
    batch_size: int = 50,
    now: datetime | None = None,
) -> SendReport:
    """Send every due notification (up to batch_size), one claimed row at a time."""
    policy = policy or RetryPolicy()
    moment = now or utcnow()
    report = SendReport()
    report.abandoned = _abandon_stale_claims(session_factory, policy, moment)
    token, claimed = _claim(session_factory, batch_size, moment)
    for row in claimed:
        notification = Notification(
            key=row.idempotency_key,
            recipient=row.recipient,
            subject=row.subject,
            body=row.body,
            calendar=row.calendar,
        )
        try:
            sender.send(notification)
        except SendError as error:
            reason = str(error)[:MAX_ERROR_CHARS]
            report.errors[row.idempotency_key] = reason
            give_up = error.permanent or row.attempts >= policy.max_attempts
            _record(
                session_factory,
                row.id,
                token,
                status=OutboxStatus.failed if give_up else OutboxStatus.pending,
                last_error=reason,
                next_attempt_at=None if give_up else moment + policy.delay(row.attempts),
            )
            if give_up:
                report.failed += 1
            else:
                report.retrying += 1
            logger.warning("notification %s not sent: %s", row.idempotency_key, reason)
            continue
        _record(session_factory, row.id, token, status=OutboxStatus.sent, sent_at=utcnow())
        report.sent += 1
    return report


def _claim(
    session_factory: sessionmaker[Session], batch_size: int, moment: datetime
) -> tuple[str, list[OutboxMessage]]:
    token = secrets.token_hex(16)
    due = (OutboxMessage.status == OutboxStatus.pending, OutboxMessage.next_attempt_at <= moment)
    with session_factory() as session, session.begin():
        ids = list(
            session.scalars(
                select(OutboxMessage.id)
                .where(*due)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(batch_size)
            )
        )
        if ids:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), *due)
                .values(
                    status=OutboxStatus.sending,
                    claim_token=token,
                    claimed_at=moment,
                    attempts=OutboxMessage.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
    with session_factory() as session:
        rows = list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.claim_token == token)
                .order_by(OutboxMessage.id)
            )
        )
        session.expunge_all()
    return token, rows


def _record(
    session_factory: sessionmaker[Session],
    row_id: int,
    token: str,
    *,
    status: OutboxStatus,
    last_error: str | None = None,
    next_attempt_at: datetime | None = None,
    sent_at: datetime | None = None,
) -> None:
    values: dict[str, object] = {"status": status, "claim_token": None}
    if last_error is not None:
        values["last_error"] = last_error
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    if sent_at is not None:
        values["sent_at"] = sent_at
    with session_factory() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row_id,
                OutboxMessage.claim_token == token,
                OutboxMessage.status == OutboxStatus.sending,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _abandon_stale_claims(
    session_factory: sessionmaker[Session], policy: RetryPolicy, moment: datetime
) -> int:
    cutoff = moment - timedelta(seconds=policy.claim_lease_seconds)
    with session_factory() as session, session.begin():
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.sending,
                OutboxMessage.claimed_at < cutoff,
            )
            .values(
                status=OutboxStatus.failed,
                claim_token=None,
                last_error=(
                    "interrupted while sending; delivery unknown, not retried so that it is "
                    "never sent twice"
                ),
            )
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def _check_text(name: str, value: str, limit: int) -> None:
    if not value or len(value) > limit:
        raise ValueError(f"{name}: must be 1 to {limit} characters")
    if any(ch in value for ch in "\r\n\x00"):
        raise ValueError(f"{name}: must not contain line breaks")
