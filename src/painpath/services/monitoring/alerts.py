"""Monitoring alerts in the record: store what the rules raise (deduplicated), list them per
patient and across a clinician's panel, and move them through their lifecycle."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from painpath import audit
from painpath.audit.context import RequestContext
from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.auth.scope import in_scope
from painpath.kit.clock import utcnow
from painpath.kit.pagination import PageRequest
from painpath.models.alert import Alert, AlertSeverity, AlertStatus
from painpath.models.patient import Patient
from painpath.monitoring.alerts import AlertCandidate
from painpath.monitoring.alerts.lifecycle import ALLOWED
from painpath.monitoring.alerts.lifecycle import AlertStatus as Lifecycle
from painpath.services.access import PatientAccess
from painpath.services.errors import AccessDenied, Conflict, NotFound
from painpath.services.paging import page_with_total


def _open_alert(session: Session, patient_id: int, dedup_key: str) -> Alert | None:
    return session.scalar(
        select(Alert).where(Alert.patient_id == patient_id, Alert.active_key == dedup_key)
    )


def _insert(session: Session, alert: Alert) -> bool:
    """Add the alert; False when a concurrent transaction opened the same key first."""
    if session.get_bind().dialect.name != "postgresql":
        # SQLite serializes writers: the lookup before this insert already saw every open alert.
        session.add(alert)
        session.flush()
        return True
    try:
        with session.begin_nested():
            session.add(alert)
    except IntegrityError:
        return False
    return True


def raise_alerts(
    session: Session,
    patient: Patient,
    candidates: Iterable[AlertCandidate],
    *,
    actor: Actor | None = None,
) -> list[Alert]:
    """Open an alert for each candidate whose dedup key has no unresolved alert; the new ones.

    Runs in the caller's transaction, so an alert raised by a write commits with it.
    """
    opened: list[Alert] = []
    for candidate in candidates:
        if _open_alert(session, patient.id, candidate.dedup_key) is not None:
            continue
        alert = Alert(
            patient_id=patient.id,
            rule_id=candidate.rule_id,
            severity=AlertSeverity(candidate.severity.value),
            dedup_key=candidate.dedup_key,
            active_key=candidate.dedup_key,
            title=candidate.title,
            message=candidate.message,
            evidence=dict(candidate.evidence),
            window_start=candidate.window_start,
            window_end=candidate.window_end,
            status=AlertStatus.open,
        )
        if not _insert(session, alert):
            continue
        audit.record(
            session,
            actor=actor,
            action="create",
            resource_type="Alert",
            patient_id=patient.id,
            resource_id=alert.id,
            detail=f"raised by rule {candidate.rule_id}",
        )
        opened.append(alert)
    return opened


def list_alerts(
    session: Session,
    *,
    access: PatientAccess,
    page: PageRequest,
    status: AlertStatus | None = None,
) -> tuple[list[Alert], int]:
    query = select(Alert).where(Alert.patient_id == access.patient_id)
    if status is not None:
        query = query.where(Alert.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Alert.created_at.desc(), Alert.id.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return list(rows), total


def _audit_each(session: Session, actor: Actor, alerts: list[Alert], action: str) -> None:
    for alert in alerts:
        audit.record(
            session,
            actor=actor,
            action=action,
            resource_type="Alert",
            patient_id=alert.patient_id,
            resource_id=alert.id,
        )


def list_panel_alerts(
    session: Session,
    *,
    actor: Actor,
    page: PageRequest,
    status: AlertStatus | None = None,
) -> tuple[list[Alert], int]:
    """Alerts of every patient on the actor's care teams (a patient: their own), newest first."""
    if not actor.can(Permission.observation_read):
        raise AccessDenied("you may not read monitoring alerts")
    query = select(Alert).where(in_scope(Alert.patient_id, actor))
    if status is not None:
        query = query.where(Alert.status == status)
    ordered = query.order_by(Alert.created_at.desc(), Alert.id.desc())
    rows, total = page_with_total(session, ordered, page)
    _audit_each(session, actor, rows, "search")
    return rows, total


def latest_alert_id(session: Session) -> int:
    """The newest alert id of all: where a live feed without a resume point starts."""
    return int(session.scalar(select(func.max(Alert.id))) or 0)


def alerts_for_feed(
    session: Session, *, actor: Actor, floor: int, after: int, recent_since: datetime
) -> list[Alert]:
    """Alerts in the actor's scope above `floor`: those after `after`, and those created since
    `recent_since` (which catches an alert whose transaction committed after a later one's).

    The caller drops the ones it already sent; each one returned is audited as read.
    """
    if not actor.can(Permission.observation_read):
        raise AccessDenied("you may not read monitoring alerts")
    query = (
        select(Alert)
        .where(in_scope(Alert.patient_id, actor), Alert.id > floor)
        .where(or_(Alert.id > after, Alert.created_at >= recent_since))
        .order_by(Alert.id)
        .limit(500)
    )
    return list(session.scalars(query))


def alerts_after(
    session: Session, *, floor: int, after: int, recent_since: datetime, limit: int
) -> list[Alert]:
    """Every patient's alerts above `floor`, after `after` or created since `recent_since`.

    Only for a server process's alert-stream hub (web.alert_signal), which reads new alerts
    once for all its streams and hands each one only to the streams whose caller may see it
    (`auth.scope.may_see`), auditing each delivery with `audit_delivery`.
    """
    query = (
        select(Alert)
        .where(Alert.id > floor)
        .where(or_(Alert.id > after, Alert.created_at >= recent_since))
        .order_by(Alert.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def audit_delivery(
    session: Session,
    *,
    actor: Actor,
    alerts: list[Alert],
    context: RequestContext | None = None,
    detail: str | None = None,
) -> None:
    """Audit each alert sent to `actor` as a read; `context`: the request it was sent on, when
    the sending runs outside it (the stream hub's thread)."""
    for alert in alerts:
        draft = audit.record(
            session,
            actor=actor,
            action="read",
            resource_type="Alert",
            patient_id=alert.patient_id,
            resource_id=alert.id,
            detail=detail,
        )
        draft.context = context


def _own(session: Session, access: PatientAccess, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None or alert.patient_id != access.patient_id:
        raise NotFound(f"alert {alert_id} not found for patient {access.patient_id}")
    return alert


def _move(alert: Alert, to: AlertStatus) -> None:
    if Lifecycle(to.value) not in ALLOWED[Lifecycle(alert.status.value)]:
        raise Conflict(f"alert {alert.id} is {alert.status.value}: it cannot be {to.value}")


def acknowledge(session: Session, *, access: PatientAccess, alert_id: int) -> Alert:
    """Someone on the care team has seen the alert and is on it."""
    alert = _own(session, access, alert_id)
    _move(alert, AlertStatus.acknowledged)
    alert.status = AlertStatus.acknowledged
    alert.acknowledged_at = utcnow()
    alert.acknowledged_by = access.actor.user_id
    session.flush()
    return alert


def resolve(
    session: Session, *, access: PatientAccess, alert_id: int, note: str | None = None
) -> Alert:
    """Resolve (from open or acknowledged); the dedup key is free again for a new episode."""
    alert = _own(session, access, alert_id)
    _move(alert, AlertStatus.resolved)
    alert.status = AlertStatus.resolved
    alert.active_key = None
    alert.resolved_at = utcnow()
    alert.resolved_by = access.actor.user_id
    if note:
        alert.resolution_note = note
    session.flush()
    return alert
