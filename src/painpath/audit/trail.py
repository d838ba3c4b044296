"""Record audit events alongside the unit of work they describe.

Events are drafted in `session.info` and written by the transaction that owns the session:
with the data on commit (so a rolled-back write leaves no "success" behind), and on their own
after a rollback, where a drafted success becomes a failure and a denial stays a denial. The
denial of an unauthorized request is therefore never lost with its transaction.

On PostgreSQL the rows go to `audit_events_unchained` in the same transaction as the data and
are appended to the hash chain (painpath.audit.chain) right after the commit, by
`painpath.audit.chaining` (its docstring says why). On SQLite they are appended in the same
transaction, under the database's write lock, which serialises writers anyway: an UPDATE of
the chain's head that returns it takes the lock and reads the head in one round trip, and
`write_pending` runs as the last statements before COMMIT, so the lock is held for the
chain's three statements and the commit only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Engine, Integer, String, Table, bindparam, insert, text, update
from sqlalchemy.orm import Session

from painpath.audit.chaining import CONTENT, HEAD_ROW_ID, chain_after_commit, link
from painpath.audit.context import RequestContext, request_context
from painpath.auth.actor import Actor
from painpath.kit.clock import utcnow
from painpath.models.audit_event import (
    AuditChainHead,
    AuditEvent,
    AuditEventUnchained,
    AuditOutcome,
)

_PENDING = "painpath_audit_pending"
_ACTOR = "painpath_audit_actor"
#: Set when the transaction queued events to chain after its commit (PostgreSQL).
_QUEUED = "painpath_audit_queued"

ACTION_BY_METHOD = {
    "GET": "read",
    "HEAD": "read",
    "POST": "create",
    "PUT": "update",
    "PATCH": "update",
    "DELETE": "delete",
}


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
    #: Where the event came from, when not the current request (summary rows).
    context: RequestContext | None = None


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


def note_actor(session: Session, actor: Actor) -> None:
    """Remember who is calling, for a refusal that no service audited itself."""
    session.info[_ACTOR] = actor


def record_refusal(session: Session, *, reason: str) -> None:
    """Draft a denial for a refused request, unless a denial is drafted already.

    For refusals raised before any service drafted one: no or an invalid token, a failed
    CSRF check, a role without the permission. The reason is the refusal's own message,
    which never carries the credentials it refused.
    """
    drafts: list[AuditDraft] = session.info.get(_PENDING, [])
    if any(draft.outcome is AuditOutcome.denied for draft in drafts):
        return
    method = (request_context.get().http_method or "").upper()
    record(
        session,
        actor=session.info.get(_ACTOR),
        action=ACTION_BY_METHOD.get(method, method.lower() or "request"),
        resource_type="Request",
        patient_id=None,
        outcome=AuditOutcome.denied,
        detail=reason,
    )


def write_pending(session: Session) -> int:
    """Write the drafted events in this transaction (call right before commit): appended to
    the chain on SQLite, queued to be chained after the commit on PostgreSQL.

    The drafts stay in `session.info` until `after_commit` after a successful commit, so a
    commit that fails still leaves them for `persist_after_failure`.
    """
    drafts: list[AuditDraft] = session.info.get(_PENDING, [])
    return _append(session, drafts)


def after_commit(session: Session) -> None:
    """The transaction that wrote the drafts committed: forget them, and have the events it
    queued (PostgreSQL) chained."""
    session.info.pop(_PENDING, None)
    session.info.pop(_ACTOR, None)
    _chain_queued(session)


def _chain_queued(session: Session) -> None:
    if session.info.pop(_QUEUED, False):
        bind = session.get_bind()
        chain_after_commit(bind if isinstance(bind, Engine) else bind.engine)


def persist_after_failure(session: Session, error: BaseException) -> int:
    """After a rollback: write the drafted events in a fresh transaction, successes as failures."""
    drafts: list[AuditDraft] = session.info.pop(_PENDING, [])
    session.info.pop(_ACTOR, None)
    if not drafts:
        return 0
    reason = _describe(error)
    for draft in drafts:
        if draft.outcome is AuditOutcome.success:
            draft.outcome = AuditOutcome.failure
            draft.detail = reason
    written = _append(session, drafts)
    session.commit()
    _chain_queued(session)
    return written


def _describe(error: BaseException) -> str:
    status = getattr(error, "status_code", None)
    text = f"{type(error).__name__}" + (f" {status}" if status else "")
    return text[:500]


def _admitted(drafts: list[AuditDraft]) -> list[AuditDraft]:
    """The drafts to write: anonymous denials over the web app's bound become counts."""
    context = request_context.get()
    throttle = context.denial_throttle
    if throttle is None:
        return list(drafts)
    now = utcnow()
    kept = [
        draft
        for draft in drafts
        if draft.actor is not None
        or draft.outcome is not AuditOutcome.denied
        or throttle.admit(context.client_address, now)
    ]
    if kept:
        # Summaries of ended minutes ride along with the next row that is written anyway.
        kept.extend(
            AuditDraft(
                actor=None,
                action="suppress",
                resource_type="AuditEvent",
                patient_id=None,
                outcome=AuditOutcome.denied,
                detail=summary.describe(throttle.per_address),
                context=RequestContext(client_address=summary.client_address),
            )
            for summary in throttle.take_due(now)
        )
    return kept


