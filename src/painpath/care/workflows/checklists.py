"""Checklists that gate a step: biologic pre-start screening and neurostimulation candidacy.

Each item needs a recorded result that the knowledge accepts, dated no later than the day of
the step and no earlier than the item's validity window (`valid_days`) before it. The gate
lists every item that is missing, unacceptable or too old, so a refusal can name them all.
Sources: see `knowledge/screening.json` and `knowledge/neurostimulation.json` (each item).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from painpath.care.workflows.data import CheckItem


class ItemState(StrEnum):
    missing = "missing"
    unacceptable = "unacceptable"
    expired = "expired"
    future = "future"  # dated after the day of the step
    acceptable = "acceptable"


@dataclass(frozen=True, slots=True)
class RecordedResult:
    item: str
    result: str
    on: date


@dataclass(frozen=True, slots=True)
class ItemStatus:
    item: CheckItem
    state: ItemState
    result: str | None
    on: date | None
    valid_until: date | None

    @property
    def problem(self) -> str:
        """One line naming what is wrong with the item ('' when it is acceptable)."""
        label = self.item.label
        match self.state:
            case ItemState.missing:
                return f"{label}: no result recorded"
            case ItemState.unacceptable:
                return f"{label}: result {self.result} does not allow the step"
            case ItemState.expired:
                return f"{label}: result of {self.on} expired on {self.valid_until}"
            case ItemState.future:
                return f"{label}: result dated {self.on}, after the day of the step"
        return ""


@dataclass(frozen=True, slots=True)
class Gate:
    items: tuple[ItemStatus, ...]

    @property
    def complete(self) -> bool:
        return all(s.state is ItemState.acceptable for s in self.items)

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(s.problem for s in self.items if s.state is not ItemState.acceptable)


def validate_result(items: Iterable[CheckItem], item_id: str, result: str) -> CheckItem:
    """The item, if `result` is one of its results; ValueError naming the choices otherwise."""
    by_id = {i.id: i for i in items}
    if item_id not in by_id:
        raise ValueError(f"unknown item {item_id!r}; this checklist has {', '.join(by_id)}")
    item = by_id[item_id]
    if result not in item.results:
        raise ValueError(f"{item_id}: result must be one of {', '.join(item.results)}")
    return item


def evaluate(items: Iterable[CheckItem], recorded: Iterable[RecordedResult], on: date) -> Gate:
    """The gate for a step on day `on`: the latest result per item (by date) decides it."""
    rows = list(recorded)
    latest: dict[str, RecordedResult] = {}
    for row in rows:
        if row.on <= on and (row.item not in latest or row.on >= latest[row.item].on):
            latest[row.item] = row
    future: Mapping[str, RecordedResult] = {r.item: r for r in rows if r.on > on}
    statuses = []
    for item in items:
        found = latest.get(item.id)
        if found is None:
            later = future.get(item.id)
            state = ItemState.future if later else ItemState.missing
            statuses.append(
                ItemStatus(
                    item, state, later.result if later else None, later.on if later else None, None
                )
            )
            continue
        until = found.on + timedelta(days=item.valid_days)
        if not item.acceptable(found.result):
            state = ItemState.unacceptable
        elif until < on:
            state = ItemState.expired
        else:
            state = ItemState.acceptable
        statuses.append(ItemStatus(item, state, found.result, found.on, until))
    return Gate(tuple(statuses))
