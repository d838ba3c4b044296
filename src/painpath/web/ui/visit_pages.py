"""Video visit pages: a patient's visits (book, cancel, join, calendar file), one visit (the
clinician's SOAP note, completion and the ledger minutes), the clinician's schedule and their
weekly availability. Every patient page and form goes through the shared gate and is audited;
times are shown on the viewer's own clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Path, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.auth.permissions import Permission
from painpath.config import Settings
from painpath.kit.clock import in_range, utcnow
from painpath.models.audit_event import AuditOutcome
from painpath.models.monitoring_time import ClinicianTimeEntry, MonitoringProgram
from painpath.models.telehealth import Visit, VisitStatus
from painpath.models.user import User
from painpath.schemas.base import MAX_ROW_ID
from painpath.services.access import PatientAccess
from painpath.services.errors import Conflict, InvalidInput
from painpath.services.monitoring import ledger as monitoring_ledger
from painpath.services.telehealth import booking, notes
from painpath.services.telehealth.calendar import join_link, visit_calendar
from painpath.services.telehealth.zones import viewer_zone
from painpath.web.deps import SessionDep, SettingsDep, access
from painpath.web.ui.deps import FormViewerDep, ViewerDep
from painpath.web.ui.form_access import form_access
from painpath.web.ui.local_time import patient_zone
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import Viewer, render

router = APIRouter(route_class=UIRoute)

VISITS = "/patients/{patient_id}/visits"
VISIT = VISITS + "/{visit_id}"
SLOT_DAYS = 14
MAX_SLOTS_SHOWN = 60
Reader = Annotated[PatientAccess, access(Permission.patient_read, "Visit")]
Booker = Annotated[PatientAccess, form_access(Permission.visit_book, "Visit", "create")]
Canceller = Annotated[PatientAccess, form_access(Permission.visit_book, "Visit", "update")]
Documenter = Annotated[PatientAccess, form_access(Permission.visit_document, "Visit", "update")]
VisitId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
FormText = Annotated[str, Form(max_length=20_000)]
ShortText = Annotated[str, Form(max_length=500)]


def when(moment: datetime, zone: ZoneInfo) -> str:
    """E.g. "Mon 14 Dec 2026, 02:00 CST"."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} {local.tzname()}"


@dataclass(frozen=True, slots=True)
class VisitRow:
    visit: Visit
    when: str
    until: str
    clinician: str
    join_url: str | None
    url: str


@dataclass(frozen=True, slots=True)
class SlotDay:
    label: str
    slots: list[tuple[str, str, str]]  # (label, starts_at, ends_at) ISO UTC


@dataclass(frozen=True, slots=True)
class SlotGroup:
    clinician_id: int
    clinician: str
    clinician_zone: str
    days: list[SlotDay]


def _row(session: Session, settings: Settings, visit: Visit, zone: ZoneInfo) -> VisitRow:
    clinician = session.get(User, visit.clinician_id)
    until = visit.ends_at.astimezone(zone)
    return VisitRow(
        visit=visit,
        when=when(visit.starts_at, zone),
        until=f"{until:%H:%M}",
        clinician=clinician.display_name if clinician else "former user",
        join_url=join_link(settings, visit),
        url=VISIT.format(patient_id=visit.patient_id, visit_id=visit.id),
    )


def _slot_groups(
    session: Session, settings: Settings, grant: PatientAccess, zone: ZoneInfo
) -> list[SlotGroup]:
    today = utcnow().astimezone(zone).date()
    found = booking.free_slots(
        session,
        access=grant,
        settings=settings,
        first=today,
        last=today + timedelta(days=SLOT_DAYS - 1),
        viewer_zone=zone,
    )
    groups = []
    for item in found:
        days: dict[date, list[tuple[str, str, str]]] = {}
        for slot in item.slots[:MAX_SLOTS_SHOWN]:
            local = slot.starts_at.astimezone(zone)
            days.setdefault(local.date(), []).append(
                (f"{local:%H:%M}", slot.starts_at.isoformat(), slot.ends_at.isoformat())
            )
        groups.append(
            SlotGroup(
                clinician_id=item.clinician.id,
                clinician=item.clinician.display_name,
                clinician_zone=item.clinician.time_zone or "UTC",
                days=[
                    SlotDay(f"{d:%A} {d.day} {d:%B}", slots) for d, slots in sorted(days.items())
                ],
            )
        )
    return groups