_EVENTS = cast("Table", AuditEvent.__table__)
_HEAD = cast("Table", AuditChainHead.__table__)
_IS_HEAD = _HEAD.c.id == HEAD_ROW_ID
# Built once: Core statements hit the compiled cache (the ORM's per-call cost tripled that of
# an audited request on SQLite).
# SQLite: the UPDATE takes the database's write lock and RETURNING reads the head under it:
# one round trip, not two (SQLite 3.35+).
_LOCK_AND_READ_HEAD = (
    update(_HEAD)
    .where(_IS_HEAD)
    .values(event_id=_HEAD.c.event_id)
    .returning(_HEAD.c.event_id, _HEAD.c.event_hash)
)
_MOVE_HEAD = (
    update(_HEAD)
    .where(_IS_HEAD)
    .values(event_id=bindparam("head_id"), event_hash=bindparam("head_hash"))
)
_INSERT_EVENTS = insert(_EVENTS)
_UNCHAINED = cast("Table", AuditEventUnchained.__table__)


def _record_type(name: str) -> str:
    column_type = _UNCHAINED.c[name].type
    if isinstance(column_type, Integer):
        return "BIGINT"
    if isinstance(column_type, String):
        return "TEXT"  # the insert's assignment refuses a value longer than the column
    return "TIMESTAMPTZ"


#: PostgreSQL: a transaction's events queued by one statement of fixed text whatever their
#: number: one JSON array of the rows, expanded by `json_to_recordset` in order. A multi-row
#: VALUES (a panel load audits ~50 patients: ~700 parameters) is too long for psycopg's query
#: cache: its text was parsed again on every call, and it can never be prepared (issue 15). A
#: column of arrays per field (the previous form) spent 5 % of a server's Python time in
#: psycopg's list dumper; `json.dumps` is one call in C.
_QUEUE_EVENTS = text(
    f"INSERT INTO audit_events_unchained ({', '.join(CONTENT)}) "
    f"SELECT {', '.join(CONTENT)} FROM ROWS FROM (json_to_recordset(CAST(:rows AS json)) AS ("
    + ", ".join(f"{name} {_record_type(name)}" for name in CONTENT)
    + f")) WITH ORDINALITY AS queued({', '.join(CONTENT)}, position) ORDER BY position"
)


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"an audit field of type {type(value).__name__} has no JSON form")


def queue_parameters(rows: list[dict[str, Any]]) -> dict[str, str]:
    """`_QUEUE_EVENTS`'s one parameter: the rows (each with every `CONTENT` field) as JSON."""
    return {"rows": json.dumps(rows, default=_json_value, ensure_ascii=False)}


def _append(session: Session, drafts: list[AuditDraft]) -> int:
    rows = [_to_row(draft) for draft in _admitted(drafts)]
    if not rows:
        return 0
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Queued in this transaction, chained after its commit (painpath.audit.chaining).
        connection.execute(_QUEUE_EVENTS, queue_parameters(rows))
        session.info[_QUEUED] = True
        return len(rows)
    moved_head = link(
        rows, cast("tuple[int, str] | None", connection.execute(_LOCK_AND_READ_HEAD).one_or_none())
    )
    connection.execute(_INSERT_EVENTS, rows)
    connection.execute(_MOVE_HEAD, moved_head)
    return len(rows)


def _to_row(draft: AuditDraft) -> dict[str, Any]:
    context = draft.context or request_context.get()
    actor = draft.actor
    return {
        "recorded_at": draft.recorded_at,
        "user_id": actor.user_id if actor else None,
        "username": actor.username if actor else None,
        "role": actor.role.value if actor else None,
        "patient_id": draft.patient_id,
        "action": draft.action,
        "resource_type": draft.resource_type,
        "resource_id": draft.resource_id,
        "outcome": draft.outcome.value,
        "detail": draft.detail,
        "http_method": context.http_method,
        "path": context.path,
        "client_address": context.client_address,
        "request_id": context.request_id,
    }
