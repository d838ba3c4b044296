"""Patients: the panel list, registration, demographics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from painpath.auth.permissions import Permission
from painpath.schemas.base import Page, SearchText
from painpath.schemas.patients import PatientCreate, PatientRead, PatientUpdate
from painpath.services import patients
from painpath.services.access import PatientAccess
from painpath.web.deps import ActorDep, HopActorDep, PageDep, SessionDep, access
from painpath.web.hop import one_hop

router = APIRouter(prefix="/patients", tags=["patients"])


@router.get("", response_model=Page[PatientRead])
@one_hop
def list_patients(
    actor: HopActorDep,
    session: SessionDep,
    page: PageDep,
    q: Annotated[
        SearchText | None, Query(max_length=100, description="name or MRN contains")
    ] = None,
) -> Page[PatientRead]:
    """Patients the caller may see: their care-team panel, or their own record."""
    rows, total = patients.list_patients(session, actor=actor, page=page, search=q)
    items = [PatientRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("", response_model=PatientRead, status_code=201)
def create_patient(body: PatientCreate, actor: ActorDep, session: SessionDep) -> PatientRead:
    return PatientRead.model_validate(patients.create_patient(session, actor=actor, data=body))


@router.get("/{patient_id}", response_model=PatientRead)
def read_patient(
    grant: Annotated[PatientAccess, access(Permission.patient_read, "Patient")],
) -> PatientRead:
    return PatientRead.model_validate(grant.patient)


@router.patch("/{patient_id}", response_model=PatientRead)
def update_patient(
    body: PatientUpdate,
    grant: Annotated[PatientAccess, access(Permission.patient_update, "Patient")],
    session: SessionDep,
) -> PatientRead:
    return PatientRead.model_validate(patients.update_patient(session, access=grant, data=body))
