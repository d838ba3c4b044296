"""Booking and cancelling video visits, by the patient or by their care team.

A patient books only with a clinician on their own active care team, only a slot the
clinician's availability offers, and only `visit_booking_lead_minutes` ahead. Two requests for
the same slot: the booking locks the clinician's row (PostgreSQL: SELECT … FOR UPDATE) so the
second waits and then finds the slot taken (409); the partial unique index on (clinician,
start) of live visits refuses a duplicate even if that lock were bypassed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.actor import Actor
from painpath.auth.scope import visible_patient_ids
from painpath.config import Settings
from painpath.kit.clock import as_utc, time_zone, utcnow
from painpath.models.care_team import CareTeam, CareTeamParticipant
from painpath.models.enums import Role
from painpath.models.patient import Patient
from painpath.models.telehealth import Visit, VisitStatus
from painpath.models.user import User
from painpath.services.access import PatientAccess
from painpath.services.errors import Conflict, InvalidInput, NotFound
from painpath.services.notify import enqueue, withdraw
from painpath.services.telehealth.availability import rules_of
from painpath.services.telehealth.calendar import join_link, visit_calendar
from painpath.services.telehealth.zones import zone_name_of
from painpath.telehealth.slots import MAX_RANGE_DAYS, Slot, is_offered, slots_between

MAX_LISTED = 200
LIVE = (VisitStatus.booked, VisitStatus.completed)


@dataclass(frozen=True, slots=True)
class ClinicianSlots:
    clinician: User
    slots: list[Slot]


def care_team_clinicians(session: Session, patient_id: int) -> list[User]:
    """Active clinicians on the patient's active care teams, by name."""
    return list(
        session.scalars(
            select(User)
            .join(CareTeamParticipant, CareTeamParticipant.user_id == User.id)
            .join(CareTeam, CareTeam.id == CareTeamParticipant.care_team_id)
            .where(
                CareTeam.patient_id == patient_id,
                CareTeam.active.is_(True),
                User.role == Role.clinician,
                User.is_active.is_(True),
            )
            .distinct()
            .order_by(User.display_name, User.id)
        )
    )


def _team_clinician(session: Session, patient_id: int, clinician_id: int) -> User:
    for clinician in care_team_clinicians(session, patient_id):
        if clinician.id == clinician_id:
            return clinician
    raise InvalidInput("not a clinician on this patient's care team", field="clinician_id")


def _taken(
    session: Session, clinician_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    rows = session.execute(
        select(Visit.starts_at, Visit.ends_at).where(
            Visit.clinician_id == clinician_id,
            Visit.status.in_(LIVE),
            Visit.starts_at < end,
            Visit.ends_at > start,
        )
    )
    return [(s, e) for s, e in rows]


def free_slots(
    session: Session,
    *,
    access: PatientAccess,
    settings: Settings,
    first: date,
    last: date,
    viewer_zone: ZoneInfo,
    clinician_id: int | None = None,
    now: datetime | None = None,
) -> list[ClinicianSlots]:
    """Free slots of the patient's care-team clinicians on the viewer's days first..last."""
    if last < first:
        raise InvalidInput("last is before first", field="last")
    if (last - first).days >= MAX_RANGE_DAYS - 2:
        raise InvalidInput(f"at most {MAX_RANGE_DAYS - 2} days at a time", field="last")
    moment = now or utcnow()
    start = datetime.combine(first, time(), viewer_zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), viewer_zone).astimezone(UTC)
    earliest = max(start, moment + timedelta(minutes=settings.visit_booking_lead_minutes))
    clinicians = care_team_clinicians(session, access.patient_id)
    if clinician_id is not None:
        clinicians = [c for c in clinicians if c.id == clinician_id]
        if not clinicians:
            raise InvalidInput("not a clinician on this patient's care team", field="clinician_id")
    found = []
    for clinician in clinicians:
        zone = time_zone(zone_name_of(clinician))
        local_first = start.astimezone(zone).date()
        local_last = end.astimezone(zone).date()
        weekly, changes = rules_of(session, clinician.id, local_first, local_last)
        slots = slots_between(
            zone=zone,
            first=local_first,
            last=local_last,
            weekly=weekly,
            changes=changes,
            taken=_taken(session, clinician.id, start, end),
            not_before=earliest,
        )
        found.append(ClinicianSlots(clinician, [s for s in slots if s.starts_at < end]))
    access.event.detail = f"free slots {first}..{last}"
    return found


