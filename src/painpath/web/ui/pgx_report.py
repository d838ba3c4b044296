"""PGx pages: a patient's reports, each printable, and today's advice for their medicines.

The printable pages are the engine's own HTML report (`painpath.pgx.html.render_html`): one
self-contained document with print styles. Each page opens the patient through the same
`access(...)` dependency as the API, so a page view is audited like an API read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse

from painpath.auth.permissions import Permission
from painpath.kit.pagination import PageRequest
from painpath.pgx.html import render_html
from painpath.schemas.base import MAX_ROW_ID
from painpath.services.access import PatientAccess
from painpath.services.pgx import current as pgx_current
from painpath.services.pgx import uploads as pgx
from painpath.web.deps import SessionDep, access
from painpath.web.ui.deps import ViewerDep
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import render

router = APIRouter(route_class=UIRoute)

ReportReader = Annotated[PatientAccess, access(Permission.genotype_read, "PgxReport")]
GenotypeReader = Annotated[PatientAccess, access(Permission.genotype_read, "GenotypeResult")]
ReportId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
#: Reports listed on the index page (a patient has a handful; the API pages through all).
MAX_LISTED = 100


@router.get("/patients/{patient_id}/pgx")
def pgx_index(
    request: Request, grant: ReportReader, viewer: ViewerDep, session: SessionDep
) -> Response:
    """The patient's PGx reports, newest first, with a link to today's advice."""
    reports, total = pgx.list_reports(
        session, access=grant, page=PageRequest(limit=MAX_LISTED, offset=0)
    )
    grant.event.detail = "PGx report list page"
    return render(
        request,
        "pgx.html",
        viewer=viewer,
        patient=grant.patient,
        reports=reports,
        total=total,
    )


@router.get("/patients/{patient_id}/pgx/current")
def pgx_current_page(grant: GenotypeReader, session: SessionDep) -> Response:
    """Stored genotypes read against the active prescriptions, as a printable report."""
    current = pgx_current.current_pgx(session, access=grant)
    return HTMLResponse(render_html(current.document))


@router.get("/patients/{patient_id}/pgx/reports/{report_id}")
def pgx_report_page(report_id: ReportId, grant: ReportReader, session: SessionDep) -> Response:
    """One stored report, exactly as it was computed at upload, as a printable page."""
    report = pgx.get_report(session, access=grant, report_id=report_id)
    return HTMLResponse(render_html(report.report))
