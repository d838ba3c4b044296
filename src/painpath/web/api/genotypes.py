"""A patient's pharmacogene results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.auth.permissions import Permission
from painpath.schemas.clinical import GenotypeRead
from painpath.services import records
from painpath.services.access import PatientAccess
from painpath.web.deps import SessionDep, access

router = APIRouter(prefix="/patients/{patient_id}/genotypes", tags=["pharmacogenomics"])


@router.get("", response_model=list[GenotypeRead])
def list_genotypes(
    grant: Annotated[PatientAccess, access(Permission.genotype_read, "GenotypeResult")],
    session: SessionDep,
) -> list[GenotypeRead]:
    return [
        GenotypeRead.model_validate(row) for row in records.list_genotypes(session, access=grant)
    ]
