"""Items of a mobile sync batch into the record: observations, diary entries and dose logs
(looked up a batch at a time and inserted in the batch's one flush), questionnaire responses
and pharmacy fills (one at a time: scoring and drug lookup run per item). A client id already
stored for the patient and kind is a duplicate: the stored record is returned and nothing is
added."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

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


def new_observation(access: PatientAccess, item: ObservationItem) -> Observation:
    """The observation for an item, not yet flushed: a batch of readings goes in one insert."""
    fields = item.model_dump(include={*ObservationCreate.model_fields, "modality"})
    return Observation(patient_id=access.patient_id, **observation_fields(access.actor, fields))


def known_client_ids(
    session: Session,
    model: type[Observation | PainDiaryEntry | MedicationAdministration],
    *,
    patient_id: int,
    client_ids: list[str],
) -> dict[str, int]:
    """Stored ids of `model` rows by client id, for the client ids given (one query a batch)."""
    if not client_ids:
        return {}
    rows = session.execute(
        select(model.client_id, model.id).where(
            model.patient_id == patient_id, model.client_id.in_(client_ids)
        )
    )
    return {client_id: row_id for client_id, row_id in rows if client_id is not None}


def prescriptions(
    session: Session, *, patient_id: int, items: list[DoseLogItem]
) -> dict[int, MedicationRequest]:
    """The patient's own prescriptions that the dose logs name (one query a batch); an id on
    another patient's record is left out, so it reads as not on this record."""
    ids = {item.medication_request_id for item in items}
    if not ids:
        return {}
    rows = session.scalars(
        select(MedicationRequest).where(
            MedicationRequest.id.in_(ids), MedicationRequest.patient_id == patient_id
        )
    )
    return {row.id: row for row in rows}


def new_dose_log(
    access: PatientAccess, item: DoseLogItem, request: MedicationRequest | None
) -> MedicationAdministration:
    """The dose log for an item, not yet flushed; `request`: the prescription it names, when
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
    """The diary entry for an item, not yet flushed."""
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
