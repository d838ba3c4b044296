"""Care-team scope: the one place that decides which patients an actor may see.

A patient sees only their own record. Clinicians, pharmacists and admins see a patient only
while they sit on one of that patient's active care teams.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import ColumnElement, Exists, Select, exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from painpath.auth.actor import Actor
from painpath.models.care_team import CareTeam, CareTeamParticipant
from painpath.models.enums import Role
from painpath.models.patient import Patient


def visible_patient_ids(actor: Actor) -> Select[int]:
    """A subquery of the patient ids this actor may see."""
    if actor.role is Role.patient:
        return select(Patient.id).where(Patient.id == (actor.patient_id or -1))
    return (
        select(CareTeam.patient_id)
        .join(CareTeamParticipant, CareTeamParticipant.care_team_id == CareTeam.id)
        .where(CareTeamParticipant.user_id == actor.user_id, CareTeam.active.is_(True))
    )


def in_scope(
    patient_id_column: ColumnElement[int] | InstrumentedAttribute[int], actor: Actor
) -> ColumnElement[bool]:
    """A WHERE clause that keeps only rows of patients this actor may see."""
    return patient_id_column.in_(visible_patient_ids(actor).scalar_subquery())


def can_see_patient(session: Session, actor: Actor, patient_id: int) -> bool:
    if actor.role is Role.patient:
        return actor.patient_id == patient_id
    query = visible_patient_ids(actor).where(CareTeam.patient_id == patient_id).limit(1)
    return session.scalar(query) is not None


def care_team_seat(user_id: ColumnElement[int], patient_id: ColumnElement[int]) -> Exists:
    """EXISTS: the user sits on one of the patient's active care teams (`visible_patient_ids`
    for staff, as a clause another statement can carry: see `sees_patient`)."""
    return exists().where(
        CareTeam.patient_id == patient_id,
        CareTeamParticipant.care_team_id == CareTeam.id,
        CareTeamParticipant.user_id == user_id,
        CareTeam.active.is_(True),
    )


def sees_patient(actor: Actor, patient_id: int, *, seat: bool) -> bool:
    """`can_see_patient` without a query, given `care_team_seat` read for this actor and patient."""
    if actor.role is Role.patient:
        return actor.patient_id == patient_id
    return seat


def care_team_staff(session: Session, patient_ids: Collection[int]) -> dict[int, set[int]]:
    """For each of these patients, the users on one of their active care teams: the staff who
    may see them (`visible_patient_ids` read from the patients' side), in one statement."""
    staff: dict[int, set[int]] = {}
    if not patient_ids:
        return staff
    rows = session.execute(
        select(CareTeam.patient_id, CareTeamParticipant.user_id)
        .join(CareTeamParticipant, CareTeamParticipant.care_team_id == CareTeam.id)
        .where(CareTeam.patient_id.in_(sorted(patient_ids)), CareTeam.active.is_(True))
    )
    for patient_id, user_id in rows:
        staff.setdefault(patient_id, set()).add(user_id)
    return staff


def may_see(actor: Actor, patient_id: int, staff: Mapping[int, set[int]]) -> bool:
    """`can_see_patient` without a query, given `care_team_staff` for this patient."""
    if actor.role is Role.patient:
        return actor.patient_id == patient_id
    return actor.user_id in staff.get(patient_id, ())
