"""Care suggestions for one patient: options under a guideline profile, personalized.

`suggest` picks each therapy's guideline entry for the profile (painpath.care.options), then
runs the personalization rules in a fixed order; an option any rule excludes moves to
`not_recommended` with every reason. Pure: no clock (pass `today`), no I/O beyond the packaged
knowledge of painpath.care, painpath.pgx and painpath.opioids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from painpath.care.context import PatientContext, build_context
from painpath.care.findings import Candidate, Findings, Reason
from painpath.care.inputs import CareRequest, Profile
from painpath.care.knowledge import LINES, STRENGTHS, knowledge
from painpath.care.options import select_options
from painpath.care.rules import (
    activity,
    biologics,
    cardio_bleeding,
    history,
    interactions,
    older_adults,
    opioid_engine,
    organs,
    pgx,
    pregnancy,
    screening,
)

#: the order rules run in: history last, since eligibility reads the other exclusions
RULES = (
    organs,
    older_adults,
    pregnancy,
    cardio_bleeding,
    interactions,
    biologics,
    activity,
    pgx,
    opioid_engine,
    screening,
    history,
)
_SEVERITY = {"critical": 0, "warning": 1, "info": 2}
THERAPIES_TRIED_NOTE = "therapies tried"


@dataclass(frozen=True, slots=True)
class Suggestions:
    """The result of `suggest`; `as_json` is the documented output (docs/care.md)."""

    condition: dict[str, Any]
    profile: Profile
    options: tuple[dict[str, Any], ...]
    not_recommended: tuple[dict[str, Any], ...]
    flags: tuple[dict[str, str], ...]
    notes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "condition": self.condition,
            "profile": self.profile,
            "options": list(self.options),
            "not_recommended": list(self.not_recommended),
            "flags": list(self.flags),
            "notes": list(self.notes),
            "knowledge": knowledge().describe(),
        }

    def option(self, therapy: str) -> dict[str, Any] | None:
        return next((o for o in self.options if o["id"] == therapy), None)

    def excluded(self, therapy: str) -> dict[str, Any] | None:
        return next((o for o in self.not_recommended if o["id"] == therapy), None)

    @property
    def flag_codes(self) -> tuple[str, ...]:
        return tuple(f["code"] for f in self.flags)


def _guideline_reason(c: Candidate) -> dict[str, str]:
    r = c.recommendation
    g = r.guideline
    return {
        "code": f"guideline_{r.strength}",
        "severity": "info",
        "message": f"{g.body} {g.year} ({g.jurisdiction}) {r.ref}: {r.strength_raw}",
        "source": f"{g.name}; {g.citation}",
    }


def _others(c: Candidate) -> list[dict[str, Any]]:
    return [
        {**o.source_json(), "strength": o.strength, "strength_raw": o.strength_raw}
        for o in c.others
    ]


def _verify(c: Candidate) -> bool:
    return c.recommendation.verify or c.recommendation.guideline.verify


def _option(c: Candidate) -> dict[str, Any]:
    r = c.recommendation
    return {
        "id": c.id,
        "name": c.therapy.name,
        "family": c.therapy.family.value,
        "line": r.line,
        "strength": r.strength,
        "strength_raw": r.strength_raw,
        "source": r.source_json(),
        "reasons": [_guideline_reason(c), *(x.as_json() for x in c.reasons)],
        "other_guidelines": _others(c),
        "verify": _verify(c),
    }


def _excluded(c: Candidate, by_guideline: bool) -> dict[str, Any]:
    r = c.recommendation
    reasons: list[Reason] = [*c.exclusions, *c.reasons]
    return {
        "id": c.id,
        "name": c.therapy.name,
        "family": c.therapy.family.value,
        "excluded_by": "guideline" if by_guideline else "patient",
        "strength": r.strength,
        "strength_raw": r.strength_raw,
        "source": r.source_json(),
        "reasons": ([_guideline_reason(c)] if by_guideline else [])
        + [x.as_json() for x in reasons]
        + ([] if by_guideline else [_guideline_reason(c)]),
        "other_guidelines": _others(c),
        "verify": _verify(c),
    }


def _order(c: Candidate) -> tuple[int, int, str]:
    r = c.recommendation
    return LINES.index(r.line), STRENGTHS.index(r.strength), c.id


def evaluate(ctx: PatientContext) -> Findings:
    found = select_options(ctx)
    for rule in RULES:
        rule.apply(ctx, found)
    return found


def suggest(request: CareRequest, *, default_profile: Profile = "US", today: date) -> Suggestions:
    """Options, exclusions and flags for one patient (the request's jurisdiction, if given,
    overrides `default_profile`)."""
    ctx = build_context(request, default_profile=default_profile, today=today)
    found = evaluate(ctx)
    kept = sorted((c for c in found.candidates.values() if not c.exclusions), key=_order)
    dropped = sorted((c for c in found.candidates.values() if c.exclusions), key=_order)
    against = sorted(found.against.values(), key=_order)
    condition = ctx.condition
    return Suggestions(
        condition={
            "id": condition.id,
            "name": condition.name,
            "icd10cm": list(condition.icd10cm),
            "snomed": list(condition.snomed),
            "notes": list(condition.notes),
        },
        profile=ctx.profile,
        options=tuple(_option(c) for c in kept),
        not_recommended=tuple(
            [_excluded(c, False) for c in dropped] + [_excluded(c, True) for c in against]
        ),
        flags=tuple(
            f.as_json() for f in sorted(found.flags, key=lambda f: (_SEVERITY[f.severity], f.code))
        ),
        notes=tuple(found.notes),
    )
