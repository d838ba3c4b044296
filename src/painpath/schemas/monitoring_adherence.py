"""Medication fills as clients send them, the adherence report, and a patient's alert settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, field_validator

from painpath.schemas.base import ClientId, InputModel, OutputModel, PastDate, RowId
from painpath.terminology import lookup_rxnorm


class MedicationFillCreate(InputModel):
    """One pharmacy dispensing (FHIR MedicationDispense): what, when, for how many days."""

    client_id: ClientId
    rxnorm_code: Annotated[str, StringConstraints(pattern=r"^\d{1,8}$")]
    fill_date: PastDate
    days_supply: Annotated[int, Field(ge=1, le=365)]
    quantity: Annotated[float, Field(gt=0, le=100_000)] | None = None
    # The prescription filled, when known; it must be on this patient's record.
    medication_request_id: RowId | None = None

    @field_validator("rxnorm_code")
    @classmethod
    def _in_formulary(cls, code: str) -> str:
        if lookup_rxnorm(code) is None:
            raise ValueError(f"RxNorm code {code} is not in painpath's formulary")
        return code


class MedicationFillRead(OutputModel):
    id: int
    patient_id: int
    medication_request_id: int | None
    rxnorm_code: str
    drug: str
    drug_class: str
    fill_date: date
    days_supply: int
    quantity: float | None
    client_id: str
    created_at: datetime


class AdherenceRead(BaseModel):
    """Adherence over `start`..`end` (patient's local days); each part carries its evidence."""

    start: date
    end: date
    time_zone: str
    # Per drug (ingredient): fills, PDC (PQA), MPR and early refills.
    medicines: list[dict[str, Any]]
    # Per drug class: PDC with a day covered by any drug of the class (PQA).
    drug_classes: list[dict[str, Any]]
    # Per scheduled prescription: doses the schedule expects against doses logged.
    dose_logs: list[dict[str, Any]]
    # Per as-needed drug: days above the prescribed maximum.
    prn: list[dict[str, Any]]
    # Prescriptions whose stored timing is outside the plausible range, with the reason: they
    # are left out of the dose and as-needed figures rather than expanded.
    unevaluable: list[dict[str, Any]] = []


Thresholds = dict[str, dict[str, float]]


class AlertThresholdsIn(InputModel):
    # {rule_id: {threshold: number}}; rules and thresholds as GET lists them under `defaults`.
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # The patient's usual pain (NRS 0-10); null: the mean of the first full diary week.
    pain_baseline: Annotated[float, Field(ge=0, le=10)] | None = None


class AlertThresholdsRead(BaseModel):
    patient_id: int
    overrides: Thresholds
    pain_baseline: float | None
    # Every rule's thresholds with this patient's overrides applied.
    effective: Thresholds
    defaults: Thresholds
    updated_at: datetime | None
    updated_by: int | None