def _visits_page(
    request: Request,
    session: Session,
    settings: Settings,
    grant: PatientAccess,
    viewer: Viewer,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    zone = viewer_zone(session, viewer.actor)
    now = utcnow()
    rows = [_row(session, settings, v, zone) for v in booking.patient_visits(session, access=grant)]
    upcoming = [r for r in rows if r.visit.status is VisitStatus.booked and r.visit.ends_at > now]
    earlier = [r for r in reversed(rows) if r not in upcoming]
    can_book = viewer.actor.can(Permission.visit_book)
    return render(
        request,
        "visits.html",
        viewer=viewer,
        status_code=status_code,
        patient=grant.patient,
        zone=zone.key,
        upcoming=upcoming,
        earlier=earlier,
        groups=_slot_groups(session, settings, grant, zone) if can_book else [],
        can_book=can_book,
        provider_configured=settings.video_room_url_template is not None,
        error=error,
    )


@router.get(VISITS)
def visits_page(
    request: Request, grant: Reader, viewer: ViewerDep, session: SessionDep, settings: SettingsDep
) -> Response:
    grant.event.detail = "visits page"
    return _visits_page(request, session, settings, grant, viewer)


def _instant(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput("not a time", field=name) from error
    if moment.tzinfo is None:
        raise InvalidInput("time without a zone", field=name)
    try:
        instant = moment.astimezone(UTC)
    except OverflowError as error:
        raise InvalidInput("the time is out of range", field=name) from error
    if not in_range(instant.date()):
        raise InvalidInput("the time is out of range", field=name)
    return instant


@router.post(VISITS)
def book_visit(
    request: Request,
    grant: Booker,
    viewer: FormViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    clinician_id: Annotated[int, Form(ge=1, le=MAX_ROW_ID)],
    starts_at: Annotated[str, Form(max_length=64)],
    ends_at: Annotated[str, Form(max_length=64)],
    reason: ShortText = "",
) -> Response:
    try:
        visit = booking.book(
            session,
            access=grant,
            settings=settings,
            clinician_id=clinician_id,
            starts_at=_instant(starts_at, "starts_at"),
            ends_at=_instant(ends_at, "ends_at"),
            reason=reason.strip() or None,
        )
    except (Conflict, InvalidInput) as error:
        grant.event.outcome = AuditOutcome.failure
        grant.event.detail = f"booking refused: {error.detail}"[:500]
        code = 409 if isinstance(error, Conflict) else 422
        message = error.detail[0].upper() + error.detail[1:] + "."
        return _visits_page(
            request, session, settings, grant, viewer, error=message, status_code=code
        )
    zone = viewer_zone(session, viewer.actor)
    request.session["flash"] = f"Booked: video visit on {when(visit.starts_at, zone)}."
    return RedirectResponse(
        VISIT.format(patient_id=grant.patient_id, visit_id=visit.id), status_code=303
    )


def _ledger_line(session: Session, grant: PatientAccess, visit: Visit) -> dict[str, object] | None:
    entry = session.scalar(
        select(ClinicianTimeEntry).where(ClinicianTimeEntry.visit_id == visit.id)
    )
    if entry is None:
        return None
    zone = patient_zone(grant.patient.time_zone)
    found = monitoring_ledger.ledger(
        session,
        access=grant,
        program=entry.program,
        period_start=min(
            entry.started_at.astimezone(zone).date(), utcnow().astimezone(zone).date()
        ),
    )
    return {
        "program": entry.program.value,
        "month": f"{found.month_start:%B %Y}",
        "minutes": found.minutes,
        "visit_minutes": entry.minutes,
        "interactive": found.interactive,
    }


def _visit_page(
    request: Request,
    session: Session,
    settings: Settings,
    grant: PatientAccess,
    viewer: Viewer,
    visit: Visit,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    zone = viewer_zone(session, viewer.actor)
    row = _row(session, settings, visit, zone)
    own = visit.clinician_id == viewer.actor.user_id and viewer.actor.can(Permission.visit_document)
    return render(
        request,
        "visit.html",
        viewer=viewer,
        status_code=status_code,
        patient=grant.patient,
        row=row,
        zone=zone.key,
        can_document=own and visit.status is VisitStatus.booked,
        can_complete=own and visit.status is VisitStatus.booked and visit.starts_at <= utcnow(),
        can_cancel=viewer.actor.can(Permission.visit_book) and visit.status is VisitStatus.booked,
        programs=[p.value for p in MonitoringProgram],
        default_minutes=int((visit.ends_at - visit.starts_at).total_seconds() // 60),
        ledger=_ledger_line(session, grant, visit),
        error=error,
    )


@router.get(VISIT)
def visit_page(
    request: Request,
    visit_id: VisitId,
    grant: Reader,
    viewer: ViewerDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    visit = booking.get_visit(session, access=grant, visit_id=visit_id)
    return _visit_page(request, session, settings, grant, viewer, visit)


@router.get(VISIT + "/calendar.ics")
def visit_calendar_file(
    visit_id: VisitId, grant: Reader, session: SessionDep, settings: SettingsDep
) -> Response:
    visit = booking.get_visit(session, access=grant, visit_id=visit_id)
    clinician = session.get(User, visit.clinician_id)
    assert clinician is not None  # RESTRICT keeps the clinician's row
    grant.event.detail = "visit calendar file"
    return Response(
        visit_calendar(settings, visit, clinician),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="visit-{visit.id}.ics"'},
    )


def _refused(
    request: Request,
    session: Session,
    settings: Settings,
    grant: PatientAccess,
    viewer: Viewer,
    visit_id: int,
    error: Conflict | InvalidInput,
) -> Response:
    grant.event.outcome = AuditOutcome.failure
    grant.event.detail = f"refused: {error.detail}"[:500]
    visit = booking.get_visit(session, access=grant, visit_id=visit_id)
    message = error.detail[0].upper() + error.detail[1:] + "."
    code = 409 if isinstance(error, Conflict) else 422
    return _visit_page(
        request, session, settings, grant, viewer, visit, error=message, status_code=code
    )


@router.post(VISIT + "/cancel")
def cancel_visit(
    request: Request,
    visit_id: VisitId,
    grant: Canceller,
    viewer: FormViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    reason: ShortText = "",
) -> Response:
    try:
        booking.cancel(
            session, access=grant, settings=settings, visit_id=visit_id, reason=reason or None
        )
    except (Conflict, InvalidInput) as error:
        return _refused(request, session, settings, grant, viewer, visit_id, error)
    request.session["flash"] = "The visit is cancelled; the calendar file now cancels it too."
    return RedirectResponse(VISITS.format(patient_id=grant.patient_id), status_code=303)


@router.post(VISIT + "/note")
def save_note(
    request: Request,
    visit_id: VisitId,
    grant: Documenter,
    viewer: FormViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    subjective: FormText = "",
    objective: FormText = "",
    assessment: FormText = "",
    plan: FormText = "",
) -> Response:
    try:
        notes.save_note(
            session,
            access=grant,
            visit_id=visit_id,
            note=notes.Soap(subjective, objective, assessment, plan),
        )
    except (Conflict, InvalidInput) as error:
        return _refused(request, session, settings, grant, viewer, visit_id, error)
    request.session["flash"] = "Note saved."
    return RedirectResponse(
        VISIT.format(patient_id=grant.patient_id, visit_id=visit_id), status_code=303
    )


@router.post(VISIT + "/complete")
def complete_visit(
    request: Request,
    visit_id: VisitId,
    grant: Documenter,
    viewer: FormViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    minutes: Annotated[str, Form(max_length=8)] = "",
    program: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    try:
        if not minutes.strip().isdigit():
            raise InvalidInput("minutes must be a whole number", field="minutes")
        try:
            chosen = MonitoringProgram(program)
        except ValueError as error:
            raise InvalidInput("choose RPM or RTM-MSK", field="program") from error
        notes.complete(
            session, access=grant, visit_id=visit_id, minutes=int(minutes), program=chosen
        )
    except (Conflict, InvalidInput) as error:
        return _refused(request, session, settings, grant, viewer, visit_id, error)
    request.session["flash"] = f"Visit completed: {int(minutes)} minutes in the ledger."
    return RedirectResponse(
        VISIT.format(patient_id=grant.patient_id, visit_id=visit_id), status_code=303
    )


@router.get("/schedule")
def schedule_page(
    request: Request, viewer: ViewerDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """The signed-in clinician's visits, a week back and two weeks ahead, on their clock."""
    zone = viewer_zone(session, viewer.actor)
    today = utcnow().astimezone(zone).date()
    start = datetime.combine(today - timedelta(days=7), time(), zone).astimezone(UTC)
    end = datetime.combine(today + timedelta(days=15), time(), zone).astimezone(UTC)
    rows = booking.clinician_schedule(session, actor=viewer.actor, start=start, end=end)
    return render(
        request,
        "schedule.html",
        viewer=viewer,
        zone=zone.key,
        rows=[(_row(session, settings, visit, zone), patient) for visit, patient in rows],
        keeps_availability=viewer.actor.can(Permission.availability_manage),
    )
