"""Shared pydantic configuration and field types."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from painpath.kit.clock import is_valid_time_zone

T = TypeVar("T")


class InputModel(BaseModel):
    """A request body: unknown fields are refused rather than silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def _time_zone(name: str) -> str:
    if not is_valid_time_zone(name):
        raise ValueError(f"unknown IANA time zone {name!r}")
    return name


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("give a time zone offset (e.g. 2026-01-31T08:00:00Z)")
    return moment.astimezone(UTC)


def _not_future(day: date) -> date:
    if day > date.today():
        raise ValueError("date cannot be in the future")
    return day


def _plausible_birth_date(day: date) -> date:
    if day.year < 1900:
        raise ValueError("birth date before 1900 is not plausible")
    return _not_future(day)


TimeZoneName = Annotated[str, AfterValidator(_time_zone)]
AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
PastDate = Annotated[date, AfterValidator(_not_future)]
BirthDate = Annotated[date, AfterValidator(_plausible_birth_date)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
]
Note = Annotated[str, StringConstraints(max_length=1000)]
ClientId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
PositiveInt = Annotated[int, Field(ge=1)]
