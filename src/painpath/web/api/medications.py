"""A patient's medication requests (prescriptions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from painpath.auth.permissions import Permission
from painpath.models.medication import MedicationRequestStatus
from painpath.schemas.base import MAX_ROW_ID, Page
from painpath.schemas.clinical import (
    MedicationRequestCreate,
    MedicationRequestRead,
    MedicationRequestUpdate,
)
from painpath.services import records
from painpath.services.access import PatientAccess
from painpath.web.deps import PageDep, SessionDep, access, hop_access
from painpath.web.hop import one_hop

router = APIRouter(
    prefix="/patients/{patient_id}/medication-requests", tags=["medication requests"]
)

RequestId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Reader = Annotated[PatientAccess, access(Permission.medication_read, "MedicationRequest")]
#: The same gate, run in a `one_hop` endpoint's own hop.
HopReader = Annotated[PatientAccess, hop_access(Permission.medication_read, "MedicationRequest")]
Writer = Annotated[PatientAccess, access(Permission.medication_write, "MedicationRequest")]


@router.get("", response_model=Page[MedicationRequestRead])
@one_hop
def list_medication_requests(
    grant: HopReader,
    session: SessionDep,
    page: PageDep,
    status: Annotated[MedicationRequestStatus | None, Query()] = None,
) -> Page[MedicationRequestRead]:
    rows, total = records.list_medication_requests(
        session, access=grant, page=page, status=status.value if status else None
    )
    items = [MedicationRequestRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("", response_model=MedicationRequestRead, status_code=201)
def create_medication_request(
    body: MedicationRequestCreate, grant: Writer, session: SessionDep
) -> MedicationRequestRead:
    row = records.create_medication_request(session, access=grant, data=body)
    return MedicationRequestRead.model_validate(row)


@router.get("/{request_id}", response_model=MedicationRequestRead)
def read_medication_request(
    request_id: RequestId, grant: Reader, session: SessionDep
) -> MedicationRequestRead:
    row = records.get_medication_request(session, access=grant, request_id=request_id)
    return MedicationRequestRead.model_validate(row)


@router.patch("/{request_id}", response_model=MedicationRequestRead)
def update_medication_request(
    request_id: RequestId, body: MedicationRequestUpdate, grant: Writer, session: SessionDep
) -> MedicationRequestRead:
    row = records.update_medication_request(session, access=grant, request_id=request_id, data=body)
    return MedicationRequestRead.model_validate(row)
