"""The dashboard's alerts panel: unresolved alerts of the viewer's patients, and the same list
as an HTML fragment that the page's script fetches when the live feed announces a new alert.

The list is read through `services.monitoring.views`, which keeps to the viewer's care teams
and audits every alert it lists.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from painpath.services.errors import AccessDenied
from painpath.services.monitoring import views as monitoring_views
from painpath.web.deps import SessionDep, ensure_csrf_token
from painpath.web.ui.alert_rows import AlertRow, alert_row
from painpath.web.ui.deps import ViewerDep
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import Viewer, templates

router = APIRouter(route_class=UIRoute)

FRAGMENT = "/panel/alerts"
STREAM = "/api/monitoring/alerts/stream"


@dataclass(frozen=True, slots=True)
class AlertsPanel:
    rows: list[AlertRow]
    truncated: bool
    stream: str = STREAM
    fragment: str = FRAGMENT

    @property
    def urgent(self) -> int:
        return sum(1 for row in self.rows if row.alert.severity.value == "urgent")


def alerts_panel(session: Session, viewer: Viewer) -> AlertsPanel | None:
    """The panel's alerts for clinicians and pharmacists; None for anyone else."""
    if not viewer.is_staff:
        return None
    found, truncated = monitoring_views.unresolved_panel_alerts(session, actor=viewer.actor)
    rows = [alert_row(item.alert, viewer.actor, item.patient) for item in found]
    return AlertsPanel(rows=rows, truncated=truncated)


@router.get(FRAGMENT)
def alerts_fragment(request: Request, viewer: ViewerDep, session: SessionDep) -> Response:
    """Just the alerts list, for the live panel to merge in without reloading the page."""
    panel = alerts_panel(session, viewer)
    if panel is None:
        raise AccessDenied("the alerts panel is for clinicians and pharmacists")
    # Not `render`: a fragment must not take the one-time flash meant for the next full page.
    return templates.TemplateResponse(
        request,
        "alerts_fragment.html",
        {"viewer": viewer, "csrf_token": ensure_csrf_token(request), "alerts": panel},
    )
