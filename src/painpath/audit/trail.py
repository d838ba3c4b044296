"""Record audit events alongside the unit of work they describe.

Events are drafted in `session.info` and written by the transaction that owns the session:
with the data on commit (so a rolled-back write leaves no "success" behind), and on their own
after a rollback, where a drafted success becomes a failure and a denial stays a denial. The
denial of an unauthorized request is therefore never lost with its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from painpath.audit.context import request_context
from painpath.auth.actor import Actor
from painpath.kit.clock import utcnow
from painpath.models.audit_event import AuditEvent, AuditOutcome

_PENDING = "painpath_audit_pending"


@dataclass(slots=True)
class AuditDraft:
    actor: Actor | None
    action: str
    resource_type: str
    patient_id: int | None
    resource_id: str | None = None
    outcome: AuditOutcome = AuditOutcome.success
    detail: str | None = None
    recorded_at: datetime = field(default_factory=utcnow)


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    resource_type: str,
    patient_id: int | None,
    resource_id: str | int | None = None,
    outcome: AuditOutcome = AuditOutcome.success,
    detail: str | None = None,
) -> AuditDraft:
    """Draft an event; it is written when the session's transaction ends, whichever way."""
    draft = AuditDraft(
        actor=actor,
        action=action,
        resource_type=resource_type,
        patient_id=patient_id,
        resource_id=None if resource_id is None else str(resource_id)[:64],
        outcome=outcome,
        detail=None if detail is None else detail[:500],
    )
    session.info.setdefault(_PENDING, []).append(draft)
    return draft


def write_pending(session: Session) -> int:
    """Add the drafted events to the session (call right before commit).

    The drafts stay in `session.info` until `clear_pending` after a successful commit, so a
    commit that fails still leaves them for `persist_after_failure`.
    """
    drafts: list[AuditDraft] = session.info.get(_PENDING, [])
    session.add_all(_to_row(draft) for draft in drafts)
    return len(drafts)


def clear_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def persist_after_failure(session: Session, error: BaseException) -> int:
    """After a rollback: write the drafted events in a fresh transaction, successes as failures."""
    drafts: list[AuditDraft] = session.info.pop(_PENDING, [])
    if not drafts:
        return 0
    reason = _describe(error)
    for draft in drafts:
        if draft.outcome is AuditOutcome.success:
            draft.outcome = AuditOutcome.failure
            draft.detail = reason
    session.add_all(_to_row(draft) for draft in drafts)
    session.commit()
    return len(drafts)


def _describe(error: BaseException) -> str:
    status = getattr(error, "status_code", None)
    text = f"{type(error).__name__}" + (f" {status}" if status else "")
    return text[:500]


def _to_row(draft: AuditDraft) -> AuditEvent:
    context = request_context.get()
    actor = draft.actor
    return AuditEvent(
        recorded_at=draft.recorded_at,
        user_id=actor.user_id if actor else None,
        username=actor.username if actor else None,
        role=actor.role.value if actor else None,
        patient_id=draft.patient_id,
        action=draft.action,
        resource_type=draft.resource_type,
        resource_id=draft.resource_id,
        outcome=draft.outcome.value,
        detail=draft.detail,
        http_method=context.http_method,
        path=context.path,
        client_address=context.client_address,
        request_id=context.request_id,
    )
