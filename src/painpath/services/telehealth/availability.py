"""A clinician's weekly availability and dated exceptions, kept in their own time zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.kit.clock import in_range, is_valid_time_zone
from painpath.models.audit_event import AuditOutcome
from painpath.models.enums import Role
from painpath.models.telehealth import AvailabilityException, AvailabilityTemplate, ExceptionKind
from painpath.models.user import User
from painpath.services.errors import AccessDenied, InvalidInput, NotFound
from painpath.services.telehealth.zones import zone_name_of
from painpath.telehealth.slots import DatedChange, WeeklyWindow, Window

MAX_WEEKLY_WINDOWS = 70
MAX_EXCEPTIONS_LISTED = 500


@dataclass(frozen=True, slots=True)
class WindowInput:
    weekday: int
    start_minute: int
    end_minute: int
    slot_minutes: int


@dataclass(frozen=True, slots=True)
class Availability:
    clinician: User
    time_zone: str
    weekly: list[AvailabilityTemplate]
    exceptions: list[AvailabilityException]


def _own_clinician(session: Session, actor: Actor) -> User:
    if not actor.can(Permission.availability_manage):
        audit.record(
            session,
            actor=actor,
            action="update",
            resource_type="Availability",
            patient_id=None,
            outcome=AuditOutcome.denied,
            detail="availability:manage refused",
        )
        raise AccessDenied("you do not keep an availability")
    user = session.get(User, actor.user_id)
    if user is None or user.role is not Role.clinician:
        raise AccessDenied("you do not keep an availability")
    return user


def _check_windows(windows: Sequence[WindowInput]) -> None:
    if len(windows) > MAX_WEEKLY_WINDOWS:
        raise InvalidInput(f"at most {MAX_WEEKLY_WINDOWS} windows", field="weekly")
    by_day: dict[int, list[WindowInput]] = {}
    for index, window in enumerate(windows):
        if not 0 <= window.weekday <= 6:
            raise InvalidInput("weekday is 0 (Monday) to 6", field=f"weekly.{index}.weekday")
        try:
            Window(window.start_minute, window.end_minute, window.slot_minutes)
        except ValueError as error:
            raise InvalidInput(str(error), field=f"weekly.{index}") from error
        for other in by_day.get(window.weekday, []):
            if window.start_minute < other.end_minute and other.start_minute < window.end_minute:
                raise InvalidInput("windows on the same day overlap", field=f"weekly.{index}")
        by_day.setdefault(window.weekday, []).append(window)


def read(session: Session, *, actor: Actor) -> Availability:
    clinician = _own_clinician(session, actor)
    audit.record(session, actor=actor, action="read", resource_type="Availability", patient_id=None)
    return _load(session, clinician)


def _load(session: Session, clinician: User) -> Availability:
    weekly = session.scalars(
        select(AvailabilityTemplate)
        .where(AvailabilityTemplate.clinician_id == clinician.id)
        .order_by(AvailabilityTemplate.weekday, AvailabilityTemplate.start_minute)
    )
    exceptions = session.scalars(
        select(AvailabilityException)
        .where(AvailabilityException.clinician_id == clinician.id)
        .order_by(AvailabilityException.day, AvailabilityException.start_minute)
        .limit(MAX_EXCEPTIONS_LISTED)
    )
    return Availability(clinician, zone_name_of(clinician), list(weekly), list(exceptions))


def replace_weekly(
    session: Session, *, actor: Actor, time_zone_name: str, windows: Sequence[WindowInput]
) -> Availability:
    """Replace the clinician's weekly windows (and set their zone) in one step."""
    clinician = _own_clinician(session, actor)
    if not is_valid_time_zone(time_zone_name):
        raise InvalidInput(f"unknown IANA time zone {time_zone_name!r}", field="time_zone")
    _check_windows(windows)
    clinician.time_zone = time_zone_name
    session.execute(
        delete(AvailabilityTemplate).where(AvailabilityTemplate.clinician_id == clinician.id)
    )
    session.add_all(
        AvailabilityTemplate(
            clinician_id=clinician.id,
            weekday=w.weekday,
            start_minute=w.start_minute,
            end_minute=w.end_minute,
            slot_minutes=w.slot_minutes,
        )
        for w in windows
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        resource_type="Availability",
        patient_id=None,
        detail=f"{len(windows)} weekly windows in {time_zone_name}",
    )
    return _load(session, clinician)


def add_exception(
    session: Session,
    *,
    actor: Actor,
    day: date,
    kind: ExceptionKind,
    start_minute: int,
    end_minute: int,
    slot_minutes: int = 30,
    note: str | None = None,
) -> AvailabilityException:
    clinician = _own_clinician(session, actor)
    if not in_range(day):
        raise InvalidInput("day is out of range", field="day")
    try:
        Window(start_minute, end_minute, slot_minutes)
    except ValueError as error:
        raise InvalidInput(str(error), field="start_minute") from error
    row = AvailabilityException(
        clinician_id=clinician.id,
        day=day,
        kind=kind,
        start_minute=start_minute,
        end_minute=end_minute,
        slot_minutes=slot_minutes,
        note=note,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        resource_type="AvailabilityException",
        patient_id=None,
        resource_id=row.id,
    )
    return row


def remove_exception(session: Session, *, actor: Actor, exception_id: int) -> None:
    clinician = _own_clinician(session, actor)
    row = session.get(AvailabilityException, exception_id)
    if row is None or row.clinician_id != clinician.id:
        raise NotFound("no such exception")
    session.delete(row)
    audit.record(
        session,
        actor=actor,
        action="delete",
        resource_type="AvailabilityException",
        patient_id=None,
        resource_id=exception_id,
    )


def rules_of(
    session: Session, clinician_id: int, first: date, last: date
) -> tuple[list[WeeklyWindow], list[DatedChange]]:
    """The clinician's availability for local days first..last, as the slot engine takes it."""
    weekly = [
        WeeklyWindow(t.weekday, Window(t.start_minute, t.end_minute, t.slot_minutes))
        for t in session.scalars(
            select(AvailabilityTemplate).where(AvailabilityTemplate.clinician_id == clinician_id)
        )
    ]
    changes = [
        DatedChange(
            e.day,
            e.kind is ExceptionKind.available,
            Window(e.start_minute, e.end_minute, e.slot_minutes),
        )
        for e in session.scalars(
            select(AvailabilityException).where(
                AvailabilityException.clinician_id == clinician_id,
                AvailabilityException.day.between(first, last),
            )
        )
    ]
    return weekly, changes
