"""Items of a mobile sync batch into the record: observations (looked up and inserted a batch
at a time), diary entries, dose logs, questionnaire responses and pharmacy fills (one at a
time). A client id already stored for the patient and kind is a duplicate: the stored record is
returned and nothing is added."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.models.medication import MedicationAdministration, MedicationRequest
from painpath.models.observation import Observation
from painpath.schemas.clinical import ObservationCreate
from painpath.schemas.monitoring_sync import (
    DoseLogItem,
    MedicationFillItem,
    ObservationItem,
    PainDiaryItem,
    QuestionnaireResponseItem,
)
from painpath.services.access import PatientAccess
from painpath.services.errors import InvalidInput
from painpath.services.monitoring.diary import add_entry
from painpath.services.monitoring.fills import add_fill
from painpath.services.monitoring.questionnaires import record_response
from painpath.services.recording import observation_fields


def known_observations(
    session: Session, *, patient_id: int, client_ids: list[str]
) -> dict[str, int]:
    """Stored observation ids by client id, for the client ids given (one query per batch)."""
    if not client_ids:
        return {}
    rows = session.execute(
        select(Observation.client_id, Observation.id).where(
            Observation.patient_id == patient_id, Observation.client_id.in_(client_ids)
        )
    )
    return {client_id: row_id for client_id, row_id in rows if client_id is not None}


def new_observation(access: PatientAccess, item: ObservationItem) -> Observation:
    """The observation for an item, not yet flushed: a batch of readings goes in one insert."""
    fields = item.model_dump(include={*ObservationCreate.model_fields, "modality"})
    return Observation(patient_id=access.patient_id, **observation_fields(access.actor, fields))


def _dose_log(session: Session, access: PatientAccess, item: DoseLogItem) -> tuple[int, bool]:
    existing = session.scalar(
        select(MedicationAdministration.id).where(
            MedicationAdministration.patient_id == access.patient_id,
            MedicationAdministration.client_id == item.client_id,
        )
    )
    if existing is not None:
        return existing, False
    request = session.get(MedicationRequest, item.medication_request_id)
    if request is None or request.patient_id != access.patient_id:
        raise InvalidInput(
            f"prescription {item.medication_request_id} is not on this patient's record",
            field="medication_request_id",
        )
    if item.effective_at.date() < request.start_date:
        raise InvalidInput("the dose is before the prescription starts", field="effective_at")
    dose = MedicationAdministration(
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
    session.add(dose)
    session.flush()
    return dose.id, True


def store_item(
    session: Session,
    *,
    access: PatientAccess,
    item: DoseLogItem | PainDiaryItem | QuestionnaireResponseItem | MedicationFillItem,
) -> tuple[int, bool]:
    """Store one item; (id, created). InvalidInput names the item's field, without the index."""
    if isinstance(item, DoseLogItem):
        return _dose_log(session, access, item)
    if isinstance(item, MedicationFillItem):
        return add_fill(session, access=access, data=item)
    if isinstance(item, PainDiaryItem):
        entry, created = add_entry(session, access=access, data=item)
        return entry.id, created
    response, created = record_response(session, access=access, data=item)
    return response.id, created
