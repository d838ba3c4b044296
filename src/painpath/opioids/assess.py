"""One call from input to advice: MME breakdown, alerts and the knowledge versions used."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from painpath.opioids.alerts import Alert
from painpath.opioids.context import assessment_notes, exclusion_reasons
from painpath.opioids.inputs import AssessmentInput
from painpath.opioids.knowledge import (
    KNOWLEDGE_VERSION,
    FactorTableName,
    factor_table,
    rule_knowledge,
)
from painpath.opioids.mme import MmeSummary, display, summarize_mme
from painpath.opioids.rules import evaluate_rules


@dataclass(frozen=True, slots=True)
class Assessment:
    """The result of `assess`: a typed value that serialises with `as_json`."""

    today: date
    mme: MmeSummary
    alerts: tuple[Alert, ...]
    exclusion_reasons: tuple[str, ...]
    notes: tuple[str, ...] = ()  # what could not be checked (e.g. age unknown)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(alert.code for alert in self.alerts)

    def alert(self, code: str) -> Alert | None:
        return next((a for a in self.alerts if a.code == code), None)

    def as_json(self) -> dict[str, Any]:
        """The document `painpath opioids assess --format json` prints (see docs/opioids.md)."""
        total = self.mme.total
        uncounted: list[Mapping[str, Any]] = [
            {"index": m.index, "ingredient": m.ingredient, "reason": m.reason}
            for m in self.mme.uncounted
        ]
        return {
            "today": self.today.isoformat(),
            "total_mme_per_day": display(total),
            "total_is_complete": self.mme.is_complete,
            "total_is_lower_bound": not self.mme.is_complete and total is not None,
            "uncounted": uncounted,
            "per_medication": [m.as_json() for m in self.mme.per_medication],
            "excluded_from_guideline": bool(self.exclusion_reasons),
            "exclusion_reasons": list(self.exclusion_reasons),
            "notes": list(self.notes),
            "alerts": [alert.as_json() for alert in self.alerts],
            "factors": self.mme.table.describe(),
            "rules": {"version": rule_knowledge().version, "source": rule_knowledge().source},
            "knowledge_version": KNOWLEDGE_VERSION,
        }


def assess(
    data: AssessmentInput,
    *,
    today: date,
    factors: FactorTableName | str = FactorTableName.cdc2022,
) -> Assessment:
    """MME (under `factors`, CDC 2022 by default) and the CDC 2022 alerts for one patient on
    `today`. Pure: no clock, no I/O beyond the packaged knowledge."""
    mme = summarize_mme(data.medications, factor_table(factors))
    return Assessment(
        today=today,
        mme=mme,
        alerts=evaluate_rules(data, mme, today),
        exclusion_reasons=exclusion_reasons(data, rule_knowledge()),
        notes=assessment_notes(data),
    )


def parse_assessment_input(document: Any) -> AssessmentInput:
    """Validate the JSON input form; raises pydantic's ValidationError naming each bad field."""
    return AssessmentInput.model_validate(document)
