"""Clinician time on a patient's remote monitoring, and the RPM/RTM billing ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from painpath.auth.permissions import Permission
from painpath.models.monitoring_time import MonitoringProgram
from painpath.schemas.base import Day, Page
from painpath.schemas.monitoring_time import (
    LedgerRead,
    PerformerMinutes,
    TimeEntryCreate,
    TimeEntryRead,
)
from painpath.services.access import PatientAccess
from painpath.services.monitoring import ledger as monitoring_ledger
from painpath.services.monitoring import time as monitoring_time
from painpath.web.deps import PageDep, SessionDep, access

router = APIRouter(prefix="/patients/{patient_id}", tags=["remote monitoring billing"])

Reader = Annotated[PatientAccess, access(Permission.observation_read, "MonitoringTime")]
Writer = Annotated[PatientAccess, access(Permission.monitoring_time_write, "MonitoringTime")]
LedgerReader = Annotated[PatientAccess, access(Permission.observation_read, "MonitoringLedger")]


@router.post("/monitoring-time", response_model=TimeEntryRead, status_code=201)
def add_time(body: TimeEntryCreate, grant: Writer, session: SessionDep) -> TimeEntryRead:
    """Log minutes the caller spent on the patient's RPM or RTM (interactive: live audio/video)."""
    return TimeEntryRead.model_validate(monitoring_time.add_entry(session, access=grant, data=body))


@router.get("/monitoring-time", response_model=Page[TimeEntryRead])
def list_time(
    grant: Reader,
    session: SessionDep,
    page: PageDep,
    program: Annotated[MonitoringProgram | None, Query()] = None,
) -> Page[TimeEntryRead]:
    rows, total = monitoring_time.list_entries(session, access=grant, page=page, program=program)
    items = [TimeEntryRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/monitoring-ledger", response_model=LedgerRead)
def ledger(
    grant: LedgerReader,
    session: SessionDep,
    program: Annotated[MonitoringProgram, Query()] = MonitoringProgram.rpm,
    period_start: Annotated[
        Day | None, Query(description="first day of the 30-day period (patient's day)")
    ] = None,
    first_period: Annotated[bool, Query(description="the episode's first period")] = False,
) -> LedgerRead:
    """Days with data and minutes by performer for one 30-day period, and the CPT codes the
    billing engine finds billable for them, each with its evidence."""
    found = monitoring_ledger.ledger(
        session,
        access=grant,
        program=program,
        period_start=period_start,
        first_period=first_period,
    )
    return LedgerRead(
        program=found.program,
        period_start=found.period_start,
        period_end=found.period_end,
        month_start=found.month_start,
        month_end=found.month_end,
        days_with_sensed_data=found.sensed_days,
        days_with_self_reported_data=found.self_reported_days,
        qualifying_days=found.qualifying_days,
        minutes=found.minutes,
        minutes_by_performer=[
            PerformerMinutes(
                clinician_id=p.clinician_id,
                name=p.name,
                minutes=p.minutes,
                interactive_minutes=p.interactive_minutes,
            )
            for p in found.performers
        ],
        interactive=found.interactive,
        first_period=found.first_period,
        billing=found.billing,
    )
