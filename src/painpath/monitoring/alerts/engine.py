"""Evaluate every alert rule for one patient and day, with stable de-duplication keys.

`dedup_key` is `patient:rule[:subject]:episode`. The episode is the event itself when the data
name one (a PHQ-9 response, a refill date, a PDC index date, the last data day); for window rules
(pain, steps, PRN use) it is the first day of the unbroken run of days on which the rule held,
found by re-evaluating the rule on earlier days. Re-running tomorrow on the same data gives the
same key, so the store keeps one open alert per episode; a new run after a quiet day is a new one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from painpath.monitoring.alerts.knowledge import (
    SEVERITY_ORDER,
    Overrides,
    Severity,
    alert_knowledge,
    check_overrides,
    thresholds_for,
)
from painpath.monitoring.alerts.rules import RULE_INPUTS, RULES, Finding, Rule
from painpath.monitoring.alerts.snapshot import ALL_INPUTS, PatientSnapshot, SnapshotInput

#: How far back the engine looks for the start of a window rule's episode.
MAX_EPISODE_DAYS = 180


@dataclass(frozen=True, slots=True)
class AlertCandidate:
    """An alert the rules raise today; the store opens it unless `dedup_key` is already open."""

    rule_id: str
    severity: Severity
    dedup_key: str
    title: str
    message: str
    evidence: Mapping[str, Any]
    window_start: date
    window_end: date

    def as_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "dedup_key": self.dedup_key,
            "title": self.title,
            "message": self.message,
            "evidence": dict(self.evidence),
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
        }


def _holds(
    rule: Rule, snap: PatientSnapshot, day: date, t: Mapping[str, float], subject: str
) -> bool:
    return any(f.subject == subject for f in rule(snap, day, t))


def _episode_start(
    rule: Rule, snap: PatientSnapshot, today: date, t: Mapping[str, float], subject: str
) -> date:
    start = today
    while (today - start).days < MAX_EPISODE_DAYS and _holds(
        rule, snap, start - timedelta(days=1), t, subject
    ):
        start -= timedelta(days=1)
    return start


def _key(snap: PatientSnapshot, rule_id: str, finding: Finding, episode: str) -> str:
    parts = [snap.patient_id, rule_id, *([finding.subject] if finding.subject else []), episode]
    return ":".join(parts)


def rules_reading(inputs: Collection[SnapshotInput]) -> tuple[str, ...]:
    """The rules that read any of `inputs`: those whose findings a change there can alter."""
    return tuple(rule_id for rule_id in RULES if RULE_INPUTS[rule_id] & set(inputs))


def evaluate_alerts(
    snapshot: PatientSnapshot,
    today: date,
    *,
    overrides: Overrides | None = None,
    inputs: Collection[SnapshotInput] = ALL_INPUTS,
) -> tuple[AlertCandidate, ...]:
    """Every alert the patient's data raise on `today`, most severe first.

    `overrides` replace default thresholds per rule, e.g. `{"pain_worsening": {"points": 3}}`;
    an unknown rule or threshold raises ValueError. `inputs`: run only the rules that read
    one of these snapshot parts (the other parts may be left empty).
    """
    check_overrides(overrides or {})
    knowledge = alert_knowledge()
    found: list[AlertCandidate] = []
    for rule_id in rules_reading(inputs):
        rule = RULES[rule_id]
        definition = knowledge.rules[rule_id]
        t = thresholds_for(rule_id, overrides)
        for finding in rule(snapshot, today, t):
            episode = (
                finding.episode
                or _episode_start(rule, snapshot, today, t, finding.subject).isoformat()
            )
            found.append(
                AlertCandidate(
                    rule_id=rule_id,
                    severity=definition.severity,
                    dedup_key=_key(snapshot, rule_id, finding, episode),
                    title=definition.title,
                    message=finding.message,
                    evidence=MappingProxyType(
                        {**finding.evidence, "thresholds": t, "source": definition.source}
                    ),
                    window_start=finding.window_start,
                    window_end=finding.window_end,
                )
            )
    return tuple(sorted(found, key=lambda a: (SEVERITY_ORDER[a.severity], a.rule_id, a.dedup_key)))
