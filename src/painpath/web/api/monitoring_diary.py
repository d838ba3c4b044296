"""A patient's pain diary: quick daily entries from a phone, corrected or deleted later."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from painpath.auth.permissions import Permission
from painpath.schemas.base import MAX_ROW_ID, Day, Page
from painpath.schemas.monitoring_diary import PainDiaryCreate, PainDiaryRead, PainDiaryUpdate
from painpath.services.access import PatientAccess
from painpath.services.monitoring import diary as monitoring_diary
from painpath.web.deps import PageDep, SessionDep, access, hop_access
from painpath.web.hop import one_hop

router = APIRouter(prefix="/patients/{patient_id}/pain-diary", tags=["pain diary"])

EntryId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Reader = Annotated[PatientAccess, access(Permission.observation_read, "PainDiaryEntry")]
#: The same gate, run in a `one_hop` endpoint's own hop.
HopReader = Annotated[PatientAccess, hop_access(Permission.observation_read, "PainDiaryEntry")]
Writer = Annotated[PatientAccess, access(Permission.observation_write, "PainDiaryEntry")]


@router.get("", response_model=Page[PainDiaryRead])
@one_hop
def list_entries(
    grant: HopReader,
    session: SessionDep,
    page: PageDep,
    start: Annotated[Day | None, Query(description="first local day")] = None,
    end: Annotated[Day | None, Query(description="last local day")] = None,
) -> Page[PainDiaryRead]:
    rows, total = monitoring_diary.list_entries(
        session, access=grant, page=page, start=start, end=end
    )
    items = [PainDiaryRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("", response_model=PainDiaryRead, status_code=201)
def add_entry(
    body: PainDiaryCreate, grant: Writer, session: SessionDep, response: Response
) -> PainDiaryRead:
    """Add an entry. Re-sending the same client_id returns the stored one with 200."""
    entry, created = monitoring_diary.add_entry(session, access=grant, data=body)
    if not created:
        response.status_code = 200
    return PainDiaryRead.model_validate(entry)


@router.get("/{entry_id}", response_model=PainDiaryRead)
def read_entry(entry_id: EntryId, grant: Reader, session: SessionDep) -> PainDiaryRead:
    entry = monitoring_diary.get_entry(session, access=grant, entry_id=entry_id)
    return PainDiaryRead.model_validate(entry)


@router.patch("/{entry_id}", response_model=PainDiaryRead)
def update_entry(
    entry_id: EntryId, body: PainDiaryUpdate, grant: Writer, session: SessionDep
) -> PainDiaryRead:
    entry = monitoring_diary.update_entry(session, access=grant, entry_id=entry_id, data=body)
    return PainDiaryRead.model_validate(entry)


@router.delete("/{entry_id}", status_code=204)
def delete_entry(entry_id: EntryId, grant: Writer, session: SessionDep) -> Response:
    monitoring_diary.delete_entry(session, access=grant, entry_id=entry_id)
    return Response(status_code=204)
