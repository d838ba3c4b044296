"""The clinician's pain summary page: conditions, medicines with MME, opioid alerts, PGx, risk
factors, latest scores, care plan and the charts (drawn by static/charts.js from the JSON route
`/api/patients/{id}/pain-summary/charts`; the same numbers are on the page as tables)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from painpath.auth.permissions import Permission
from painpath.services.access import PatientAccess
from painpath.services.pain_summary import charts
from painpath.services.pain_summary.summary import pain_summary, summary_charts
from painpath.web.deps import SessionDep, access
from painpath.web.ui.alert_rows import alert_row
from painpath.web.ui.chart_tables import chart_tables
from painpath.web.ui.deps import ViewerDep
from painpath.web.ui.formatting import age_in_years, number, sig_text
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import render

router = APIRouter(route_class=UIRoute)

#: Clinicians and pharmacists on the patient's care team; patients and admins are refused.
Reader = Annotated[PatientAccess, access(Permission.alert_manage, "PainSummary")]
SECTIONS = (
    "conditions, medicines and MME, opioid alerts, pharmacogenomics, risk factors, scores, "
    "alerts, care plan, charts"
)


@router.get("/patients/{patient_id}/pain-summary")
def pain_summary_page(
    request: Request,
    grant: Reader,
    viewer: ViewerDep,
    session: SessionDep,
    days: Annotated[int, Query(ge=charts.MIN_DAYS, le=charts.MAX_DAYS)] = charts.DEFAULT_DAYS,
) -> Response:
    summary = pain_summary(session, grant)
    data = summary_charts(session, grant, days)
    grant.event.detail = f"pain summary page ({days} days): {SECTIONS}"
    return render(
        request,
        "pain_summary.html",
        viewer=viewer,
        patient=grant.patient,
        summary=summary,
        alerts=[alert_row(alert, grant.actor) for alert in summary.alerts],
        charts=chart_tables(data),
        days=days,
        day_choices=(30, 90, 180, 365),
        age=age_in_years(grant.patient.birth_date, summary.today),
        sig=sig_text,
        number=number,
    )
