"""Clinician time logged on a patient's remote monitoring (RPM or RTM)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath.kit.pagination import PageRequest
from painpath.models.monitoring_time import ClinicianTimeEntry, MonitoringProgram
from painpath.schemas.monitoring_time import TimeEntryCreate
from painpath.services.access import PatientAccess


def add_entry(
    session: Session, *, access: PatientAccess, data: TimeEntryCreate
) -> ClinicianTimeEntry:
    """Log time the caller spent on the patient's monitoring."""
    entry = ClinicianTimeEntry(
        patient_id=access.patient_id, clinician_id=access.actor.user_id, **data.model_dump()
    )
    session.add(entry)
    session.flush()
    access.note_resource(entry.id)
    return entry


def list_entries(
    session: Session,
    *,
    access: PatientAccess,
    page: PageRequest,
    program: MonitoringProgram | None = None,
) -> tuple[list[ClinicianTimeEntry], int]:
    query = select(ClinicianTimeEntry).where(ClinicianTimeEntry.patient_id == access.patient_id)
    if program is not None:
        query = query.where(ClinicianTimeEntry.program == program)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ClinicianTimeEntry.started_at.desc(), ClinicianTimeEntry.id.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return list(rows), total
