"""Therapies a patient has had: what a client sends and reads (docs/care.md, "Therapies tried")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from painpath.care import knowledge
from painpath.care.inputs import MAX_TRIAL_WEEKS, THERAPY_ID_MAX, TherapyOutcome
from painpath.care.knowledge import TherapyFamily
from painpath.models.care_therapy_tried import TherapyTriedStatus
from painpath.schemas.base import Day, InputModel, OutputModel

TriedNote = Annotated[str, StringConstraints(max_length=500)]
ErrorReason = Annotated[str, StringConstraints(min_length=1, max_length=300)]


class TherapyTriedCreate(InputModel):
    """One therapy the patient has had and how it ended."""

    therapy: Annotated[
        str,
        StringConstraints(min_length=1, max_length=THERAPY_ID_MAX),
        Field(description="a care therapy id (docs/care.md, Therapies)"),
    ]
    outcome: TherapyOutcome
    weeks: Annotated[int, Field(ge=0, le=MAX_TRIAL_WEEKS, description="length of the trial")] | (
        None
    ) = None
    ended_on: Annotated[Day | None, Field(description="not after today, not before birth")] = None
    note: TriedNote | None = None

    @field_validator("therapy")
    @classmethod
    def _known_therapy(cls, value: str) -> str:
        if value not in knowledge().therapies:
            raise ValueError(f"unknown therapy {value[:60]!r} (see docs/care.md for the ids)")
        return value


class TherapyTriedErrorMark(InputModel):
    """Marks a therapy-tried entry as entered in error; it stays in the record, unused."""

    reason: ErrorReason


class TherapyTriedRead(OutputModel):
    id: int
    therapy: str
    therapy_name: str | None = Field(description="null when the stored id is not in the knowledge")
    family: TherapyFamily | None
    outcome: TherapyOutcome | None = Field(description="null when the stored value is unknown")
    weeks: int | None
    ended_on: date | None
    note: str | None
    status: TherapyTriedStatus
    status_reason: str | None
    recorder_id: int | None
    recorder_role: str | None
    created_at: datetime
    problem: str | None = Field(
        description="why suggestions cannot use this stored entry; null when they can"
    )
