"""A patient's observations: pain scores, vitals, activity, sleep."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from painpath.auth.permissions import Permission
from painpath.schemas.base import MAX_ROW_ID, AwareDatetime, Page
from painpath.schemas.clinical import ObservationCreate, ObservationRead
from painpath.services import records
from painpath.services.access import PatientAccess
from painpath.web.deps import PageDep, SessionDep, access, hop_access
from painpath.web.hop import one_hop

router = APIRouter(prefix="/patients/{patient_id}/observations", tags=["observations"])

ObservationId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Reader = Annotated[PatientAccess, access(Permission.observation_read, "Observation")]
#: The same gate, run in a `one_hop` endpoint's own hop.
HopReader = Annotated[PatientAccess, hop_access(Permission.observation_read, "Observation")]
Writer = Annotated[PatientAccess, access(Permission.observation_write, "Observation")]


@router.get("", response_model=Page[ObservationRead])
@one_hop
def list_observations(
    grant: HopReader,
    session: SessionDep,
    page: PageDep,
    code: Annotated[str | None, Query(pattern=r"^\d{1,7}-\d$", description="LOINC")] = None,
    since: Annotated[AwareDatetime | None, Query()] = None,
    until: Annotated[AwareDatetime | None, Query()] = None,
) -> Page[ObservationRead]:
    rows, total = records.list_observations(
        session, access=grant, page=page, loinc_code=code, since=since, until=until
    )
    items = [ObservationRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("", response_model=ObservationRead, status_code=201)
def create_observation(
    body: ObservationCreate, grant: Writer, session: SessionDep, response: Response
) -> ObservationRead:
    """Store a reading. Re-sending the same client_id returns the stored one with 200."""
    row, created = records.create_observation(session, access=grant, data=body)
    if not created:
        response.status_code = 200
    return ObservationRead.model_validate(row)


@router.get("/{observation_id}", response_model=ObservationRead)
def read_observation(
    observation_id: ObservationId, grant: Reader, session: SessionDep
) -> ObservationRead:
    row = records.get_observation(session, access=grant, observation_id=observation_id)
    return ObservationRead.model_validate(row)
