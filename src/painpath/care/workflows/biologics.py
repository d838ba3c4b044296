"""Biologic courses: the screening checklist for a class and product, and the monitoring that
follows a start (each item with its first date and interval, from the labels and guidelines
named in `knowledge/screening.json`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from painpath.care.workflows.checklists import Gate, RecordedResult, evaluate
from painpath.care.workflows.data import BiologicClass, CheckItem, workflow_knowledge


@dataclass(frozen=True, slots=True)
class MonitoringDue:
    what: str
    due: date
    every_weeks: int
    source: str


def biologic_class(therapy: str) -> BiologicClass:
    found = workflow_knowledge().biologics.get(therapy)
    if found is None:
        raise KeyError(f"{therapy!r} has no biologic screening in the workflow knowledge")
    return found


def screening_items(therapy: str, product: str | None) -> tuple[CheckItem, ...]:
    """The items a start of `therapy` (and `product`, for product-specific items) needs."""
    return biologic_class(therapy).items_for(product)


def screening_gate(
    therapy: str, product: str | None, recorded: Iterable[RecordedResult], on: date
) -> Gate:
    return evaluate(screening_items(therapy, product), recorded, on)


def monitoring_schedule(therapy: str, started_on: date, today: date) -> list[MonitoringDue]:
    """Each monitoring item's next due date on or after `today` (its first date if later)."""
    schedule = []
    for item in biologic_class(therapy).monitoring:
        due = started_on + timedelta(weeks=item.first_weeks)
        while due < today:
            due += timedelta(weeks=item.every_weeks)
        schedule.append(MonitoringDue(item.what, due, item.every_weeks, item.source))
    return sorted(schedule, key=lambda m: (m.due, m.what))
