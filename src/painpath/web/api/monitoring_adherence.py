"""Medication adherence: PDC and MPR from fills, dose logs against the schedule, PRN overuse."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from painpath.auth.permissions import Permission
from painpath.schemas.base import Day
from painpath.schemas.monitoring_adherence import AdherenceRead
from painpath.services.access import PatientAccess
from painpath.services.monitoring.adherence import adherence_report
from painpath.web.deps import SessionDep, access

router = APIRouter(tags=["adherence"])

Reader = Annotated[PatientAccess, access(Permission.medication_read, "Adherence")]


@router.get("/patients/{patient_id}/adherence", response_model=AdherenceRead)
def adherence(
    grant: Reader,
    session: SessionDep,
    start: Annotated[Day | None, Query(description="first local day; default 1 January")] = None,
    end: Annotated[Day | None, Query(description="last local day; default today")] = None,
) -> AdherenceRead:
    """Per drug: PDC (PQA) and MPR with their fills, and early refills; per drug class: PDC;
    per scheduled prescription: doses scheduled against doses logged; per as-needed drug: the
    days above the prescribed maximum. Each part carries the evidence behind its numbers."""
    return adherence_report(session, access=grant, start=start, end=end)
