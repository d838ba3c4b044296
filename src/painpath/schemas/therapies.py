"""Therapy courses over the API: request bodies (bounded, unknown fields refused) and reads.

The vocabularies (states, end reasons, families, function change) are the care workflow
engine's enums, so the OpenAPI schema and the engine cannot drift apart.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from painpath.care.workflows import CourseState, EndReason, Family
from painpath.care.workflows.checklists import ItemState
from painpath.care.workflows.neurostimulation import FunctionChange
from painpath.schemas.base import Day, InputModel, OutputModel

Code = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")]
Site = Annotated[str, StringConstraints(min_length=1, max_length=120)]
Remark = Annotated[str, StringConstraints(max_length=500)]
Timepoint = Literal["baseline", "follow_up"]
CheckKind = Literal["screening", "candidacy", "contraindication"]


class CourseCreate(InputModel):
    therapy: Code = Field(description="care knowledge therapy id, e.g. tnf_inhibitor")
    product: Code | None = Field(None, description="product or preparation, e.g. adalimumab")
    condition: Code | None = Field(None, description="care knowledge condition id treated")
    site: Site | None = Field(None, description="target site, e.g. left knee")


class CheckCreate(InputModel):
    item: Code
    result: Code
    checked_on: Day = Field(description="the day of the test or review")
    note: Remark | None = None


class StartCreate(InputModel):
    started_on: Day


class EndCreate(InputModel):
    ended_on: Day
    reason: EndReason
    note: Remark | None = None


class TrialBegin(InputModel):
    started_on: Day = Field(description="the day the trial leads went in")


class TrialDayCreate(InputModel):
    day: Day
    relief_percent: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
    function: FunctionChange
    note: Remark | None = None


class TrialEvaluation(InputModel):
    evaluated_on: Day


class ImplantCreate(InputModel):
    implanted_on: Day
    device: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    mr_labelling: Literal["mr_conditional_full_body", "mr_conditional_head_only", "mr_unsafe"]
    lead_location: Site


class ProgramCreate(InputModel):
    programmed_on: Day
    name: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    waveform: Code
    frequency_hz: Annotated[float, Field(gt=0, le=100_000, allow_inf_nan=False)]
    pulse_width_us: Annotated[float, Field(gt=0, le=100_000, allow_inf_nan=False)]
    amplitude_ma: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
    contacts: Annotated[
        str, StringConstraints(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9+\-, ]+$")
    ]
    mode: Literal["in_person", "remote"] = "in_person"
    pain_after: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] | None = None
    note: Remark | None = None


class StatusAcknowledgement(InputModel):
    acknowledged: Literal[True] = Field(
        description="true: the clinician has read the evidence status shown for this therapy"
    )


class InjectionCreate(InputModel):
    injected_on: Day
    product: Code
    preparation: Annotated[str, StringConstraints(max_length=200)] | None = None
    volume_ml: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)]
    activation: Code
    site: Site
    guidance: Code
    adverse_events: Remark | None = None


class AssessmentCreate(InputModel):
    assessed_on: Day
    instrument: Code
    timepoint: Timepoint
    values: Annotated[dict[Code, float], Field(max_length=12)]
    note: Remark | None = None


class ClinicSettingsUpdate(InputModel):
    require_neurostimulation_trial: bool


class ClinicSettingsRead(BaseModel):
    require_neurostimulation_trial: bool
    changed_at: datetime | None
    changed_by: int | None


class CourseRead(OutputModel):
    id: int
    patient_id: int
    therapy: str
    therapy_name: str
    family: Family
    state: CourseState
    product: str | None
    condition: str | None
    site: str | None
    started_on: date | None
    ended_on: date | None
    end_reason: EndReason | None
    end_note: str | None
    created_at: datetime


class CheckRead(OutputModel):
    id: int
    kind: CheckKind
    item: str
    result: str
    checked_on: date
    note: str | None


class GateItem(BaseModel):
    item: str
    label: str
    state: ItemState
    result: str | None
    checked_on: date | None
    valid_until: date | None
    results: dict[str, bool] = Field(description="each result and whether it allows the step")
    source: str


class GateRead(BaseModel):
    step: str
    complete: bool
    missing: list[str] = Field(description="what is missing, unacceptable or expired")
    items: list[GateItem]


class MonitoringRead(BaseModel):
    what: str
    due: date
    every_weeks: int
    source: str


class TrialDayRead(OutputModel):
    id: int
    day: date
    relief_percent: float
    function_change: FunctionChange
    note: str | None


class TrialRead(BaseModel):
    entries: int
    mean_relief_percent: float | None
    success: bool
    ready: bool
    summary: str
    required: bool = Field(description="whether the clinic requires a successful trial")
    source: str
    days: list[TrialDayRead]


class ProgramRead(OutputModel):
    id: int
    programmed_on: date
    name: str
    waveform: str
    frequency_hz: float
    pulse_width_us: float
    amplitude_ma: float
    contacts: str
    mode: str
    pain_after: float | None
    relief_percent: float | None = Field(None, description="against the baseline pain NRS")
    note: str | None


class ImplantRead(BaseModel):
    implanted_on: date
    device: str
    mr_labelling: str
    lead_location: str


class StatusRead(BaseModel):
    status: str
    statement: str
    sources: list[str]
    guidelines: list[str]
    text: str
    acknowledged_at: datetime | None
    acknowledged_by: int | None


class InjectionRead(OutputModel):
    id: int
    injected_on: date
    product: str
    preparation: str | None
    volume_ml: float
    activation: str
    site: str
    guidance: str
    adverse_events: str | None


class ContraindicationRead(BaseModel):
    id: str
    label: str
    absolute: bool
    present: bool | None = Field(description="null until reviewed")
    source: str


class ResponseRead(BaseModel):
    level: str
    responder: bool
    summary: str
    numbers: dict[str, float]
    source: str


class AssessmentRead(BaseModel):
    id: int
    assessed_on: date
    instrument: str
    instrument_name: str
    timepoint: Timepoint
    values: dict[str, float]
    note: str | None
    response: ResponseRead | None = Field(description="against the instrument's baseline")


class OutcomesRead(BaseModel):
    instruments: list[str]
    assessments: list[AssessmentRead]
    next_due: date | None = Field(description="the next assessment; null before a baseline")
    latest_responder: bool | None


class CourseDetail(BaseModel):
    course: CourseRead
    states: list[CourseState]
    next_states: list[CourseState]
    checks: list[CheckRead]
    gate: GateRead | None = Field(description="the checklist of the next gated step")
    monitoring: list[MonitoringRead]
    trial: TrialRead | None
    implant: ImplantRead | None
    programs: list[ProgramRead]
    status: StatusRead | None
    contraindications: list[ContraindicationRead]
    injections: list[InjectionRead]
    outcomes: OutcomesRead
    knowledge: dict[str, dict[str, str]]
