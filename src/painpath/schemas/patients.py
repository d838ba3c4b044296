"""Patient and care-team shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from painpath.models.enums import AdministrativeGender
from painpath.schemas.base import (
    BirthDate,
    Identifier,
    InputModel,
    Name,
    Omittable,
    OutputModel,
    RowId,
    ShortText,
    TimeZoneName,
)


class PatientCreate(InputModel):
    mrn: Identifier
    given_name: Name
    family_name: Name
    birth_date: BirthDate
    gender: AdministrativeGender
    time_zone: TimeZoneName = "UTC"


class PatientUpdate(InputModel):
    given_name: Omittable[Name] = None
    family_name: Omittable[Name] = None
    birth_date: Omittable[BirthDate] = None
    gender: Omittable[AdministrativeGender] = None
    time_zone: Omittable[TimeZoneName] = None
    active: Omittable[bool] = None


class PatientRead(OutputModel):
    id: int
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    gender: AdministrativeGender
    time_zone: str
    active: bool
    created_at: datetime
    updated_at: datetime


class CareTeamWrite(InputModel):
    name: ShortText
    active: bool = True
    participant_user_ids: list[RowId] = Field(default_factory=list, max_length=50)
    # Required when an administrator seats themself (break-glass access; audited, and the care
    # team is alerted).
    break_glass_reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class CareTeamRead(OutputModel):
    id: int
    patient_id: int
    name: str
    active: bool
    participant_user_ids: list[int]
