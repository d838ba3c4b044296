"""Conditions, medication requests, observations and genotype results in a patient's record."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from painpath.kit.pagination import PageRequest
from painpath.models.condition import Condition
from painpath.models.genotype import GenotypeResult
from painpath.models.medication import MedicationRequest
from painpath.models.observation import Observation
from painpath.schemas.clinical import (
    ConditionCreate,
    ConditionUpdate,
    MedicationRequestCreate,
    MedicationRequestUpdate,
    ObservationCreate,
)
from painpath.services.access import PatientAccess
from painpath.services.errors import Conflict, InvalidInput, NotFound
from painpath.services.paging import page_with_total
from painpath.services.recording import observation_fields, recorder
from painpath.terminology import lookup_rxnorm

Row = TypeVar("Row", Condition, MedicationRequest, Observation, GenotypeResult)


def _page(session: Session, query: Select[Row], page: PageRequest) -> tuple[list[Row], int]:
    return page_with_total(session, query, page)


def _own(session: Session, model: type[Row], row_id: int, access: PatientAccess) -> Row:
    row = session.get(model, row_id)
    if row is None or row.patient_id != access.patient_id:
        raise NotFound(f"{model.__name__} {row_id} not found for patient {access.patient_id}")
    return row


def _apply(row: object, changes: dict[str, object]) -> None:
    for field, value in changes.items():
        setattr(row, field, value)


# Conditions


def list_conditions(
    session: Session, *, access: PatientAccess, page: PageRequest
) -> tuple[list[Condition], int]:
    query = (
        select(Condition)
        .where(Condition.patient_id == access.patient_id)
        .order_by(Condition.onset_date.desc().nulls_last(), Condition.id)
    )
    return _page(session, query, page)


def get_condition(session: Session, *, access: PatientAccess, condition_id: int) -> Condition:
    return _own(session, Condition, condition_id, access)


def create_condition(
    session: Session, *, access: PatientAccess, data: ConditionCreate
) -> Condition:
    if data.onset_date and data.onset_date < access.patient.birth_date:
        raise InvalidInput("onset_date is before the patient's birth date", field="onset_date")
    condition = Condition(
        patient_id=access.patient_id, **recorder(access.actor), **data.model_dump()
    )
    session.add(condition)
    session.flush()
    access.note_resource(condition.id)
    return condition


def update_condition(
    session: Session, *, access: PatientAccess, condition_id: int, data: ConditionUpdate
) -> Condition:
    condition = _own(session, Condition, condition_id, access)
    changes = data.model_dump(exclude_unset=True)
    abatement = changes.get("abatement_date")
    if abatement and condition.onset_date and abatement < condition.onset_date:
        raise InvalidInput("abatement_date is before onset_date", field="abatement_date")
    _apply(condition, changes)
    session.flush()
    return condition


# Medication requests


def list_medication_requests(
    session: Session, *, access: PatientAccess, page: PageRequest, status: str | None = None
) -> tuple[list[MedicationRequest], int]:
    query = select(MedicationRequest).where(MedicationRequest.patient_id == access.patient_id)
    if status:
        query = query.where(MedicationRequest.status == status)
    return _page(
        session, query.order_by(MedicationRequest.start_date.desc(), MedicationRequest.id), page
    )


def get_medication_request(
    session: Session, *, access: PatientAccess, request_id: int
) -> MedicationRequest:
    return _own(session, MedicationRequest, request_id, access)


def create_medication_request(
    session: Session, *, access: PatientAccess, data: MedicationRequestCreate
) -> MedicationRequest:
    drug = lookup_rxnorm(data.rxnorm_code)
    if drug is None:  # the schema checks too; this keeps the service safe on its own
        raise InvalidInput(f"unknown RxNorm code {data.rxnorm_code}", field="rxnorm_code")
    if data.start_date < access.patient.birth_date:
        raise InvalidInput("start_date is before the patient's birth date", field="start_date")
    request = MedicationRequest(
        patient_id=access.patient_id,
        display=drug.display,
        prescriber_id=access.actor.user_id,
        **recorder(access.actor),
        **data.model_dump(),
    )
    session.add(request)
    session.flush()
    access.note_resource(request.id)
    return request


def update_medication_request(
    session: Session, *, access: PatientAccess, request_id: int, data: MedicationRequestUpdate
) -> MedicationRequest:
    request = _own(session, MedicationRequest, request_id, access)
    changes = data.model_dump(exclude_unset=True)
    end = changes.get("end_date")
    if end and end < request.start_date:
        raise InvalidInput("end_date is before start_date", field="end_date")
    _apply(request, changes)
    session.flush()
    return request


# Observations


def list_observations(
    session: Session,
    *,
    access: PatientAccess,
    page: PageRequest,
    loinc_code: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[Observation], int]:
    query = select(Observation).where(Observation.patient_id == access.patient_id)
    if loinc_code:
        query = query.where(Observation.loinc_code == loinc_code)
    if since:
        query = query.where(Observation.effective_at >= since)
    if until:
        query = query.where(Observation.effective_at < until)
    return _page(session, query.order_by(Observation.effective_at.desc(), Observation.id), page)


def get_observation(session: Session, *, access: PatientAccess, observation_id: int) -> Observation:
    return _own(session, Observation, observation_id, access)


def create_observation(
    session: Session, *, access: PatientAccess, data: ObservationCreate
) -> tuple[Observation, bool]:
    """Store one observation; a repeat of a known client_id returns the stored one (False)."""
    if data.client_id:
        existing = session.scalar(
            select(Observation).where(
                Observation.patient_id == access.patient_id,
                Observation.client_id == data.client_id,
            )
        )
        if existing is not None:
            access.note_resource(existing.id)
            return existing, False
    fields = observation_fields(access.actor, data.model_dump())
    observation = Observation(patient_id=access.patient_id, **fields)
    session.add(observation)
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict("the observation conflicts with a stored one", field="client_id") from error
    access.note_resource(observation.id)
    return observation, True


# Genotype results


def list_genotypes(session: Session, *, access: PatientAccess) -> list[GenotypeResult]:
    query = (
        select(GenotypeResult)
        .where(GenotypeResult.patient_id == access.patient_id)
        .order_by(GenotypeResult.gene)
    )
    return list(session.scalars(query))
