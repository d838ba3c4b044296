"""Pharmacy fills into the record: the drug and its class from the RxNorm formulary, the
prescription checked against the patient, a known client id returned rather than added twice."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.models.medication import MedicationRequest
from painpath.models.medication_fill import MedicationFill
from painpath.schemas.monitoring_adherence import MedicationFillCreate
from painpath.services.access import PatientAccess
from painpath.services.errors import InvalidInput
from painpath.terminology import lookup_rxnorm


def _check_request(session: Session, access: PatientAccess, data: MedicationFillCreate) -> None:
    if data.medication_request_id is None:
        return
    request = session.get(MedicationRequest, data.medication_request_id)
    if request is None or request.patient_id != access.patient_id:
        raise InvalidInput(
            f"prescription {data.medication_request_id} is not on this patient's record",
            field="medication_request_id",
        )
    if request.rxnorm_code != data.rxnorm_code:
        filled, ordered = lookup_rxnorm(data.rxnorm_code), lookup_rxnorm(request.rxnorm_code)
        if filled is None or ordered is None or filled.ingredient != ordered.ingredient:
            raise InvalidInput(
                f"RxNorm {data.rxnorm_code} is not the drug prescription "
                f"{request.id} orders ({request.rxnorm_code})",
                field="rxnorm_code",
            )


def add_fill(
    session: Session, *, access: PatientAccess, data: MedicationFillCreate
) -> tuple[int, bool]:
    """Store a fill; (id, created). A client id already stored returns the stored fill."""
    existing = session.scalar(
        select(MedicationFill.id).where(
            MedicationFill.patient_id == access.patient_id,
            MedicationFill.client_id == data.client_id,
        )
    )
    if existing is not None:
        return existing, False
    drug = lookup_rxnorm(data.rxnorm_code)
    if drug is None:  # the schema refuses these; a direct caller may not have used it
        raise InvalidInput(f"RxNorm code {data.rxnorm_code} is unknown", field="rxnorm_code")
    if data.fill_date < access.patient.birth_date or data.fill_date > date.today():
        raise InvalidInput("fill_date is outside the patient's life", field="fill_date")
    _check_request(session, access, data)
    fill = MedicationFill(
        patient_id=access.patient_id,
        medication_request_id=data.medication_request_id,
        rxnorm_code=data.rxnorm_code,
        drug=drug.ingredient,
        drug_class=drug.drug_class.value,
        fill_date=data.fill_date,
        days_supply=data.days_supply,
        quantity=data.quantity,
        client_id=data.client_id,
    )
    session.add(fill)
    session.flush()
    return fill.id, True
