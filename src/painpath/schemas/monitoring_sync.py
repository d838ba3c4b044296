"""Mobile sync: the batch a client posts, what each item became, and the changes feed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from painpath.kit.clock import utcnow
from painpath.schemas.base import AwareDatetime, ClientId, InputModel, OutputModel, RowId
from painpath.schemas.clinical import CLOCK_SKEW, ObservationCreate, Unit
from painpath.schemas.monitoring_adherence import MedicationFillCreate
from painpath.schemas.monitoring_diary import PainDiaryCreate
from painpath.schemas.monitoring_questionnaires import QuestionnaireResponseCreate

MAX_BATCH_ITEMS = 500

ItemKind = Literal[
    "observation", "pain_diary_entry", "dose_log", "questionnaire_response", "medication_fill"
]


class ObservationItem(ObservationCreate):
    """A reading: LOINC code, value, unit, effective start (and end), source device."""

    kind: Literal["observation"]
    client_id: ClientId
    # Open mHealth acquisition modality; RPM device codes count sensed data only.
    modality: Literal["sensed", "self-reported"] | None = None


class PainDiaryItem(PainDiaryCreate):
    kind: Literal["pain_diary_entry"]
    client_id: ClientId


class DoseLogItem(InputModel):
    """A dose taken or skipped (FHIR MedicationAdministration) against a prescription."""

    kind: Literal["dose_log"]
    client_id: ClientId
    medication_request_id: RowId
    effective_at: AwareDatetime
    # False: the dose was skipped (FHIR status not-done).
    taken: bool = True
    # Taken as needed (PRN); the prescription's asNeeded when left out.
    as_needed: bool | None = None
    # The prescription's dose when left out.
    dose_value: Annotated[float, Field(gt=0, le=100_000)] | None = None
    dose_unit: Unit | None = None
    reason_not_taken: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.effective_at > utcnow() + CLOCK_SKEW:
            raise ValueError("effective_at is in the future")
        if self.taken and self.reason_not_taken is not None:
            raise ValueError("reason_not_taken is for skipped doses")
        return self


class QuestionnaireResponseItem(QuestionnaireResponseCreate):
    kind: Literal["questionnaire_response"]
    client_id: ClientId


class MedicationFillItem(MedicationFillCreate):
    """A pharmacy fill the client learnt of (e.g. from the pharmacy app), for PDC and refills."""

    kind: Literal["medication_fill"]


SyncItem = Annotated[
    ObservationItem | PainDiaryItem | DoseLogItem | QuestionnaireResponseItem | MedicationFillItem,
    Field(discriminator="kind"),
]


class SyncBatchIn(InputModel):
    # The client's id for this batch: a retry with the same id gets the same answer.
    batch_id: ClientId
    items: Annotated[list[SyncItem], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


class SyncItemResult(BaseModel):
    index: int
    kind: ItemKind
    client_id: str
    # created, or duplicate (the client id was stored by an earlier batch)
    status: Literal["created", "duplicate"]
    id: int


class SyncBatchResult(BaseModel):
    batch_id: str
    received_at: datetime
    created: int
    duplicates: int
    results: list[SyncItemResult]


class ChangeRead(BaseModel):
    seq: int
    kind: str
    # upsert: `data` is the record as it is now; delete: it is gone (`data` null).
    op: Literal["upsert", "delete"]
    id: int
    data: dict[str, Any] | None


class ChangesRead(BaseModel):
    changes: list[ChangeRead]
    # Send as `since` next time.
    next_token: str
    # More changes wait: ask again with next_token right away.
    has_more: bool


class DoseLogRead(OutputModel):
    id: int
    patient_id: int
    medication_request_id: int | None
    effective_at: datetime
    dose_value: float
    dose_unit: str
    # completed (taken) or not-done (skipped)
    status: str
    as_needed: bool
    reason_not_taken: str | None
    client_id: str | None
