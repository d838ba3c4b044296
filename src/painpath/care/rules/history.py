"""Therapies already tried and how they ended, and eligibility that depends on them (NICE TA
criteria after 3 failed preventives, AHS 2021 after 2, gepants after 2 triptans)."""

from __future__ import annotations

from painpath.care.context import PatientContext
from painpath.care.findings import Findings
from painpath.care.inputs import TherapyOutcome

_OUTCOME = {
    TherapyOutcome.inadequate_response: "inadequate response",
    TherapyOutcome.intolerance: "not tolerated",
    TherapyOutcome.loss_of_response: "lost response",
    TherapyOutcome.contraindicated: "contraindicated",
}
#: every outcome counts as a failed therapy for eligibility criteria
_FAILED = frozenset(TherapyOutcome)


def apply(ctx: PatientContext, found: Findings) -> None:
    k = ctx.knowledge
    for tried in ctx.request.tried:
        candidate = found.candidates.get(tried.therapy)
        if candidate is None:
            continue
        weeks = f" after {tried.weeks} weeks" if tried.weeks is not None else ""
        adequate = candidate.therapy.adequate_trial_weeks
        outcome = _OUTCOME[tried.outcome]
        if tried.outcome is TherapyOutcome.loss_of_response:
            found.caution(candidate, "tried_lost_response", weeks=tried.weeks or "some")
        elif (
            tried.outcome is TherapyOutcome.inadequate_response
            and adequate is not None
            and tried.weeks is not None
            and tried.weeks < adequate
        ):
            found.caution(
                candidate, "tried_short", weeks=tried.weeks, outcome=outcome, adequate=adequate
            )
        else:
            found.exclude(candidate, "tried_failed", outcome=outcome, weeks=weeks)
    for candidate in list(found.candidates.values()):
        needed = candidate.recommendation.requires
        if needed is None:
            continue
        # each entry counts: two triptans tried are two "triptan" entries
        failed = [
            t.therapy
            for t in ctx.request.tried
            if t.outcome in _FAILED and needed.tried_class in k.therapies[t.therapy].classes
        ]
        contraindicated = _contraindicated(ctx, found, needed.or_contraindicated_class)
        if len(failed) < needed.count and not contraindicated:
            g = candidate.recommendation.guideline
            found.exclude(
                candidate,
                "prerequisite_not_met",
                guideline=f"{g.body} {g.year}",
                needed=f"at least {needed.count} failed {needed.tried_class.replace('_', ' ')}"
                " treatments",
                have=len(failed),
            )


def _contraindicated(ctx: PatientContext, found: Findings, tag: str | None) -> bool:
    """Whether the class is contraindicated: recorded so, or excluded for this patient."""
    if tag is None:
        return False
    k = ctx.knowledge
    recorded = any(
        t.outcome is TherapyOutcome.contraindicated and tag in k.therapies[t.therapy].classes
        for t in ctx.request.tried
    )
    excluded = any(
        c.has_class(tag) and any(e.code != "tried_failed" for e in c.exclusions)
        for c in found.candidates.values()
    )
    return recorded or excluded
