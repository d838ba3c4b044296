"""Clinician monitoring time and the billing ledger, as the API takes and gives them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Self

from pydantic import BaseModel, Field, model_validator

from painpath.kit.clock import utcnow
from painpath.models.monitoring_time import MonitoringProgram
from painpath.schemas.base import AwareDatetime, InputModel, Note, OutputModel


class TimeEntryCreate(InputModel):
    started_at: AwareDatetime
    minutes: Annotated[int, Field(ge=1, le=600)]
    # Included a real-time audio or video exchange with the patient.
    interactive: bool = False
    program: MonitoringProgram
    note: Note | None = None

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.started_at > utcnow() + timedelta(minutes=5):
            raise ValueError("started_at is in the future")
        return self


class TimeEntryRead(OutputModel):
    id: int
    patient_id: int
    clinician_id: int | None
    started_at: datetime
    minutes: int
    interactive: bool
    program: MonitoringProgram
    note: str | None
    created_at: datetime


class PerformerMinutes(BaseModel):
    clinician_id: int | None
    name: str
    minutes: int
    interactive_minutes: int


class LedgerRead(BaseModel):
    program: MonitoringProgram
    period_start: date
    period_end: date
    month_start: date
    month_end: date
    # Local days (the patient's zone) with at least one reading of each kind, in the period.
    days_with_sensed_data: list[date]
    days_with_self_reported_data: list[date]
    # The days that count for the program's device codes (RPM: sensed only).
    qualifying_days: list[date]
    minutes: int
    minutes_by_performer: list[PerformerMinutes]
    interactive: bool
    first_period: bool
    # The billing engine's decision: codes with their evidence, refusals with their reasons.
    billing: dict[str, Any]