def book(
    session: Session,
    *,
    access: PatientAccess,
    settings: Settings,
    clinician_id: int,
    starts_at: datetime,
    ends_at: datetime,
    reason: str | None = None,
    now: datetime | None = None,
) -> Visit:
    """Book [starts_at, ends_at) with a care-team clinician; 409 when the slot is taken."""
    moment = now or utcnow()
    start, end = as_utc(starts_at), as_utc(ends_at)
    clinician = _team_clinician(session, access.patient_id, clinician_id)
    lead = settings.visit_booking_lead_minutes if access.actor.role is Role.patient else 0
    if start < moment + timedelta(minutes=lead):
        raise InvalidInput(f"visits are booked at least {lead} minutes ahead", field="starts_at")
    zone = time_zone(zone_name_of(clinician))
    local_day = start.astimezone(zone).date()
    weekly, changes = rules_of(
        session, clinician.id, local_day - timedelta(days=1), local_day + timedelta(days=1)
    )
    if not is_offered(start, end, zone=zone, weekly=weekly, changes=changes):
        raise InvalidInput("not a slot this clinician offers", field="starts_at")
    # Serialise bookings of this clinician (PostgreSQL row lock; SQLite has one writer anyway).
    session.execute(select(User.id).where(User.id == clinician.id).with_for_update())
    if _taken(session, clinician.id, start, end):
        raise Conflict("this slot has just been booked; choose another", field="starts_at")
    visit = Visit(
        patient_id=access.patient_id,
        clinician_id=clinician.id,
        starts_at=start,
        ends_at=end,
        status=VisitStatus.booked,
        room=secrets.token_urlsafe(24),
        calendar_uid=f"{secrets.token_hex(16)}@painpath",
        sequence=0,
        reason=reason,
        booked_by_id=access.actor.user_id,
    )
    try:
        with session.begin_nested():  # a refused insert leaves the request's session usable
            session.add(visit)
            session.flush()
    except IntegrityError as error:
        raise Conflict(
            "this slot has just been booked; choose another", field="starts_at"
        ) from error
    access.note_resource(visit.id)
    access.event.detail = f"visit booked with clinician {clinician.id}"
    _notify(session, settings, visit, clinician, "booked")
    return visit


def get_visit(session: Session, *, access: PatientAccess, visit_id: int) -> Visit:
    visit = session.get(Visit, visit_id)
    # Another patient's visit answers like a missing one.
    if visit is None or visit.patient_id != access.patient_id:
        raise NotFound(f"no visit {visit_id} for this patient")
    access.note_resource(visit.id)
    return visit


def cancel(
    session: Session,
    *,
    access: PatientAccess,
    settings: Settings,
    visit_id: int,
    reason: str | None = None,
) -> Visit:
    visit = get_visit(session, access=access, visit_id=visit_id)
    if visit.status is not VisitStatus.booked:
        raise Conflict(f"the visit is {visit.status.value}, not booked", field="status")
    visit.status = VisitStatus.cancelled
    visit.cancelled_at = utcnow()
    visit.cancelled_by_id = access.actor.user_id
    visit.cancel_reason = reason
    visit.sequence += 1
    session.flush()
    access.event.detail = "visit cancelled"
    clinician = session.get(User, visit.clinician_id)
    assert clinician is not None  # RESTRICT keeps the clinician's row
    withdraw(session, _reminder_keys(session, visit, settings))
    _notify(session, settings, visit, clinician, "cancelled")
    return visit


