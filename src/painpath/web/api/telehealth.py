"""Telehealth API: a clinician's own availability and schedule (`/api/me/...`), and a patient's
visits (`/api/patients/{id}/...`): free slots, booking, cancelling, the calendar file, the SOAP
note, completion and the FHIR export. Every patient route passes the care-team gate and is
audited; a patient reaches only their own visits and books only their own care team."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy.orm import Session

from painpath.auth.permissions import Permission
from painpath.config import Settings
from painpath.models.telehealth import Visit
from painpath.models.user import User
from painpath.schemas.base import MAX_ROW_ID, Day
from painpath.schemas.telehealth import (
    AvailabilityIn,
    AvailabilityRead,
    ClinicianSlotsRead,
    ExceptionIn,
    ExceptionRead,
    SlotRead,
    SlotsRead,
    SoapIn,
    VisitCancel,
    VisitComplete,
    VisitCreate,
    VisitRead,
    WeeklyWindowRead,
)
from painpath.services.access import PatientAccess
from painpath.services.telehealth import availability, booking, notes
from painpath.services.telehealth.calendar import join_link, visit_calendar
from painpath.services.telehealth.zones import viewer_zone, zone_name_of
from painpath.web.deps import ActorDep, SessionDep, SettingsDep, access

router = APIRouter(tags=["telehealth"])

VisitReader = Annotated[PatientAccess, access(Permission.patient_read, "Visit")]
Booker = Annotated[PatientAccess, access(Permission.visit_book, "Visit")]
Documenter = Annotated[PatientAccess, access(Permission.visit_document, "Visit")]
VisitId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
VISIT = "/patients/{patient_id}/visits/{visit_id}"


def local_text(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def visit_read(session: Session, settings: Settings, visit: Visit, zone: ZoneInfo) -> VisitRead:
    clinician = session.get(User, visit.clinician_id)
    return VisitRead(
        id=visit.id,
        patient_id=visit.patient_id,
        clinician_id=visit.clinician_id,
        clinician_name=clinician.display_name if clinician else "former user",
        status=visit.status,
        starts_at=visit.starts_at,
        ends_at=visit.ends_at,
        viewer_time_zone=zone.key,
        starts_local=local_text(visit.starts_at, zone),
        ends_local=local_text(visit.ends_at, zone),
        reason=visit.reason,
        join_url=join_link(settings, visit),
        calendar_url=f"/api/patients/{visit.patient_id}/visits/{visit.id}/calendar.ics",
        cancelled_at=visit.cancelled_at,
        cancel_reason=visit.cancel_reason,
        minutes=visit.minutes,
        completed_at=visit.completed_at,
        subjective=visit.subjective,
        objective=visit.objective,
        assessment=visit.assessment,
        plan=visit.plan,
    )


def _availability_read(found: availability.Availability) -> AvailabilityRead:
    return AvailabilityRead(
        clinician_id=found.clinician.id,
        time_zone=found.time_zone,
        weekly=[
            WeeklyWindowRead(
                weekday=w.weekday,
                start_minute=w.start_minute,
                end_minute=w.end_minute,
                slot_minutes=w.slot_minutes,
            )
            for w in found.weekly
        ],
        exceptions=[
            ExceptionRead.model_validate(e, from_attributes=True) for e in found.exceptions
        ],
    )


@router.get("/me/availability", response_model=AvailabilityRead)
def my_availability(actor: ActorDep, session: SessionDep) -> AvailabilityRead:
    """The signed-in clinician's weekly windows (local minutes in their zone) and exceptions."""
    return _availability_read(availability.read(session, actor=actor))


@router.put("/me/availability", response_model=AvailabilityRead)
def set_availability(
    body: AvailabilityIn, actor: ActorDep, session: SessionDep
) -> AvailabilityRead:
    """Replace the weekly windows and set the clinician's time zone."""
    found = availability.replace_weekly(
        session,
        actor=actor,
        time_zone_name=body.time_zone,
        windows=[
            availability.WindowInput(w.weekday, w.start_minute, w.end_minute, w.slot_minutes)
            for w in body.weekly
        ],
    )
    return _availability_read(found)


@router.post("/me/availability/exceptions", response_model=ExceptionRead, status_code=201)
def add_exception(body: ExceptionIn, actor: ActorDep, session: SessionDep) -> ExceptionRead:
    """Close (unavailable) or open (available) a window on one local day."""
    row = availability.add_exception(session, actor=actor, **body.model_dump())
    return ExceptionRead.model_validate(row, from_attributes=True)


@router.delete("/me/availability/exceptions/{exception_id}", status_code=204, response_model=None)
def remove_exception(
    exception_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)], actor: ActorDep, session: SessionDep
) -> None:
    availability.remove_exception(session, actor=actor, exception_id=exception_id)


