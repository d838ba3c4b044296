"""Conditions, medication requests, observations and genotype results."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Self

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from painpath.kit.clock import utcnow
from painpath.models.condition import ConditionCodeSystem, ConditionStatus
from painpath.models.medication import MedicationRequestStatus, PeriodUnit
from painpath.models.observation import ObservationStatus
from painpath.monitoring.dosing import TimingError, doses_per_day
from painpath.schemas.base import (
    AwareDatetime,
    ClientId,
    Day,
    InputModel,
    Note,
    Omittable,
    OutputModel,
    PastDate,
    ShortText,
)
from painpath.terminology import CodeError, check_icd10cm, check_loinc, check_snomed, lookup_rxnorm
from painpath.terminology.plausible import check_plausible

#: Device clocks drift: readings up to this far ahead of the server are accepted.
CLOCK_SKEW = timedelta(minutes=5)

Unit = Annotated[str, StringConstraints(min_length=1, max_length=32)]


def _check_condition_code(system: ConditionCodeSystem, code: str) -> str:
    checker = check_icd10cm if system is ConditionCodeSystem.icd10cm else check_snomed
    return checker(code)


class ConditionCreate(InputModel):
    code_system: ConditionCodeSystem
    code: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    display: ShortText
    clinical_status: ConditionStatus = ConditionStatus.active
    onset_date: PastDate | None = None
    abatement_date: PastDate | None = None

    @field_validator("code")
    @classmethod
    def _known_code_syntax(cls, code: str, info: ValidationInfo) -> str:
        system = info.data.get("code_system")
        if system is None:
            return code
        try:
            return _check_condition_code(system, code)
        except CodeError as error:
            raise ValueError(str(error)) from error

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.onset_date and self.abatement_date and self.abatement_date < self.onset_date:
            raise ValueError("abatement_date is before onset_date")
        return self


class ConditionUpdate(InputModel):
    clinical_status: Omittable[ConditionStatus] = None
    abatement_date: PastDate | None = None
    display: Omittable[ShortText] = None


class RecordedByRead(OutputModel):
    """Who entered the record: a user id and the role they held (patient, clinician, …)."""

    user_id: int | None
    role: str


class ConditionRead(OutputModel):
    id: int
    patient_id: int
    code_system: ConditionCodeSystem
    code: str
    display: str
    clinical_status: ConditionStatus
    onset_date: date | None
    abatement_date: date | None
    recorded_at: datetime = Field(validation_alias="created_at")
    recorded_by: RecordedByRead | None


class MedicationRequestCreate(InputModel):
    rxnorm_code: Annotated[str, StringConstraints(pattern=r"^\d{1,8}$")]

    @field_validator("rxnorm_code")
    @classmethod
    def _in_formulary(cls, code: str) -> str:
        if lookup_rxnorm(code) is None:
            raise ValueError(f"RxNorm code {code} is not in painpath's formulary")
        return code

    status: MedicationRequestStatus = MedicationRequestStatus.active
    dose_value: Annotated[float, Field(gt=0, le=100_000)]
    dose_unit: Unit
    frequency: Annotated[int, Field(ge=1, le=48)] = 1
    period: Annotated[float, Field(gt=0, le=365)] = 1
    period_unit: PeriodUnit = PeriodUnit.day
    route: Annotated[str, StringConstraints(min_length=1, max_length=32)] = "oral"
    as_needed: bool = False
    start_date: Day
    end_date: Day | None = None
    days_supply: Annotated[int, Field(ge=1, le=365)] | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        try:
            doses_per_day(self.frequency, self.period, self.period_unit)
        except TimingError as error:
            raise ValueError(str(error)) from None
        return self


class MedicationRequestUpdate(InputModel):
    status: Omittable[MedicationRequestStatus] = None
    end_date: Day | None = None
    note: Note | None = None


class MedicationRequestRead(OutputModel):
    id: int
    patient_id: int
    rxnorm_code: str
    display: str
    status: MedicationRequestStatus
    dose_value: float
    dose_unit: str
    frequency: int
    period: float
    period_unit: PeriodUnit
    route: str
    as_needed: bool
    start_date: date
    end_date: date | None
    days_supply: int | None
    prescriber_id: int | None
    note: str | None
    recorded_by: RecordedByRead | None


class ObservationCreate(InputModel):
    status: ObservationStatus = ObservationStatus.final
    category: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z-]{1,31}$")]
    loinc_code: str
    display: ShortText

    @field_validator("loinc_code")
    @classmethod
    def _loinc(cls, code: str) -> str:
        try:
            return check_loinc(code)
        except CodeError as error:
            raise ValueError(str(error)) from error

    value: Annotated[float, Field(ge=-1e9, le=1e9)] | None = None
    value_text: Annotated[str, StringConstraints(max_length=500)] | None = None
    unit: Unit | None = None
    effective_at: AwareDatetime
    effective_end: AwareDatetime | None = None
    source_device: Annotated[str, StringConstraints(max_length=100)] | None = None
    client_id: ClientId | None = None

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.value is None and self.value_text is None:
            raise ValueError("an observation needs value or value_text")
        if self.effective_end and self.effective_end < self.effective_at:
            raise ValueError("effective_end is before effective_at")
        if self.effective_at > utcnow() + CLOCK_SKEW:
            raise ValueError("effective_at is in the future")
        if self.value is not None and (reason := check_plausible(self.loinc_code, self.value)):
            raise ValueError(reason)
        return self


class ObservationRead(OutputModel):
    id: int
    patient_id: int
    status: ObservationStatus
    category: str
    loinc_code: str
    display: str
    value: float | None
    value_text: str | None
    unit: str | None
    effective_at: datetime
    effective_end: datetime | None
    source_device: str | None
    client_id: str | None
    recorded_by: RecordedByRead | None


class GenotypeRead(OutputModel):
    id: int
    patient_id: int
    gene: str
    diplotype: str
    phenotype: str | None
    activity_score: float | None
    source: str
    knowledge_version: str
    created_at: datetime