def patient_visits(
    session: Session, *, access: PatientAccess, upcoming_from: datetime | None = None
) -> list[Visit]:
    query = select(Visit).where(Visit.patient_id == access.patient_id)
    if upcoming_from is not None:
        query = query.where(Visit.ends_at > upcoming_from, Visit.status == VisitStatus.booked)
    return list(session.scalars(query.order_by(Visit.starts_at, Visit.id).limit(MAX_LISTED)))


def clinician_schedule(
    session: Session, *, actor: Actor, start: datetime, end: datetime
) -> list[tuple[Visit, Patient]]:
    """The actor's own visits in [start, end), only of patients they may still see; each
    patient shown is audited."""
    if end <= start or end - start > timedelta(days=MAX_RANGE_DAYS):
        raise InvalidInput(f"at most {MAX_RANGE_DAYS} days at a time", field="last")
    rows = session.execute(
        select(Visit, Patient)
        .join(Patient, Patient.id == Visit.patient_id)
        .where(
            Visit.clinician_id == actor.user_id,
            Visit.starts_at < end,
            Visit.ends_at > start,
            Visit.patient_id.in_(visible_patient_ids(actor).scalar_subquery()),
        )
        .order_by(Visit.starts_at, Visit.id)
        .limit(MAX_LISTED)
    ).all()
    for patient_id in sorted({patient.id for _, patient in rows}):
        audit.record(
            session,
            actor=actor,
            action="read",
            resource_type="VisitSchedule",
            patient_id=patient_id,
        )
    return [(visit, patient) for visit, patient in rows]


def recipients(session: Session, visit: Visit) -> list[User]:
    """Who hears about a visit: the patient's own active account(s) and the clinician."""
    users = list(
        session.scalars(
            select(User).where(User.patient_id == visit.patient_id, User.is_active.is_(True))
        )
    )
    clinician = session.get(User, visit.clinician_id)
    if clinician is not None and clinician.is_active:
        users.append(clinician)
    return users


def _reminder_keys(session: Session, visit: Visit, settings: Settings) -> list[str]:
    return [
        reminder_key(visit, hours, user.id)
        for hours in settings.visit_reminder_hours
        for user in recipients(session, visit)
    ]


def reminder_key(visit: Visit, hours: int, user_id: int) -> str:
    """One reminder per visit, start instant, lead and recipient: a moved visit is reminded
    again, the same one never twice."""
    return f"visit:{visit.id}:{visit.starts_at:%Y%m%dT%H%MZ}:reminder:{hours}h:user:{user_id}"


def when_for(user: User, session: Session, visit: Visit) -> str:
    """The visit's start on the recipient's own clock."""
    if user.role is Role.patient and user.patient_id is not None:
        patient = session.get(Patient, user.patient_id)
        zone = time_zone(patient.time_zone if patient is not None else "UTC")
    else:
        zone = time_zone(zone_name_of(user))
    local = visit.starts_at.astimezone(zone)
    return f"{local:%A %d %B %Y, %H:%M} ({local.tzname()}, {zone.key})"


def _notify(session: Session, settings: Settings, visit: Visit, clinician: User, what: str) -> None:
    calendar = visit_calendar(settings, visit, clinician)
    link = join_link(settings, visit)
    for user in recipients(session, visit):
        if not user.email:
            continue
        when = when_for(user, session, visit)
        subject = f"Video visit {what}: {when}"[:300]
        with_whom = (
            f"with {clinician.display_name}" if user.role is Role.patient else "with a patient"
        )
        body = (
            f"Your video visit {with_whom} on {when} has been {what}."
            + (f"\n\nJoin at the time of the visit: {link}" if link else "")
            + "\n\nThe calendar file is attached."
        )
        enqueue(
            session,
            key=f"visit:{visit.id}:{what}:{visit.sequence}:user:{user.id}",
            recipient=user.email,
            subject=subject,
            body=body,
            calendar=calendar,
            patient_id=visit.patient_id,
        )