@router.get("/me/visits", response_model=list[VisitRead])
def my_schedule(
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
    first: Annotated[Day, Query(description="first day, on the viewer's clock")],
    last: Annotated[Day, Query(description="last day, on the viewer's clock")],
) -> list[VisitRead]:
    """The signed-in clinician's visits on days first..last (their own zone)."""
    zone = viewer_zone(session, actor)
    start, end = day_bounds(first, last, zone)
    rows = booking.clinician_schedule(session, actor=actor, start=start, end=end)
    return [visit_read(session, settings, visit, zone) for visit, _patient in rows]


def day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    return start, datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)


@router.get("/patients/{patient_id}/visit-slots", response_model=SlotsRead)
def slots(
    grant: Booker,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
    first: Annotated[Day, Query(description="first day, on the viewer's clock")],
    last: Annotated[Day, Query(description="last day, on the viewer's clock")],
    clinician_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> SlotsRead:
    """Free slots of the patient's care-team clinicians, times also on the viewer's clock."""
    zone = viewer_zone(session, actor)
    found = booking.free_slots(
        session,
        access=grant,
        settings=settings,
        first=first,
        last=last,
        viewer_zone=zone,
        clinician_id=clinician_id,
    )
    return SlotsRead(
        viewer_time_zone=zone.key,
        clinicians=[
            ClinicianSlotsRead(
                clinician_id=item.clinician.id,
                clinician_name=item.clinician.display_name,
                clinician_time_zone=zone_name_of(item.clinician),
                slots=[
                    SlotRead(
                        starts_at=s.starts_at,
                        ends_at=s.ends_at,
                        starts_local=local_text(s.starts_at, zone),
                    )
                    for s in item.slots
                ],
            )
            for item in found
        ],
    )


@router.get("/patients/{patient_id}/visits", response_model=list[VisitRead])
def list_visits(
    grant: VisitReader,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
    upcoming: Annotated[bool, Query(description="only booked visits not yet over")] = False,
) -> list[VisitRead]:
    zone = viewer_zone(session, actor)
    rows = booking.patient_visits(
        session, access=grant, upcoming_from=datetime.now(UTC) if upcoming else None
    )
    return [visit_read(session, settings, visit, zone) for visit in rows]


@router.post(
    "/patients/{patient_id}/visits", response_model=VisitRead, status_code=201, responses={409: {}}
)
def book_visit(
    body: VisitCreate, grant: Booker, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> VisitRead:
    """Book a free slot with a clinician on the patient's care team; 409 when it was just taken."""
    visit = booking.book(
        session,
        access=grant,
        settings=settings,
        clinician_id=body.clinician_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        reason=body.reason,
    )
    return visit_read(session, settings, visit, viewer_zone(session, actor))


@router.get(VISIT, response_model=VisitRead)
def read_visit(
    visit_id: VisitId,
    grant: VisitReader,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> VisitRead:
    visit = booking.get_visit(session, access=grant, visit_id=visit_id)
    return visit_read(session, settings, visit, viewer_zone(session, actor))


@router.post(VISIT + "/cancel", response_model=VisitRead, responses={409: {}})
def cancel_visit(
    visit_id: VisitId,
    body: VisitCancel,
    grant: Booker,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> VisitRead:
    visit = booking.cancel(
        session, access=grant, settings=settings, visit_id=visit_id, reason=body.reason
    )
    return visit_read(session, settings, visit, viewer_zone(session, actor))


@router.get(
    VISIT + "/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
)
def visit_ics(
    visit_id: VisitId, grant: VisitReader, session: SessionDep, settings: SettingsDep
) -> Response:
    """The visit as an iCalendar file (METHOD:CANCEL once cancelled)."""
    visit = booking.get_visit(session, access=grant, visit_id=visit_id)
    clinician = session.get(User, visit.clinician_id)
    assert clinician is not None  # RESTRICT keeps the clinician's row
    return Response(
        visit_calendar(settings, visit, clinician),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="visit-{visit.id}.ics"'},
    )


@router.put(VISIT + "/note", response_model=VisitRead, responses={409: {}})
def save_note(
    visit_id: VisitId,
    body: SoapIn,
    grant: Documenter,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> VisitRead:
    """Write the SOAP note (the visit's clinician only; final once the visit is completed)."""
    visit = notes.save_note(
        session, access=grant, visit_id=visit_id, note=notes.Soap(**body.model_dump())
    )
    return visit_read(session, settings, visit, viewer_zone(session, actor))


@router.post(VISIT + "/complete", response_model=VisitRead, responses={409: {}})
def complete_visit(
    visit_id: VisitId,
    body: VisitComplete,
    grant: Documenter,
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> VisitRead:
    """Complete the visit: its minutes count once, as interactive time, in the RPM/RTM ledger."""
    visit = notes.complete(
        session, access=grant, visit_id=visit_id, minutes=body.minutes, program=body.program
    )
    return visit_read(session, settings, visit, viewer_zone(session, actor))


@router.get(VISIT + "/fhir", response_model=dict[str, Any])
def visit_fhir(visit_id: VisitId, grant: VisitReader, session: SessionDep) -> dict[str, Any]:
    """The visit as a FHIR R4 Bundle: Encounter and, with a note, its DocumentReference."""
    return notes.fhir_export(session, access=grant, visit_id=visit_id)
