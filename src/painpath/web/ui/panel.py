"""A clinician's or pharmacist's panel: the patients on their care teams, searchable, filtered
(open alerts, high MME, overdue questionnaires, no data for 3 days) and sorted by risk (the
order is defined in services.pain_summary.panel)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from painpath.services.pain_summary.panel import MmeFilter, PanelFilters, PanelSort, panel
from painpath.web.deps import SessionDep
from painpath.web.ui.alerts_panel import alerts_panel
from painpath.web.ui.deps import ViewerDep
from painpath.web.ui.formatting import age_in_years
from painpath.web.ui.local_time import patient_zone, short_local
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import render

router = APIRouter(route_class=UIRoute)

PANEL_PAGE_SIZE = 20


def _query(search: str, sort: PanelSort, filters: PanelFilters, page: int = 1) -> dict[str, str]:
    query: dict[str, str] = {}
    if search:
        query["q"] = search
    if sort is not PanelSort.risk:
        query["sort"] = sort.value
    if filters.open_alerts:
        query["alerts"] = "1"
    if filters.mme is not None:
        query["mme"] = filters.mme.value
    if filters.overdue:
        query["overdue"] = "1"
    if filters.no_recent_data:
        query["stale"] = "1"
    if page > 1:
        query["page"] = str(page)
    return query


def _link(query: dict[str, str]) -> str:
    return "/panel" + (f"?{urlencode(query)}" if query else "")


@router.get("/panel")
def panel_page(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    sort: Annotated[PanelSort, Query(description="risk (default) or name")] = PanelSort.risk,
    alerts: Annotated[bool, Query(description="only patients with open alerts")] = False,
    mme: Annotated[
        str,
        Query(pattern=r"^(|50|90)$", description="total MME/day at least 50 or 90; empty: any"),
    ] = "",
    overdue: Annotated[
        bool, Query(description="only patients with an overdue questionnaire")
    ] = False,
    stale: Annotated[bool, Query(description="only patients with no data for 3 days")] = False,
) -> Response:
    """Search by name or MRN, filter, sort by risk, a page at a time; every listed patient is
    audited as a search."""
    if viewer.is_patient:
        return RedirectResponse("/me", status_code=303)
    search = q.strip()
    filters = PanelFilters(
        open_alerts=alerts,
        mme=MmeFilter(mme) if mme else None,
        overdue=overdue,
        no_recent_data=stale,
    )
    found = panel(
        session,
        actor=viewer.actor,
        search=search or None,
        filters=filters,
        sort=sort,
        offset=(page - 1) * PANEL_PAGE_SIZE,
        limit=PANEL_PAGE_SIZE,
    )
    total = found.total
    pages = max((total + PANEL_PAGE_SIZE - 1) // PANEL_PAGE_SIZE, 1)
    today = date.today()
    first = (page - 1) * PANEL_PAGE_SIZE
    return render(
        request,
        "panel.html",
        viewer=viewer,
        rows=[
            (
                row,
                age_in_years(row.patient.birth_date, today),
                short_local(row.last_data_at, patient_zone(row.patient.time_zone))
                if row.last_data_at
                else None,
            )
            for row in found.rows
        ],
        truncated=found.truncated,
        search=search,
        sort=sort.value,
        filters=filters,
        filtered=filters != PanelFilters(),
        total=total,
        page=page,
        pages=pages,
        first_shown=first + 1 if found.rows else 0,
        last_shown=first + len(found.rows),
        previous_link=_link(_query(search, sort, filters, page - 1)) if page > 1 else None,
        next_link=_link(_query(search, sort, filters, page + 1)) if page < pages else None,
        alerts=alerts_panel(session, viewer),
    )
