"""Whose clock a time is shown on: a patient's own zone, a staff member's account zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from painpath.auth.actor import Actor
from painpath.kit.clock import is_valid_time_zone, time_zone
from painpath.models.enums import Role
from painpath.models.patient import Patient
from painpath.models.user import User


def zone_name_of(user: User | None) -> str:
    """A staff account's zone (UTC when unset or no longer valid)."""
    name = user.time_zone if user is not None else None
    return name if name and is_valid_time_zone(name) else "UTC"


def viewer_zone(session: Session, actor: Actor) -> ZoneInfo:
    """The zone the actor reads times in."""
    if actor.role is Role.patient and actor.patient_id is not None:
        patient = session.get(Patient, actor.patient_id)
        name = patient.time_zone if patient is not None else "UTC"
        return time_zone(name if is_valid_time_zone(name) else "UTC")
    return time_zone(zone_name_of(session.get(User, actor.user_id)))
