"""What the engine builds up for one patient: candidate options, exclusions, cautions, flags.

Rules never edit the output directly: they call `exclude`, `caution` or `flag` with a rule id
from `safety_rules.json`, whose wording, severity and source become the reason, so every reason
names where it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from painpath.care.knowledge import Knowledge, Recommendation, Therapy


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    severity: str
    message: str
    source: str

    def as_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "source": self.source,
        }


@dataclass(slots=True)
class Candidate:
    therapy: Therapy
    recommendation: Recommendation
    others: tuple[Recommendation, ...]
    reasons: list[Reason] = field(default_factory=list)
    exclusions: list[Reason] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.therapy.id

    def has_class(self, *tags: str) -> bool:
        return bool(self.therapy.classes & set(tags))


@dataclass(slots=True)
class Findings:
    knowledge: Knowledge
    candidates: dict[str, Candidate]
    against: dict[str, Candidate]  # not recommended by the chosen guideline
    flags: list[Reason] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def _reason(
        self, rule_id: str, code: str | None, fields: dict[str, Any], cite: str | None = None
    ) -> Reason:
        rule = self.knowledge.rule(rule_id)
        message = rule.message.format(**fields)
        return Reason(code or rule_id, rule.severity, message, cite or rule.source)

    def with_class(self, *tags: str) -> list[Candidate]:
        return [c for c in self.candidates.values() if c.has_class(*tags)]

    def exclude(
        self, candidate: Candidate, rule_id: str, *, cite: str | None = None, **fields: Any
    ) -> None:
        """Move the candidate out, saying why (`cite` replaces the rule's own source)."""
        reason = self._reason(rule_id, None, fields, cite)
        if reason not in candidate.exclusions:
            candidate.exclusions.append(reason)

    def caution(
        self, candidate: Candidate, rule_id: str, *, cite: str | None = None, **fields: Any
    ) -> None:
        reason = self._reason(rule_id, None, fields, cite)
        if reason not in candidate.reasons:
            candidate.reasons.append(reason)

    def flag(self, rule_id: str, *, code: str | None = None, **fields: Any) -> None:
        reason = self._reason(rule_id, code, fields)
        if reason not in self.flags:
            self.flags.append(reason)

    def raw_flag(self, code: str, severity: str, message: str, source: str) -> None:
        reason = Reason(code, severity, message, source)
        if reason not in self.flags:
            self.flags.append(reason)
