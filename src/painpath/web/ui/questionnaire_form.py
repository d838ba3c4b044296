"""A questionnaire as a page form: one group of choices per item, and the posted answers read
back in item order (blank: unanswered) for the scoring engine to accept or refuse."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from painpath.monitoring import instruments

#: Form fields are named `item-<id>`.
FIELD_PREFIX = "item-"


@dataclass(frozen=True, slots=True)
class Choice:
    value: int
    label: str


@dataclass(frozen=True, slots=True)
class Question:
    item_id: str
    number: int
    text: str
    choices: tuple[Choice, ...]
    #: Numbered tiles (a 0-10 rating) rather than a list of worded answers.
    numeric: bool

    @property
    def field(self) -> str:
        return FIELD_PREFIX + self.item_id


@dataclass(frozen=True, slots=True)
class ParsedAnswers:
    """Answers in item order (None: unanswered), or the message naming a malformed item."""

    values: list[int | None]
    error: str | None


def questions(definition: instruments.Definition) -> tuple[Question, ...]:
    found = []
    for number, item in enumerate(definition.items, start=1):
        values = range(item.min, item.max + 1)
        labels = item.labels
        choices = tuple(
            Choice(value, labels[value - item.min] if labels else str(value)) for value in values
        )
        found.append(Question(item.id, number, item.text, choices, numeric=labels is None))
    return tuple(found)


def parse_answers(definition: instruments.Definition, posted: Mapping[str, str]) -> ParsedAnswers:
    """Read `item-<id>` fields; a value that is not a whole number is refused, naming the item
    as the engine does (`PHQ-9 item 4`). Ranges are the engine's to check."""
    values: list[int | None] = []
    for item in definition.items:
        text = posted.get(FIELD_PREFIX + item.id, "").strip()
        if not text:
            values.append(None)
            continue
        try:
            values.append(int(text))
        except ValueError:
            where = f"{definition.short_name} {definition.item_label} {item.id}"
            return ParsedAnswers(values, f"{where}: choose one of the listed answers")
    return ParsedAnswers(values, None)


def urgent_flags(definition: instruments.Definition, values: list[int | None]) -> list[str]:
    """Codes of urgent item flags in answers that may be incomplete (PHQ-9 item 9 above 0)."""
    try:
        flags = instruments.item_flags(definition.id, values)
    except instruments.InstrumentError:
        return []
    return [flag.code for flag in flags if flag.severity == "urgent"]
