"""Goal kinds and course templates, read once from `plan_knowledge.json` and checked.

Each entry carries its source; a course template names a therapy of the care knowledge
(`painpath.care.knowledge().therapies`), checked at load so a renamed therapy fails loudly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from painpath.care.knowledge import KnowledgeError, knowledge

Direction = Literal["at_most", "at_least"]
Measure = Literal["peg", "steps", "active_minutes"]
_MEASURES = ("peg", "steps", "active_minutes")


@dataclass(frozen=True, slots=True)
class GoalKind:
    id: str
    name: str
    measure: Measure | None  # None: reviewed by the clinician, not evaluated from data
    direction: Direction | None
    unit: str | None
    default_target: float | None
    minimum: float | None
    maximum: float | None
    days_required: int | None  # daily measures: days in the window that must meet the target
    window_days: int | None
    rule: str
    plain: str
    source: str

    @property
    def automatic(self) -> bool:
        return self.measure is not None

    @property
    def daily(self) -> bool:
        return self.measure in ("steps", "active_minutes")


@dataclass(frozen=True, slots=True)
class ScheduleTemplate:
    id: str
    name: str
    therapy: str
    sessions: int
    min_sessions: int
    max_sessions: int
    interval_days: int
    source: str
    note: str | None
    verify: bool


@dataclass(frozen=True, slots=True)
class PlanKnowledge:
    version: str
    goal_kinds: dict[str, GoalKind]
    schedules: dict[str, ScheduleTemplate]


def _goal_kind(kind_id: str, raw: dict[str, Any]) -> GoalKind:
    measure = raw.get("measure")
    if measure is not None and measure not in _MEASURES:
        raise KnowledgeError(f"goal kind {kind_id}: unknown measure {measure!r}")
    direction = raw.get("direction")
    if (measure is None) != (direction is None):
        raise KnowledgeError(f"goal kind {kind_id}: a measure needs a direction and vice versa")

    def number(key: str) -> float | None:
        value = raw.get(key)
        return None if value is None else float(value)

    kind = GoalKind(
        id=kind_id,
        name=raw["name"],
        measure=measure,
        direction=direction,
        unit=raw.get("unit"),
        default_target=number("default_target"),
        minimum=number("minimum"),
        maximum=number("maximum"),
        days_required=raw.get("days_required"),
        window_days=raw.get("window_days"),
        rule=raw["rule"],
        plain=raw["plain"],
        source=raw["source"],
    )
    if kind.daily and not (kind.days_required and kind.window_days):
        raise KnowledgeError(f"goal kind {kind_id}: a daily measure needs days_required/window")
    if (
        kind.daily
        and kind.days_required
        and kind.window_days
        and not (1 <= kind.days_required <= kind.window_days)
    ):
        raise KnowledgeError(f"goal kind {kind_id}: days_required must fit in the window")
    if kind.automatic and (kind.minimum is None or kind.maximum is None):
        raise KnowledgeError(f"goal kind {kind_id}: an automatic goal needs target bounds")
    return kind


def _schedule(template_id: str, raw: dict[str, Any], therapies: set[str]) -> ScheduleTemplate:
    template = ScheduleTemplate(
        id=template_id,
        name=raw["name"],
        therapy=raw["therapy"],
        sessions=int(raw["sessions"]),
        min_sessions=int(raw["min_sessions"]),
        max_sessions=int(raw["max_sessions"]),
        interval_days=int(raw["interval_days"]),
        source=raw["source"],
        note=raw.get("note"),
        verify=bool(raw.get("verify", False)),
    )
    if template.therapy not in therapies:
        raise KnowledgeError(f"schedule {template_id}: unknown therapy {template.therapy!r}")
    if not 1 <= template.min_sessions <= template.sessions <= template.max_sessions <= 52:
        raise KnowledgeError(f"schedule {template_id}: session counts out of order")
    if not 1 <= template.interval_days <= 90:
        raise KnowledgeError(f"schedule {template_id}: interval_days out of range")
    return template


@cache
def plan_knowledge() -> PlanKnowledge:
    """The goal kinds and course templates (cached; the file ships with painpath)."""
    text = resources.files(__package__).joinpath("plan_knowledge.json").read_text("utf-8")
    raw = json.loads(text)
    therapies = set(knowledge().therapies)
    return PlanKnowledge(
        version=raw["version"],
        goal_kinds={k: _goal_kind(k, v) for k, v in raw["goal_kinds"].items()},
        schedules={k: _schedule(k, v, therapies) for k, v in raw["schedules"].items()},
    )
