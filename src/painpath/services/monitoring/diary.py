"""A patient's pain diary: add, read, correct, delete and list entries by local day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from painpath.kit.clock import utcnow
from painpath.kit.pagination import PageRequest
from painpath.models.pain_diary import PainDiaryEntry
from painpath.schemas.monitoring_diary import PainDiaryCreate, PainDiaryUpdate
from painpath.services.access import PatientAccess
from painpath.services.errors import Conflict, InvalidInput, NotFound
from painpath.services.paging import page_with_total


def find_by_client_id(
    session: Session, *, patient_id: int, client_id: str
) -> PainDiaryEntry | None:
    return session.scalar(
        select(PainDiaryEntry).where(
            PainDiaryEntry.patient_id == patient_id, PainDiaryEntry.client_id == client_id
        )
    )


def add_entry(
    session: Session, *, access: PatientAccess, data: PainDiaryCreate
) -> tuple[PainDiaryEntry, bool]:
    """Store an entry; a repeat of a known client_id returns the stored one (False)."""
    if data.client_id and (
        existing := find_by_client_id(
            session, patient_id=access.patient_id, client_id=data.client_id
        )
    ):
        access.note_resource(existing.id)
        return existing, False
    if data.local_date < access.patient.birth_date:
        raise InvalidInput("local_date is before the patient's birth date", field="local_date")
    fields = data.model_dump(include=set(PainDiaryCreate.model_fields))
    fields["recorded_at"] = data.recorded_at or utcnow()
    entry = PainDiaryEntry(patient_id=access.patient_id, **fields)
    session.add(entry)
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict("the entry conflicts with a stored one", field="client_id") from error
    access.note_resource(entry.id)
    return entry, True


def get_entry(session: Session, *, access: PatientAccess, entry_id: int) -> PainDiaryEntry:
    entry = session.get(PainDiaryEntry, entry_id)
    if entry is None or entry.patient_id != access.patient_id:
        raise NotFound(f"diary entry {entry_id} not found for patient {access.patient_id}")
    return entry


def update_entry(
    session: Session, *, access: PatientAccess, entry_id: int, data: PainDiaryUpdate
) -> PainDiaryEntry:
    entry = get_entry(session, access=access, entry_id=entry_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(entry, field, value)
    session.flush()
    return entry


def delete_entry(session: Session, *, access: PatientAccess, entry_id: int) -> None:
    session.delete(get_entry(session, access=access, entry_id=entry_id))
    session.flush()


def list_entries(
    session: Session,
    *,
    access: PatientAccess,
    page: PageRequest,
    start: date | None = None,
    end: date | None = None,
) -> tuple[list[PainDiaryEntry], int]:
    """Entries with local_date in [start, end], newest day first."""
    if start and end and end < start:
        raise InvalidInput("end is before start", field="end")
    query = select(PainDiaryEntry).where(PainDiaryEntry.patient_id == access.patient_id)
    if start:
        query = query.where(PainDiaryEntry.local_date >= start)
    if end:
        query = query.where(PainDiaryEntry.local_date <= end)
    ordered = query.order_by(PainDiaryEntry.local_date.desc(), PainDiaryEntry.id.desc())
    return page_with_total(session, ordered, page)
