"""Monitoring alerts: a patient's alerts, the clinician's panel-wide feed, acknowledge, resolve."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from painpath.auth.permissions import Permission
from painpath.models.alert import AlertStatus
from painpath.schemas.base import MAX_ROW_ID, Page
from painpath.schemas.monitoring_alerts import AlertAction, AlertRead
from painpath.services.access import PatientAccess
from painpath.services.monitoring import alerts as monitoring_alerts
from painpath.web.deps import HopActorDep, PageDep, SessionDep, access
from painpath.web.hop import one_hop

router = APIRouter(tags=["alerts"])

AlertId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Reader = Annotated[PatientAccess, access(Permission.observation_read, "Alert")]
Manager = Annotated[PatientAccess, access(Permission.alert_manage, "Alert")]
StatusFilter = Annotated[AlertStatus | None, Query(description="open, acknowledged or resolved")]
PATIENT_ALERTS = "/patients/{patient_id}/alerts"


def _page(rows: list[object], total: int, limit: int, offset: int) -> Page[AlertRead]:
    items = [AlertRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get(PATIENT_ALERTS, response_model=Page[AlertRead])
def list_alerts(
    grant: Reader, session: SessionDep, page: PageDep, status: StatusFilter = None
) -> Page[AlertRead]:
    rows, total = monitoring_alerts.list_alerts(session, access=grant, page=page, status=status)
    return _page(list(rows), total, page.limit, page.offset)


@router.post(PATIENT_ALERTS + "/{alert_id}/acknowledge", response_model=AlertRead)
def acknowledge(alert_id: AlertId, grant: Manager, session: SessionDep) -> AlertRead:
    """Someone on the care team has seen it and is on it (refused once acknowledged or resolved)."""
    alert = monitoring_alerts.acknowledge(session, access=grant, alert_id=alert_id)
    return AlertRead.model_validate(alert)


@router.post(PATIENT_ALERTS + "/{alert_id}/resolve", response_model=AlertRead)
def resolve(alert_id: AlertId, body: AlertAction, grant: Manager, session: SessionDep) -> AlertRead:
    """Close the alert, from open or acknowledged, with an optional note."""
    alert = monitoring_alerts.resolve(session, access=grant, alert_id=alert_id, note=body.note)
    return AlertRead.model_validate(alert)


@router.get("/monitoring/alerts", response_model=Page[AlertRead])
@one_hop
def panel_alerts(
    actor: HopActorDep, session: SessionDep, page: PageDep, status: StatusFilter = None
) -> Page[AlertRead]:
    """Alerts of every patient on the caller's care teams, newest first."""
    rows, total = monitoring_alerts.list_panel_alerts(
        session, actor=actor, page=page, status=status
    )
    return _page(list(rows), total, page.limit, page.offset)
