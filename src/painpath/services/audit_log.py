"""Reading the audit trail (admins): who touched which record. Each read is audited too."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.kit.pagination import PageRequest
from painpath.models.audit_event import AuditEvent, AuditOutcome
from painpath.services.errors import AccessDenied


def list_events(
    session: Session,
    *,
    actor: Actor,
    page: PageRequest,
    patient_id: int | None = None,
    user_id: int | None = None,
    outcome: str | None = None,
) -> tuple[list[AuditEvent], int]:
    filters = ", ".join(
        f"{name}={value}"
        for name, value in (("patient_id", patient_id), ("user_id", user_id), ("outcome", outcome))
        if value is not None
    )
    if not actor.can(Permission.audit_read):
        audit.record(
            session,
            actor=actor,
            action="search",
            resource_type="AuditEvent",
            patient_id=patient_id,
            outcome=AuditOutcome.denied,
            detail=f"{Permission.audit_read.value} refused",
        )
        raise AccessDenied("you may not read the audit trail")
    audit.record(
        session,
        actor=actor,
        action="search",
        resource_type="AuditEvent",
        patient_id=patient_id,
        detail=f"audit trail read ({filters or 'no filter'}; offset {page.offset}, "
        f"limit {page.limit})",
    )
    query = select(AuditEvent)
    if patient_id is not None:
        query = query.where(AuditEvent.patient_id == patient_id)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if outcome is not None:
        query = query.where(AuditEvent.outcome == outcome)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AuditEvent.id.desc()).limit(page.limit).offset(page.offset)
    ).all()
    return list(rows), total
