"""A patient's care teams: who may see the record."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request

from painpath.auth.permissions import Permission
from painpath.config import Settings
from painpath.kit.clock import utcnow
from painpath.models.care_team import CareTeam
from painpath.schemas.base import MAX_ROW_ID
from painpath.schemas.patients import CareTeamRead, CareTeamWrite
from painpath.services import patients
from painpath.services.access import PatientAccess
from painpath.web.deps import SessionDep, SettingsDep, access, request_credential

router = APIRouter(prefix="/patients/{patient_id}/care-teams", tags=["care teams"])

TeamId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def _read(team: CareTeam) -> CareTeamRead:
    return CareTeamRead(
        id=team.id,
        patient_id=team.patient_id,
        name=team.name,
        active=team.active,
        participant_user_ids=sorted(p.user_id for p in team.participants),
    )


@router.get("", response_model=list[CareTeamRead])
def list_care_teams(
    grant: Annotated[PatientAccess, access(Permission.care_team_read, "CareTeam")],
    session: SessionDep,
) -> list[CareTeamRead]:
    return [_read(team) for team in patients.list_care_teams(session, access=grant)]


def _recent(request: Request, settings: Settings) -> bool:
    since = utcnow() - timedelta(minutes=settings.reauth_minutes)
    return request_credential(request).authenticated_at >= since


@router.post("", response_model=CareTeamRead, status_code=201)
def create_care_team(
    request: Request,
    body: CareTeamWrite,
    grant: Annotated[PatientAccess, access(Permission.care_team_manage, "CareTeam")],
    session: SessionDep,
    settings: SettingsDep,
) -> CareTeamRead:
    """An administrator who names themself needs `break_glass_reason` (break-glass access)."""
    team = patients.create_care_team(
        session, access=grant, data=body, recently_authenticated=_recent(request, settings)
    )
    return _read(team)


@router.put("/{team_id}", response_model=CareTeamRead)
def replace_care_team(
    request: Request,
    team_id: TeamId,
    body: CareTeamWrite,
    grant: Annotated[PatientAccess, access(Permission.care_team_manage, "CareTeam")],
    session: SessionDep,
    settings: SettingsDep,
) -> CareTeamRead:
    """An administrator who adds themself needs `break_glass_reason` (break-glass access)."""
    team = patients.replace_care_team(
        session,
        access=grant,
        team_id=team_id,
        data=body,
        recently_authenticated=_recent(request, settings),
    )
    return _read(team)
