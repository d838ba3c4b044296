"""The pain-diary quick-entry form: its choices (body map, qualities, days) and its parsing.

Parsing turns the posted strings into a `PainDiaryCreate`, or into one plain-words message per
field, so the page can show each error beside its input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from pydantic import ValidationError

from painpath.schemas.monitoring_diary import PainDiaryCreate
from painpath.terminology.pain_diary import body_regions, pain_qualities

FIELDS = ("pain", "body_regions", "qualities", "triggers", "sleep_hours", "mood", "notes")
#: The days offered in the form: today and the six before it.
DAYS_OFFERED = 7
MAX_TRIGGERS = 10
_MESSAGES = {
    "pain": "Choose how bad your pain is, from 0 (no pain) to 10 (worst imaginable).",
    "sleep_hours": "Enter the hours you slept as a number from 0 to 24, for example 6.5.",
    "mood": "Choose your mood from 0 (worst) to 10 (best), or leave it out.",
    "body_regions": "Choose the areas from the body map.",
    "qualities": "Choose the words from the list.",
    "triggers": f"List up to {MAX_TRIGGERS} things, each at most 50 characters, "
    "separated by commas.",
    "notes": "Notes can be at most 1000 characters.",
    "local_date": "Choose one of the days in the list.",
}
_SIDE = re.compile(r"^(?P<part>.+), (?P<side>left|right)$")


@dataclass(frozen=True, slots=True)
class Chip:
    """A toggle chip: the code it posts, the short text it shows, and its full name."""

    code: str
    text: str
    title: str


@dataclass(frozen=True, slots=True)
class ChipGroup:
    legend: str
    chips: tuple[Chip, ...]


@dataclass(frozen=True, slots=True)
class DayChoice:
    value: str
    text: str


@dataclass(slots=True)
class DiaryForm:
    """What the person entered (or the defaults), as the form shows it again."""

    local_date: str
    pain: str = ""
    body_regions: list[str] = field(default_factory=list)
    qualities: list[str] = field(default_factory=list)
    triggers: str = ""
    sleep_hours: str = ""
    mood: str = ""
    notes: str = ""
    client_id: str = ""


def _region_chip(code: str, display: str) -> tuple[str, Chip]:
    match = _SIDE.match(display)
    part, side = (match["part"], match["side"]) if match else (display, "")
    short = part.split(" (")[0]
    group = {"left": "Left side", "right": "Right side"}.get(side, "Neck and trunk")
    return group, Chip(code, short, display)


def region_groups() -> tuple[ChipGroup, ...]:
    """The 19 body-map areas as three groups of chips: left side, neck and trunk, right side."""
    grouped: dict[str, list[Chip]] = {"Left side": [], "Neck and trunk": [], "Right side": []}
    for code, display in body_regions().codes.items():
        group, chip = _region_chip(code, display)
        grouped[group].append(chip)
    return tuple(ChipGroup(legend, tuple(chips)) for legend, chips in grouped.items())


def quality_chips() -> tuple[Chip, ...]:
    return tuple(
        Chip(code, display.removesuffix(" pain"), display)
        for code, display in pain_qualities().codes.items()
    )


def day_choices(today: date) -> tuple[DayChoice, ...]:
    names = {0: "Today", 1: "Yesterday"}
    choices = []
    for back in range(DAYS_OFFERED):
        day = today - timedelta(days=back)
        label = f"{names.get(back, day.strftime('%A'))}, {day.day} {day.strftime('%B')}"
        choices.append(DayChoice(day.isoformat(), label))
    return tuple(choices)


def _day(text: str, today: date) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if today - timedelta(days=365) <= day <= today else None


def parse(form: DiaryForm, today: date) -> tuple[PainDiaryCreate | None, dict[str, str]]:
    """The entry the form describes, or the message for each field that is not right."""
    errors: dict[str, str] = {}
    day = _day(form.local_date, today)
    if day is None:
        errors["local_date"] = _MESSAGES["local_date"]
    if not form.pain:
        errors["pain"] = _MESSAGES["pain"]
    triggers = [part.strip() for part in form.triggers.split(",") if part.strip()]
    if len(triggers) > MAX_TRIGGERS:
        errors["triggers"] = _MESSAGES["triggers"]
    if errors:
        return None, errors
    candidate = {
        "local_date": day,
        "pain": form.pain,
        "body_regions": form.body_regions,
        "qualities": form.qualities,
        "triggers": triggers,
        "sleep_hours": form.sleep_hours.replace(",", ".") or None,
        "mood": form.mood or None,
        "notes": form.notes.strip() or None,
        "client_id": form.client_id or None,
    }
    try:
        return PainDiaryCreate.model_validate(candidate), {}
    except ValidationError as error:
        for entry in error.errors():
            name = str((entry.get("loc") or ("form",))[0])
            errors.setdefault(name, _MESSAGES.get(name, str(entry.get("msg", "Not valid."))))
        return None, errors
