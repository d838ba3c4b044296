"""Questionnaire responses, assignments and the occurrence log, as the API takes and gives them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from painpath.kit.clock import utcnow
from painpath.models.questionnaire_schedule import OccurrenceEvent, Recurrence
from painpath.schemas.base import (
    AwareDatetime,
    ClientId,
    Identifier,
    InputModel,
    Omittable,
    OutputModel,
    RowId,
)

#: Device clocks drift: answers up to this far ahead of the server are accepted.
CLOCK_SKEW = timedelta(minutes=5)
MAX_WINDOW_MINUTES = 60 * 24 * 31
#: An item answer: the number the instrument defines for it (yes/no items: 1/0), or null.
Answer = int | float | None


class QuestionnaireResponseCreate(InputModel):
    # Canonical instrument id, as the scoring engine names it (e.g. "phq-9").
    instrument: Identifier
    # Item answers in order; null marks an unanswered item.
    answers: Annotated[list[Answer], Field(min_length=1, max_length=100)]
    authored_at: AwareDatetime
    client_id: ClientId | None = None
    # The assignment occurrence this completes; found from the schedule when left out.
    assignment_id: RowId | None = None
    occurrence: Annotated[int, Field(ge=0, le=100_000)] | None = None

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.authored_at > utcnow() + CLOCK_SKEW:
            raise ValueError("authored_at is in the future")
        if (self.assignment_id is None) != (self.occurrence is None):
            raise ValueError("give assignment_id and occurrence together")
        return self


class QuestionnaireResponseRead(OutputModel):
    id: int
    patient_id: int
    instrument: str = Field(validation_alias="questionnaire")
    status: str
    authored_at: datetime
    answers: list[Any]
    total_score: float | None
    score: dict[str, Any] | None
    assignment_id: int | None
    occurrence: int | None
    client_id: str | None


class AssignmentCreate(InputModel):
    instrument: Identifier
    recurrence: Recurrence
    # Days between openings, for every-n-days (daily is 1, weekly 7).
    interval_days: Annotated[int, Field(ge=1, le=365)] | None = None
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    window_minutes: Annotated[int, Field(ge=1, le=MAX_WINDOW_MINUTES)] = 24 * 60
    reminder_minutes: Annotated[
        list[Annotated[int, Field(ge=0, le=MAX_WINDOW_MINUTES)]], Field(max_length=10)
    ] = Field(default_factory=list)

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.recurrence is Recurrence.every_n_days and self.interval_days is None:
            raise ValueError("every-n-days needs interval_days")
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at is not after starts_at")
        if any(minute >= self.window_minutes for minute in self.reminder_minutes):
            raise ValueError("a reminder falls after the occurrence closes")
        return self

    def days_between(self) -> int:
        fixed = {Recurrence.daily: 1, Recurrence.weekly: 7, Recurrence.once: 1}
        return fixed.get(self.recurrence) or self.interval_days or 1


class AssignmentUpdate(InputModel):
    active: Omittable[bool] = None
    ends_at: AwareDatetime | None = None


class AssignmentRead(OutputModel):
    id: int
    patient_id: int
    instrument: str
    recurrence: Recurrence
    interval_days: int
    starts_at: datetime
    ends_at: datetime | None
    window_minutes: int
    reminder_minutes: list[int]
    active: bool
    assigned_by: int | None
    created_at: datetime


class OccurrenceRead(OutputModel):
    assignment_id: int
    instrument: str
    occurrence: int
    opens_at: datetime
    closes_at: datetime
    # The latest event in the occurrence's log (scheduled when nothing happened yet).
    status: OccurrenceEvent
    snoozed_until: datetime | None
    # The next reminder still to come, if any (a snooze moves it to the snooze's end).
    next_reminder_at: datetime | None
    # Open, not completed and not snoozed right now.
    due_now: bool


class OccurrenceEventCreate(InputModel):
    event: Literal["delivered", "opened", "snoozed"]
    # When it happened on the device; the server's clock when left out.
    at: AwareDatetime | None = None
    snooze_until: AwareDatetime | None = None

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if (self.event == "snoozed") != (self.snooze_until is not None):
            raise ValueError("snooze_until goes with a snoozed event, and only with one")
        if self.at is not None and self.at > utcnow() + CLOCK_SKEW:
            raise ValueError("at is in the future")
        return self


class OccurrenceLogRead(OutputModel):
    id: int
    assignment_id: int
    occurrence: int
    event: OccurrenceEvent
    at: datetime
    snooze_until: datetime | None
    response_id: int | None
    user_id: int | None
