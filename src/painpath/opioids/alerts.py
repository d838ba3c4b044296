"""Alerts: a stable code, a severity, painpath's own wording, the guideline source and the facts
that triggered it. Card builders (CDS Hooks) and reports consume these; wording lives in
`knowledge/rules.json`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from painpath.opioids.knowledge import rule_knowledge

SUMMARY_LIMIT = 140  # CDS Hooks: card.summary is under 140 characters
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class AlertSource:
    """Which guideline and recommendation an alert rests on."""

    guideline: str
    recommendation: str
    url: str

    def as_json(self) -> dict[str, str]:
        return {"guideline": self.guideline, "recommendation": self.recommendation, "url": self.url}


@dataclass(frozen=True, slots=True)
class Alert:
    """One piece of advice. `kind` is "recommendation" (suppressed when the patient is outside the
    guideline's scope), "calculation" (about the MME arithmetic) or "scope"."""

    code: str
    severity: str
    kind: str
    summary: str
    detail: str
    source: AlertSource
    facts: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    medication_indexes: tuple[int, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "kind": self.kind,
            "summary": self.summary,
            "detail": self.detail,
            "source": self.source.as_json(),
            "facts": dict(self.facts),
            "medication_indexes": list(self.medication_indexes),
        }


def shorten(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """`text` cut to fewer than `limit` characters at a word boundary, with an ellipsis."""
    if len(text) < limit:
        return text
    cut = text[: limit - 2].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def make_alert(
    code: str,
    *,
    facts: Mapping[str, Any] | None = None,
    medication_indexes: tuple[int, ...] = (),
    **fields: str,
) -> Alert:
    """The alert `code` with its summary template filled from `fields`."""
    text = rule_knowledge().alerts[code]
    return Alert(
        code=code,
        severity=text.severity,
        kind=text.kind,
        summary=shorten(text.summary.format(**fields)),
        detail=text.detail,
        source=AlertSource(text.guideline, text.recommendation, text.url),
        facts=MappingProxyType(dict(facts or {})),
        medication_indexes=medication_indexes,
    )


def by_severity(alerts: list[Alert]) -> tuple[Alert, ...]:
    """Critical first, then warnings, then information; otherwise in rule order."""
    return tuple(sorted(alerts, key=lambda alert: SEVERITY_ORDER[alert.severity]))
