"""A patient's conditions (problem list and diagnoses)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from painpath.auth.permissions import Permission
from painpath.schemas.base import MAX_ROW_ID, Page
from painpath.schemas.clinical import ConditionCreate, ConditionRead, ConditionUpdate
from painpath.services import records
from painpath.services.access import PatientAccess
from painpath.web.deps import PageDep, SessionDep, access

router = APIRouter(prefix="/patients/{patient_id}/conditions", tags=["conditions"])

ConditionId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Reader = Annotated[PatientAccess, access(Permission.condition_read, "Condition")]
Writer = Annotated[PatientAccess, access(Permission.condition_write, "Condition")]


@router.get("", response_model=Page[ConditionRead])
def list_conditions(grant: Reader, session: SessionDep, page: PageDep) -> Page[ConditionRead]:
    rows, total = records.list_conditions(session, access=grant, page=page)
    items = [ConditionRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("", response_model=ConditionRead, status_code=201)
def create_condition(body: ConditionCreate, grant: Writer, session: SessionDep) -> ConditionRead:
    return ConditionRead.model_validate(records.create_condition(session, access=grant, data=body))


@router.get("/{condition_id}", response_model=ConditionRead)
def read_condition(condition_id: ConditionId, grant: Reader, session: SessionDep) -> ConditionRead:
    row = records.get_condition(session, access=grant, condition_id=condition_id)
    return ConditionRead.model_validate(row)


@router.patch("/{condition_id}", response_model=ConditionRead)
def update_condition(
    condition_id: ConditionId, body: ConditionUpdate, grant: Writer, session: SessionDep
) -> ConditionRead:
    row = records.update_condition(session, access=grant, condition_id=condition_id, data=body)
    return ConditionRead.model_validate(row)
