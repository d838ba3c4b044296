"""Pain-diary entries as the API takes and gives them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from painpath.schemas.base import AwareDatetime, ClientId, InputModel, Note, Omittable, OutputModel
from painpath.terminology.pain_diary import body_regions, pain_qualities

Score0to10 = Annotated[int, Field(ge=0, le=10)]
SleepHours = Annotated[float, Field(ge=0, le=24)]
Trigger = Annotated[str, StringConstraints(min_length=1, max_length=50)]


def _known(codes: list[str], allowed: dict[str, str], what: str) -> list[str]:
    unknown = [code for code in codes if code not in allowed]
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(unknown)}; one of {', '.join(allowed)}")
    if len(set(codes)) != len(codes):
        raise ValueError(f"a {what} is listed twice")
    return codes


def _regions(codes: list[str]) -> list[str]:
    return _known(codes, body_regions().codes, "body region")


def _qualities(codes: list[str]) -> list[str]:
    return _known(codes, pain_qualities().codes, "pain quality")


def _diary_day(day: date) -> date:
    # The patient's today can be the server's tomorrow (UTC+14 at the most).
    if day > date.today() + timedelta(days=1):
        raise ValueError("a diary day cannot be in the future")
    if day.year < 1900:
        raise ValueError("a diary day before 1900 is not plausible")
    return day


BodyRegions = Annotated[list[str], Field(max_length=19), AfterValidator(_regions)]
Qualities = Annotated[list[str], Field(max_length=22), AfterValidator(_qualities)]
Triggers = Annotated[list[Trigger], Field(max_length=10)]
DiaryDay = Annotated[date, AfterValidator(_diary_day)]


class PainDiaryCreate(InputModel):
    local_date: DiaryDay
    pain: Score0to10
    body_regions: BodyRegions = Field(default_factory=list)
    qualities: Qualities = Field(default_factory=list)
    triggers: Triggers = Field(default_factory=list)
    sleep_hours: SleepHours | None = None
    sleep_quality: Score0to10 | None = None
    mood: Score0to10 | None = None
    notes: Note | None = None
    # When the entry was made; the server's clock when left out.
    recorded_at: AwareDatetime | None = None
    client_id: ClientId | None = None


class PainDiaryUpdate(InputModel):
    pain: Omittable[Score0to10] = None
    body_regions: Omittable[BodyRegions] = None
    qualities: Omittable[Qualities] = None
    triggers: Omittable[Triggers] = None
    sleep_hours: SleepHours | None = None
    sleep_quality: Score0to10 | None = None
    mood: Score0to10 | None = None
    notes: Note | None = None


class PainDiaryRead(OutputModel):
    id: int
    patient_id: int
    local_date: date
    recorded_at: datetime
    pain: int
    body_regions: list[str]
    qualities: list[str]
    triggers: list[str]
    sleep_hours: float | None
    sleep_quality: int | None
    mood: int | None
    notes: str | None
    client_id: str | None
    created_at: datetime
    updated_at: datetime
