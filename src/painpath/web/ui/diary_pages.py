"""The pain diary's quick-entry page: one phone screen to record a day, the last 14 days below.

Both the page and its form post open the patient through the shared gate (the post proves
itself with the form's CSRF token first); each is audited with the diary entry it touched.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from painpath.auth.permissions import Permission
from painpath.kit.pagination import PageRequest
from painpath.models.audit_event import AuditOutcome
from painpath.services.access import PatientAccess
from painpath.services.errors import InvalidInput
from painpath.services.monitoring import diary as monitoring_diary
from painpath.terminology import pain_diary
from painpath.web.deps import SessionDep, access
from painpath.web.ui.deps import FormViewerDep, ViewerDep
from painpath.web.ui.diary_form import (
    DiaryForm,
    day_choices,
    parse,
    quality_chips,
    region_groups,
)
from painpath.web.ui.form_access import form_access
from painpath.web.ui.formatting import number
from painpath.web.ui.local_time import patient_today
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import Viewer, render

router = APIRouter(route_class=UIRoute)

DIARY = "/patients/{patient_id}/diary"
RECENT_DAYS = 14
Reader = Annotated[PatientAccess, access(Permission.observation_read, "PainDiaryEntry")]
Writer = Annotated[PatientAccess, form_access(Permission.observation_write, "PainDiaryEntry")]
FormText = Annotated[str, Form(max_length=2000)]


@dataclass(frozen=True, slots=True)
class DiaryRow:
    day: str
    pain: int
    where: str
    triggers: str
    sleep: str
    mood: str
    notes: str


@dataclass(frozen=True, slots=True)
class Recent:
    rows: list[DiaryRow]
    #: (local day, pain 0-10), oldest first: the chart and its data table
    points: list[tuple[str, int]]
    first_day: str
    last_day: str
    mean: str | None


def _recent(session: Session, grant: PatientAccess, today: date, zone: ZoneInfo) -> Recent:
    first = today - timedelta(days=RECENT_DAYS - 1)
    entries, _ = monitoring_diary.list_entries(
        session, access=grant, page=PageRequest(limit=200, offset=0), start=first, end=today
    )
    regions = pain_diary.body_regions().codes
    rows = [
        DiaryRow(
            day=f"{entry.local_date.strftime('%a')} {entry.local_date.day} "
            f"{entry.local_date.strftime('%b')}",
            pain=entry.pain,
            where=", ".join(regions.get(code, code) for code in entry.body_regions),
            triggers=", ".join(entry.triggers),
            sleep=f"{number(entry.sleep_hours)} h" if entry.sleep_hours is not None else "",
            mood=str(entry.mood) if entry.mood is not None else "",
            notes=entry.notes or "",
        )
        for entry in entries
    ]
    values = [entry.pain for entry in entries]
    return Recent(
        rows=rows,
        points=sorted((entry.local_date.isoformat(), entry.pain) for entry in entries),
        first_day=first.isoformat(),
        last_day=today.isoformat(),
        mean=number(round(sum(values) / len(values), 1)) if values else None,
    )


def _page(
    request: Request,
    session: Session,
    grant: PatientAccess,
    viewer: Viewer,
    *,
    form: DiaryForm | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    today, zone = patient_today(grant.patient.time_zone)
    shown = form or DiaryForm(local_date=today.isoformat())
    if not shown.client_id:
        shown.client_id = uuid.uuid4().hex  # a double tap stores the entry once
    return render(
        request,
        "diary.html",
        viewer=viewer,
        status_code=status_code,
        patient=grant.patient,
        form=shown,
        errors=errors or {},
        days=day_choices(today),
        region_groups=region_groups(),
        qualities=quality_chips(),
        recent=_recent(session, grant, today, zone),
    )


@router.get(DIARY)
def diary_page(request: Request, grant: Reader, viewer: ViewerDep, session: SessionDep) -> Response:
    grant.event.detail = "pain diary page"
    return _page(request, session, grant, viewer)


@router.post(DIARY)
def save_entry(
    request: Request,
    grant: Writer,
    viewer: FormViewerDep,
    session: SessionDep,
    local_date: FormText = "",
    pain: FormText = "",
    body_regions: Annotated[list[str] | None, Form()] = None,
    qualities: Annotated[list[str] | None, Form()] = None,
    triggers: FormText = "",
    sleep_hours: FormText = "",
    mood: FormText = "",
    notes: FormText = "",
    client_id: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Store the entry and come back to the page; on a mistake, the form with its errors."""
    form = DiaryForm(
        local_date=local_date,
        pain=pain.strip(),
        body_regions=body_regions or [],
        qualities=qualities or [],
        triggers=triggers,
        sleep_hours=sleep_hours.strip(),
        mood=mood.strip(),
        notes=notes,
        client_id=client_id,
    )
    today, _ = patient_today(grant.patient.time_zone)
    data, errors = parse(form, today)
    if data is not None:
        try:
            entry, _created = monitoring_diary.add_entry(session, access=grant, data=data)
        except InvalidInput as error:
            errors = {str(error.field or "local_date"): error.detail.capitalize() + "."}
        else:
            day = entry.local_date
            request.session["flash"] = (
                f"Saved: pain {entry.pain} out of 10 on {day.strftime('%A')} "
                f"{day.day} {day.strftime('%B')}."
            )
            return RedirectResponse(DIARY.format(patient_id=grant.patient_id), status_code=303)
    grant.event.outcome = AuditOutcome.failure
    grant.event.detail = "diary entry refused: " + ", ".join(sorted(errors))
    return _page(request, session, grant, viewer, form=form, errors=errors, status_code=422)
