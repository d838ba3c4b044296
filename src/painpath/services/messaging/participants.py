"""Who takes part in a patient's message threads: the patient's own account and the staff who
hold messaging rights on one of the patient's active care teams, and nobody else."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.auth.permissions import Permission, has_permission
from painpath.models.care_team import CareTeam, CareTeamParticipant
from painpath.models.enums import Role
from painpath.models.user import User

#: Staff roles that read and answer messages (admins manage seats, they do not converse).
MESSAGING_STAFF = tuple(role for role in Role if has_permission(role, Permission.message_write))


def care_team_staff(session: Session, patient_id: int) -> list[User]:
    """Active staff accounts seated on one of the patient's active care teams."""
    query = (
        select(User)
        .join(CareTeamParticipant, CareTeamParticipant.user_id == User.id)
        .join(CareTeam, CareTeam.id == CareTeamParticipant.care_team_id)
        .where(
            CareTeam.patient_id == patient_id,
            CareTeam.active.is_(True),
            User.is_active.is_(True),
            User.role.in_([role for role in MESSAGING_STAFF if role is not Role.patient]),
        )
        .distinct()
        .order_by(User.id)
    )
    return list(session.scalars(query))


def patient_accounts(session: Session, patient_id: int) -> list[User]:
    """The patient's own active account (at most one)."""
    query = select(User).where(User.patient_id == patient_id, User.is_active.is_(True))
    return list(session.scalars(query))


def participants(session: Session, patient_id: int) -> list[User]:
    return patient_accounts(session, patient_id) + care_team_staff(session, patient_id)
