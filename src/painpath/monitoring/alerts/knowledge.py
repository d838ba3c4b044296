"""Alert rules as data: `knowledge/alert_rules.json` gives each rule its title, severity, default
thresholds and source; per-patient overrides replace individual thresholds."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from types import MappingProxyType


class Severity(StrEnum):
    urgent = "urgent"
    high = "high"
    moderate = "moderate"
    info = "info"


SEVERITY_ORDER = {Severity.urgent: 0, Severity.high: 1, Severity.moderate: 2, Severity.info: 3}


@dataclass(frozen=True, slots=True)
class RuleDefinition:
    rule_id: str
    title: str
    severity: Severity
    thresholds: Mapping[str, float]
    source: str
    rationale: str


@dataclass(frozen=True, slots=True)
class AlertKnowledge:
    version: str
    source: str
    retrieved: str
    rules: Mapping[str, RuleDefinition]


@cache
def alert_knowledge() -> AlertKnowledge:
    """Every alert rule with its defaults, from the package's knowledge file."""
    raw = json.loads(
        resources.files("painpath.monitoring.alerts")
        .joinpath("knowledge", "alert_rules.json")
        .read_text(encoding="utf-8")
    )
    rules = {
        rule_id: RuleDefinition(
            rule_id=rule_id,
            title=r["title"],
            severity=Severity(r["severity"]),
            thresholds=MappingProxyType({k: float(v) for k, v in r["thresholds"].items()}),
            source=r["source"],
            rationale=r["rationale"],
        )
        for rule_id, r in raw["rules"].items()
    }
    return AlertKnowledge(
        version=raw["version"],
        source=raw["source"],
        retrieved=raw["retrieved"],
        rules=MappingProxyType(rules),
    )


Overrides = Mapping[str, Mapping[str, float]]


def thresholds_for(rule_id: str, overrides: Overrides | None = None) -> dict[str, float]:
    """The defaults of `rule_id` with this patient's overrides applied."""
    rule = alert_knowledge().rules[rule_id]
    merged = dict(rule.thresholds)
    merged.update((overrides or {}).get(rule_id, {}))
    return merged


def check_overrides(overrides: Overrides) -> None:
    """Refuse an unknown rule, an unknown threshold or a negative value, naming it."""
    rules = alert_knowledge().rules
    for rule_id, values in overrides.items():
        if rule_id not in rules:
            raise ValueError(f"unknown alert rule {rule_id!r}; one of {', '.join(rules)}")
        for key, value in values.items():
            if key not in rules[rule_id].thresholds:
                known = ", ".join(rules[rule_id].thresholds)
                raise ValueError(f"{rule_id} has no threshold {key!r}; it has {known}")
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{rule_id}.{key} must be a number ≥ 0, not {value!r}")
