"""Acknowledge and resolve a monitoring alert from a page: CSRF-checked form posts through the
shared patient gate (`alert:manage`), then back to the page the button was on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from painpath.auth.permissions import Permission
from painpath.models.alert import Alert
from painpath.models.audit_event import AuditOutcome
from painpath.schemas.base import MAX_ROW_ID
from painpath.services.access import PatientAccess
from painpath.services.errors import Conflict
from painpath.services.monitoring import alerts as monitoring_alerts
from painpath.web.deps import SessionDep
from painpath.web.ui.deps import safe_next
from painpath.web.ui.form_access import form_access
from painpath.web.ui.routing import UIRoute

router = APIRouter(route_class=UIRoute)

ALERT = "/patients/{patient_id}/alerts/{alert_id}"
MAX_NOTE = 1000
AlertId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Manager = Annotated[PatientAccess, form_access(Permission.alert_manage, "Alert", "update")]
NextPath = Annotated[str, Form(alias="next", max_length=300)]


def _back(request: Request, grant: PatientAccess, next_path: str, message: str) -> Response:
    request.session["flash"] = message
    target = safe_next(next_path) or f"/patients/{grant.patient_id}#monitoring"
    return RedirectResponse(target, status_code=303)


def _change(
    request: Request,
    session: Session,
    grant: PatientAccess,
    next_path: str,
    change: Callable[[], Alert],
    done: str,
) -> Response:
    try:
        alert = change()
    except Conflict as refusal:
        session.rollback()
        grant.event.outcome = AuditOutcome.failure
        grant.event.detail = f"refused: {refusal.detail}"
        return _back(request, grant, next_path, f"Nothing changed: {refusal.detail}.")
    grant.event.detail = f"alert {done}"
    return _back(request, grant, next_path, f"Alert {done}: {alert.title}.")


@router.post(ALERT + "/acknowledge")
def acknowledge(
    request: Request,
    alert_id: AlertId,
    grant: Manager,
    session: SessionDep,
    next_path: NextPath = "",
) -> Response:
    """Someone on the care team has seen the alert and is on it."""
    return _change(
        request,
        session,
        grant,
        next_path,
        lambda: monitoring_alerts.acknowledge(session, access=grant, alert_id=alert_id),
        "acknowledged",
    )


@router.post(ALERT + "/resolve")
def resolve(
    request: Request,
    alert_id: AlertId,
    grant: Manager,
    session: SessionDep,
    next_path: NextPath = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Close the alert (from open or acknowledged), with an optional note."""
    text = note.strip()
    if len(text) > MAX_NOTE:
        grant.event.outcome = AuditOutcome.failure
        grant.event.detail = "refused: note too long"
        return _back(
            request,
            grant,
            next_path,
            f"Nothing changed: the resolution note can be at most {MAX_NOTE} characters.",
        )
    return _change(
        request,
        session,
        grant,
        next_path,
        lambda: monitoring_alerts.resolve(
            session, access=grant, alert_id=alert_id, note=text or None
        ),
        "resolved",
    )
