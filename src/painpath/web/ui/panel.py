"""A clinician's or pharmacist's panel: the patients on their care teams."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from painpath.kit.pagination import PageRequest
from painpath.services import patients
from painpath.web.deps import SessionDep
from painpath.web.ui.alerts_panel import alerts_panel
from painpath.web.ui.deps import ViewerDep
from painpath.web.ui.formatting import age_in_years
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import render

router = APIRouter(route_class=UIRoute)

PANEL_PAGE_SIZE = 20


def _page_link(search: str, page: int) -> str:
    query = {"q": search} if search else {}
    if page > 1:
        query["page"] = str(page)
    return "/panel" + (f"?{urlencode(query)}" if query else "")


@router.get("/panel")
def panel(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Search by name or MRN, a page at a time; every listed patient is audited as a search."""
    if viewer.is_patient:
        return RedirectResponse("/me", status_code=303)
    search = q.strip()
    request_page = PageRequest(limit=PANEL_PAGE_SIZE, offset=(page - 1) * PANEL_PAGE_SIZE)
    rows, total = patients.list_patients(
        session, actor=viewer.actor, page=request_page, search=search or None
    )
    pages = max((total + PANEL_PAGE_SIZE - 1) // PANEL_PAGE_SIZE, 1)
    today = date.today()
    return render(
        request,
        "panel.html",
        viewer=viewer,
        patients=[(patient, age_in_years(patient.birth_date, today)) for patient in rows],
        search=search,
        total=total,
        page=page,
        pages=pages,
        first_shown=request_page.offset + 1 if rows else 0,
        last_shown=request_page.offset + len(rows),
        previous_link=_page_link(search, page - 1) if page > 1 else None,
        next_link=_page_link(search, page + 1) if page < pages else None,
        alerts=alerts_panel(session, viewer),
    )
