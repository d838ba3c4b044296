"""Answers in, checked: one whole number (or None, unanswered) per item, each in its range."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from painpath.monitoring.instruments.model import Definition, InstrumentError, Item

Answer = int | float | bool | None
Answers = Sequence[Answer] | Mapping[str, Answer]


def where(definition: Definition, item: Item) -> str:
    """How an error names an item: `PHQ-9 item 4`, `ODI section 3`."""
    return f"{definition.short_name} {definition.item_label} {item.id}"


def _checked(definition: Definition, item: Item, value: Answer) -> int | None:
    if value is None:
        return None
    if isinstance(value, float):
        if not value.is_integer():
            raise InstrumentError(f"{where(definition, item)}: {value!r} is not a whole number")
        value = int(value)
    if not isinstance(value, int):
        raise InstrumentError(f"{where(definition, item)}: {value!r} is not a whole number")
    answer = int(value)
    if not item.min <= answer <= item.max:
        raise InstrumentError(
            f"{where(definition, item)}: {answer} is outside {item.min}-{item.max}"
        )
    return answer


def checked_answers(definition: Definition, answers: Answers) -> tuple[int | None, ...]:
    """Answers in item order, range-checked; a sequence is positional, a mapping keyed by item id.

    A sequence must have one entry per item; a mapping may leave items out (unanswered) but may
    not name an item the instrument does not have.
    """
    items = definition.items
    if isinstance(answers, Mapping):
        known = {item.id for item in items}
        unknown = sorted(str(key) for key in answers if key not in known)
        if unknown:
            raise InstrumentError(f"{definition.short_name}: unknown item {unknown[0]!r}")
        values: list[Answer] = [answers.get(item.id) for item in items]
    elif isinstance(answers, str | bytes):
        raise InstrumentError(f"{definition.short_name}: answers must be a list or a mapping")
    else:
        values = list(answers)
        if len(values) != len(items):
            raise InstrumentError(
                f"{definition.short_name} expects {len(items)} answers, got {len(values)}"
            )
    return tuple(
        _checked(definition, item, value) for item, value in zip(items, values, strict=True)
    )
