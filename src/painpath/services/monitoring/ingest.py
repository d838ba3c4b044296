"""Items of a mobile sync batch into the record: observations, diary entries and dose logs
(looked up a batch at a time and inserted a table at a time, `insert_rows`), questionnaire
responses and pharmacy fills (one at a time: scoring and drug lookup run per item). A client
id already stored for the patient and kind is a duplicate: the stored record is returned and
nothing is added."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Insert, Table, bindparam, insert, inspect, or_, select
from sqlalchemy.orm import Session

from painpath.db.base import Base
from painpath.kit.clock import utcnow
from painpath.models.medication import MedicationAdministration, MedicationRequest
from painpath.models.observation import Observation
from painpath.models.pain_diary import PainDiaryEntry
from painpath.schemas.clinical import ObservationCreate
from painpath.schemas.monitoring_diary import PainDiaryCreate
from painpath.schemas.monitoring_sync import (
    DoseLogItem,
    MedicationFillItem,
    ObservationItem,
    PainDiaryItem,
    QuestionnaireResponseItem,
)
from painpath.services.access import PatientAccess
from painpath.services.errors import InvalidInput
from painpath.services.monitoring.fills import add_fill
from painpath.services.monitoring.questionnaires import record_response
from painpath.services.recording import observation_fields

#: The kinds of row a batch looks up and inserts a batch at a time.
BatchedModel = type[Observation | PainDiaryEntry | MedicationAdministration]


def new_observation(access: PatientAccess, item: ObservationItem) -> Observation:
    """The observation for an item, not yet stored: a batch of readings goes in one insert."""
    fields = item.model_dump(include={*ObservationCreate.model_fields, "modality"})
    return Observation(patient_id=access.patient_id, **observation_fields(access.actor, fields))


_INSERTS: dict[Table, Insert] = {}


def insert_rows(session: Session, records: Sequence[Base]) -> None:
    """Insert these new records (never added to the session) with Core statements built once
    per table, a statement per table and set of columns given, and set each record's id: for a
    row that is only inserted the ORM's unit of work adds nothing but CPU (issue 15). Column
    defaults apply as in a flush; the change log is the caller's (`changes.log_inserted`)."""
    groups: dict[tuple[Table, tuple[str, ...]], list[tuple[Base, dict[str, object]]]] = {}
    for record in records:
        mapper = inspect(type(record))
        given = vars(record)
        row = {
            prop.columns[0].key: given[prop.key]
            for prop in mapper.column_attrs
            if prop.key in given
        }
        table = cast("Table", mapper.local_table)
        groups.setdefault((table, tuple(row)), []).append((record, row))
    for (table, _), members in groups.items():
        statement = _INSERTS.get(table)
        if statement is None:
            statement = _INSERTS[table] = insert(table).returning(
                table.c.id, sort_by_parameter_order=True
            )
        ids = session.connection().execute(statement, [row for _, row in members]).scalars()
        for (record, _), row_id in zip(members, ids, strict=True):
            record.id = row_id  # type: ignore[attr-defined]


#: `prescriptions`' statement, built once (a sync with dose logs runs it).
_PRESCRIPTIONS = select(MedicationRequest).where(
    MedicationRequest.patient_id == bindparam("patient_id"),
    or_(
        MedicationRequest.id.in_(bindparam("ids", expanding=True)),
        MedicationRequest.as_needed.is_(True),
    ),
)


def prescriptions(
    session: Session, *, patient_id: int, items: list[DoseLogItem]
) -> dict[int, MedicationRequest]:
    """The patient's own prescriptions that the dose logs name, and every as-needed one (the
    as-needed opioid rule reads those after a batch with dose logs), by id: one query a batch.
    An id on another patient's record is left out, so it reads as not on this record."""
    ids = sorted({item.medication_request_id for item in items})
    if not ids:
        return {}
    rows = session.scalars(_PRESCRIPTIONS, {"patient_id": patient_id, "ids": ids})
    return {row.id: row for row in rows}


def new_dose_log(
    access: PatientAccess, item: DoseLogItem, request: MedicationRequest | None
) -> MedicationAdministration:
    """The dose log for an item, not yet stored; `request`: the prescription it names, when
    it is on this patient's record."""
    if request is None:
        raise InvalidInput(
            f"prescription {item.medication_request_id} is not on this patient's record",
            field="medication_request_id",
        )
    if item.effective_at.date() < request.start_date:
        raise InvalidInput("the dose is before the prescription starts", field="effective_at")
    return MedicationAdministration(
        patient_id=access.patient_id,
        medication_request_id=request.id,
        effective_at=item.effective_at,
        dose_value=item.dose_value or request.dose_value,
        dose_unit=item.dose_unit or request.dose_unit,
        status="completed" if item.taken else "not-done",
        as_needed=request.as_needed if item.as_needed is None else item.as_needed,
        reason_not_taken=item.reason_not_taken,
        client_id=item.client_id,
    )


def new_diary_entry(access: PatientAccess, item: PainDiaryItem) -> PainDiaryEntry:
    """The diary entry for an item, not yet stored."""
    if item.local_date < access.patient.birth_date:
        raise InvalidInput("local_date is before the patient's birth date", field="local_date")
    fields = item.model_dump(include=set(PainDiaryCreate.model_fields))
    fields["recorded_at"] = item.recorded_at or utcnow()
    return PainDiaryEntry(patient_id=access.patient_id, **fields)


def store_item(
    session: Session,
    *,
    access: PatientAccess,
    item: QuestionnaireResponseItem | MedicationFillItem,
) -> tuple[int, bool]:
    """Store one item; (id, created). InvalidInput names the item's field, without the index."""
    if isinstance(item, MedicationFillItem):
        return add_fill(session, access=access, data=item)
    response, created = record_response(session, access=access, data=item)
    return response.id, created
