"""Shared pydantic configuration and field types."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from painpath.kit.clock import EARLIEST_DATE, LATEST_DATE, in_range, is_valid_time_zone

T = TypeVar("T")

#: The largest id a row can have (PostgreSQL `integer`); larger ids are refused at the edge.
MAX_ROW_ID = 2**31 - 1


def storable_text(text: str) -> str:
    """Text both databases can store: PostgreSQL refuses NUL, and neither takes lone surrogates."""
    if "\x00" in text:
        raise ValueError("text cannot contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("text must be valid Unicode") from error
    return text


class InputModel(BaseModel):
    """A request body: unknown fields are refused rather than silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _storable(cls, value: object) -> object:
        return storable_text(value) if isinstance(value, str) else value


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


def _in_range(day: date) -> date:
    if not in_range(day):
        raise ValueError(
            f"date must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}"
        )
    return day


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("give a time zone offset (e.g. 2026-01-31T08:00:00Z)")
    try:
        instant = moment.astimezone(UTC)
    except OverflowError as error:  # e.g. 9999-12-31T23:00:00-05:00 is past year 9999 in UTC
        raise ValueError("the instant is out of range") from error
    _in_range(instant.date())
    return instant


def _not_future(day: date) -> date:
    if day > date.today():
        raise ValueError("date cannot be in the future")
    return day


def _present(value: T) -> T:
    if value is None:
        raise ValueError("may be left out, but not set to null")
    return value


def _plausible_birth_date(day: date) -> date:
    if day.year < 1900:
        raise ValueError("birth date before 1900 is not plausible")
    return _not_future(day)


TimeZoneName = Annotated[str, AfterValidator(_time_zone)]
#: An instant with an offset, stored in UTC, between EARLIEST_DATE and LATEST_DATE.
AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
#: A calendar day between EARLIEST_DATE and LATEST_DATE: every date in a body or a query.
Day = Annotated[date, AfterValidator(_in_range)]
PastDate = Annotated[date, AfterValidator(_in_range), AfterValidator(_not_future)]
BirthDate = Annotated[date, AfterValidator(_plausible_birth_date)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
]
Note = Annotated[str, StringConstraints(max_length=1000)]
ClientId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
PositiveInt = Annotated[int, Field(ge=1)]
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
SearchText = Annotated[str, AfterValidator(storable_text)]
#: A PATCH field for a required column: leave it out to keep the value; null is refused.
Omittable = Annotated[T | None, AfterValidator(_present)]
