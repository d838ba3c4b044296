"""Telehealth as the API takes and gives it: availability, slots, visits, notes, completion.

Instants are UTC (ISO 8601 with offset); each read also carries the same instant on the
viewer's own clock (`*_local`, with `viewer_time_zone`), so a client shows every time in the
viewer's zone without a zone database of its own.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from painpath.models.monitoring_time import MonitoringProgram
from painpath.models.telehealth import ExceptionKind, VisitStatus
from painpath.schemas.base import AwareDatetime, Day, InputModel, RowId, TimeZoneName

Minute = Annotated[int, Field(ge=0, le=1440)]
SlotMinutes = Annotated[int, Field(ge=5, le=240)]
Reason = Annotated[str, StringConstraints(max_length=500)]
Section = Annotated[str, StringConstraints(max_length=20_000)]


class WeeklyWindowIn(InputModel):
    weekday: Annotated[int, Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")]
    start_minute: Annotated[Minute, Field(description="local minutes after midnight")]
    end_minute: Minute
    slot_minutes: SlotMinutes = 30


class AvailabilityIn(InputModel):
    time_zone: TimeZoneName
    weekly: Annotated[list[WeeklyWindowIn], Field(max_length=70)]


class ExceptionIn(InputModel):
    day: Day
    kind: ExceptionKind
    start_minute: Minute = 0
    end_minute: Minute = 1440
    slot_minutes: SlotMinutes = 30
    note: Annotated[str, StringConstraints(max_length=200)] | None = None


class WeeklyWindowRead(BaseModel):
    weekday: int
    start_minute: int
    end_minute: int
    slot_minutes: int


class ExceptionRead(BaseModel):
    id: int
    day: date
    kind: ExceptionKind
    start_minute: int
    end_minute: int
    slot_minutes: int
    note: str | None


class AvailabilityRead(BaseModel):
    clinician_id: int
    time_zone: str
    weekly: list[WeeklyWindowRead]
    exceptions: list[ExceptionRead]


class SlotRead(BaseModel):
    starts_at: datetime
    ends_at: datetime
    starts_local: str


class ClinicianSlotsRead(BaseModel):
    clinician_id: int
    clinician_name: str
    clinician_time_zone: str
    slots: list[SlotRead]


class SlotsRead(BaseModel):
    viewer_time_zone: str
    clinicians: list[ClinicianSlotsRead]


class VisitCreate(InputModel):
    clinician_id: RowId
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: Reason | None = None


class VisitCancel(InputModel):
    reason: Reason | None = None


class SoapIn(InputModel):
    subjective: Section | None = None
    objective: Section | None = None
    assessment: Section | None = None
    plan: Section | None = None


class VisitComplete(InputModel):
    minutes: Annotated[int, Field(ge=1, le=600)]
    program: MonitoringProgram


class VisitRead(BaseModel):
    id: int
    patient_id: int
    clinician_id: int
    clinician_name: str
    status: VisitStatus
    starts_at: datetime
    ends_at: datetime
    viewer_time_zone: str
    starts_local: str
    ends_local: str
    reason: str | None
    # The video room link (null when cancelled or no provider is configured).
    join_url: str | None
    calendar_url: str
    cancelled_at: datetime | None
    cancel_reason: str | None
    minutes: int | None
    completed_at: datetime | None
    subjective: str | None
    objective: str | None
    assessment: str | None
    plan: str | None
