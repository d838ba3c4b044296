"""From a condition's recommendations to one entry per therapy under a profile, and conflicts.

A profile (US or UK) prefers its own guidelines, then international ones (EULAR, NeuPSIG), then
the other country's, so an option is never dropped only because one side is silent; among
several entries from the preferred side the most recent wins. A graded guideline always comes
before a systematic review's conclusion or a regulator's authorization, which are shown beside
it (and flagged when they point another way) but chosen only where no guideline speaks. Where
entries for the same therapy point different ways (for, authorized but not graded, restricted to
research, against), a `guideline_conflict_<therapy>` flag names each side with its
jurisdiction; the option also lists the other entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from painpath.care.context import PatientContext
from painpath.care.findings import Candidate, Findings
from painpath.care.knowledge import Recommendation, knowledge

_DIRECTION = {
    "strong_for": "for",
    "conditional_for": "for",
    "consensus": "for",
    "authorized_not_graded": "authorized, not graded",
    "research_only": "research only",
    "conditional_against": "against",
    "strong_against": "against",
}


def _rank(entry: Recommendation, profile: str) -> tuple[bool, int, int]:
    """Graded guidelines before reviews and authorizations; then the profile's own country,
    international bodies, the other country; then the most recent."""
    jurisdiction = entry.guideline.jurisdiction
    preference = 0 if jurisdiction == profile else 1 if jurisdiction == "INT" else 2
    return entry.guideline.kind != "guideline", preference, -entry.guideline.year


def _label(entry: Recommendation) -> str:
    g = entry.guideline
    return f"{g.body} {g.year} ({g.jurisdiction}, {entry.ref}: {entry.strength_raw})"


def _by_therapy(entries: Iterable[Recommendation]) -> dict[str, list[Recommendation]]:
    grouped: dict[str, list[Recommendation]] = {}
    for entry in entries:
        grouped.setdefault(entry.therapy, []).append(entry)
    return grouped


@cache
def _ranked(
    condition_id: str, profile: str
) -> tuple[tuple[str, tuple[Recommendation, ...], str], ...]:
    """Per therapy: its entries, preferred first, and the conflict text ("" when none).
    Memoized: it depends only on the knowledge, the condition and the profile."""
    condition = knowledge().conditions[condition_id]
    ranked = []
    for therapy_id, entries in _by_therapy(condition.recommendations).items():
        directions = {_DIRECTION[e.strength] for e in entries}
        sides = ""
        if len(directions) > 1:
            sides = " ".join(
                f"{direction.capitalize()}: "
                + "; ".join(_label(e) for e in entries if _DIRECTION[e.strength] == direction)
                + "."
                for direction in ("for", "authorized, not graded", "research only", "against")
                if direction in directions
            )
        order = tuple(sorted(entries, key=lambda e: _rank(e, profile)))
        ranked.append((therapy_id, order, sides))
    return tuple(ranked)


def select_options(ctx: PatientContext) -> Findings:
    """Candidates (recommended under the profile) and guideline exclusions, with conflicts."""
    k = ctx.knowledge
    found = Findings(knowledge=k, candidates={}, against={})
    for therapy_id, ranked, sides in _ranked(ctx.condition.id, ctx.profile):
        chosen = ranked[0]
        candidate = Candidate(k.therapies[therapy_id], chosen, ranked[1:])
        if chosen.guideline.jurisdiction not in (ctx.profile, "INT"):
            found.caution(
                candidate, "outside_profile_only", profile=ctx.profile, source=_label(chosen)
            )
        (found.against if chosen.against else found.candidates)[therapy_id] = candidate
        if sides:
            found.flag(
                "guideline_conflict",
                code=f"guideline_conflict_{therapy_id}",
                therapy=k.therapies[therapy_id].name,
                sides=sides,
            )
    return found
