"""Patients and their care teams."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.auth.scope import in_scope
from painpath.kit.pagination import PageRequest
from painpath.models.care_team import CareTeam, CareTeamParticipant
from painpath.models.enums import Role
from painpath.models.patient import Patient
from painpath.models.user import User
from painpath.schemas.patients import CareTeamWrite, PatientCreate, PatientUpdate
from painpath.services import break_glass
from painpath.services.access import PatientAccess
from painpath.services.errors import AccessDenied, Conflict, InvalidInput, NotFound
from painpath.services.paging import page_with_total


def list_patients(
    session: Session, *, actor: Actor, page: PageRequest, search: str | None = None
) -> tuple[list[Patient], int]:
    """The patients on the actor's care teams (or the patient's own record), one page."""
    if not actor.can(Permission.patient_read):
        raise AccessDenied("you may not list patients")
    query = select(Patient).where(in_scope(Patient.id, actor))
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(Patient.family_name).like(pattern),
                func.lower(Patient.given_name).like(pattern),
                func.lower(Patient.mrn).like(pattern),
            )
        )
    ordered = query.order_by(Patient.family_name, Patient.given_name, Patient.id)
    rows, total = page_with_total(session, ordered, page)
    for patient in rows:
        audit.record(
            session,
            actor=actor,
            action="search",
            resource_type="Patient",
            patient_id=patient.id,
            resource_id=patient.id,
        )
    return list(rows), total


def create_patient(session: Session, *, actor: Actor, data: PatientCreate) -> Patient:
    """Register a patient; the registering clinician gets a seat on the new care team."""
    if not actor.can(Permission.patient_create):
        raise AccessDenied("you may not register patients")
    if session.scalar(select(Patient.id).where(Patient.mrn == data.mrn)) is not None:
        raise Conflict(f"a patient with MRN {data.mrn!r} exists", field="mrn")
    patient = Patient(**data.model_dump())
    session.add(patient)
    session.flush()
    team = CareTeam(patient_id=patient.id, name=f"Pain care team for {data.mrn}")
    team.participants.append(CareTeamParticipant(user_id=actor.user_id))
    session.add(team)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        resource_type="Patient",
        patient_id=patient.id,
        resource_id=patient.id,
    )
    return patient


def update_patient(session: Session, *, access: PatientAccess, data: PatientUpdate) -> Patient:
    patient = access.patient
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is None and field != "time_zone":
            continue
        setattr(patient, field, value)
    session.flush()
    return patient


def list_care_teams(session: Session, *, access: PatientAccess) -> list[CareTeam]:
    return list(
        session.scalars(
            select(CareTeam).where(CareTeam.patient_id == access.patient_id).order_by(CareTeam.id)
        )
    )


def _staff(session: Session, user_ids: list[int]) -> list[int]:
    unique = sorted(set(user_ids))
    if not unique:
        return []
    found = session.execute(select(User.id, User.role).where(User.id.in_(unique))).all()
    known = {user_id: role for user_id, role in found}
    for user_id in unique:
        if user_id not in known:
            raise InvalidInput(f"user {user_id} does not exist", field="participant_user_ids")
        if known[user_id] is Role.patient:
            raise InvalidInput(
                f"user {user_id} is a patient account and cannot join a care team",
                field="participant_user_ids",
            )
    return unique


def create_care_team(
    session: Session,
    *,
    access: PatientAccess,
    data: CareTeamWrite,
    recently_authenticated: bool = False,
) -> CareTeam:
    """A new care team. An admin naming themself takes break-glass access (`break_glass`)."""
    team = CareTeam(patient_id=access.patient_id, name=data.name, active=data.active)
    wanted = _staff(session, data.participant_user_ids)
    for user_id in wanted:
        team.participants.append(CareTeamParticipant(user_id=user_id))
    session.add(team)
    session.flush()
    access.note_resource(team.id)
    if break_glass.takes_own_seat(access, set(), set(wanted)):
        break_glass.record_self_seat(
            session,
            access=access,
            team=team,
            reason=data.break_glass_reason,
            recently_authenticated=recently_authenticated,
        )
    return team


def replace_care_team(
    session: Session,
    *,
    access: PatientAccess,
    team_id: int,
    data: CareTeamWrite,
    recently_authenticated: bool = False,
) -> CareTeam:
    team = session.get(CareTeam, team_id)
    if team is None or team.patient_id != access.patient_id:
        raise NotFound(f"care team {team_id} not found for patient {access.patient_id}")
    team.name = data.name
    team.active = data.active
    wanted = _staff(session, data.participant_user_ids)
    present = {p.user_id for p in team.participants}
    team.participants[:] = [p for p in team.participants if p.user_id in wanted]
    kept = {p.user_id for p in team.participants}
    for user_id in wanted:
        if user_id not in kept:
            team.participants.append(CareTeamParticipant(user_id=user_id))
    session.flush()
    if break_glass.takes_own_seat(access, present, set(wanted)):
        break_glass.record_self_seat(
            session,
            access=access,
            team=team,
            reason=data.break_glass_reason,
            recently_authenticated=recently_authenticated,
        )
    return team
