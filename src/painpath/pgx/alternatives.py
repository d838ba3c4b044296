"""Alternatives checked against the same patient before they are offered.

A drug painpath suggests instead must never be one that the same patient's phenotypes (after
phenoconversion) make unsafe, nor one whose dose the patient's genes change without saying so.
So each alternative named by a recommendation template is a drug id in
knowledge/alternatives.json, and its own guidance is looked up for the patient: an alternative
that guidance says to avoid is left out with the reason; one with a dose change, a
watch-and-switch or an untested gene is offered with that advice as its caveat.

Why: CPIC's tricyclic guideline (Hicks et al. 2017, Table 2) says to avoid tricyclics for a
CYP2D6 poor metabolizer and CPIC's nortriptyline row for activity score 0 is a strong "avoid",
so nortriptyline cannot be the alternative to amitriptyline for that patient; for a CYP2D6
intermediate metabolizer CPIC's nortriptyline row asks for a 25 % lower starting dose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from painpath.pgx.actions import ACTION_OF
from painpath.pgx.tables import AlternativeProfile

Status = Literal["offered", "offered_with_caveat", "left_out"]
#: Actions of an alternative's own advice that must travel with it as a caveat.
CAVEAT_ACTIONS = frozenset({"adjust_dose", "monitor", "no_result"})


class OwnAdvice(Protocol):
    """The parts of an alternative's own guideline advice that the check reads."""

    @property
    def source(self) -> str: ...
    @property
    def strength(self) -> str: ...
    @property
    def recommendation(self) -> str: ...
    @property
    def template(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AlternativeCheck:
    """One named alternative, checked against this patient."""

    drug: str
    status: Status
    note: str | None  # the caveat (offered_with_caveat) or the reason (left_out)
    checked_with: str | None  # the drug whose guidance was looked up, if any

    @property
    def offered(self) -> bool:
        return self.status != "left_out"

    def to_json(self) -> dict[str, Any]:
        return {
            "drug": self.drug,
            "status": self.status,
            "note": self.note,
            "checked_with": self.checked_with,
        }


def _graded(advice: OwnAdvice, profile: AlternativeProfile) -> str:
    grade = f"{advice.source} {advice.strength}"
    if profile.extrapolated:
        return (
            f"{grade} for {profile.checked_with}, applied to {profile.drug} as CPIC allows for"
            " other tricyclics"
        )
    return grade


def check_alternative(profile: AlternativeProfile, own: Sequence[OwnAdvice]) -> AlternativeCheck:
    """Offer, offer with a caveat, or leave out one alternative, given its own advice for the
    patient (`own`: one entry per guideline and per tied phenotype; empty if none applies)."""
    drug, checked_with = profile.drug, profile.checked_with
    if checked_with is None:
        if not profile.depends_on:
            return AlternativeCheck(drug, "offered", None, None)
        genes = ", ".join(profile.depends_on)
        note = (
            f"{drug}: depends on {genes}, which painpath does not check for it ({profile.basis})"
            f" Check the patient's {genes} result before choosing it."
        )
        return AlternativeCheck(drug, "offered_with_caveat", note, None)
    by_action = [(ACTION_OF[a.template], a) for a in own]
    avoid = [a for action, a in by_action if action == "avoid"]
    if avoid:
        reason = (
            f"{drug} is not offered: for this patient's phenotype its own advice is"
            f' "{avoid[0].recommendation}" ({_graded(avoid[0], profile)}).'
        )
        return AlternativeCheck(drug, "left_out", reason, checked_with)
    caveats = [a for action, a in by_action if action in CAVEAT_ACTIONS]
    if caveats:
        texts = " ".join(
            dict.fromkeys(f"{a.recommendation} ({_graded(a, profile)})" for a in caveats)
        )
        return AlternativeCheck(drug, "offered_with_caveat", f"{drug}: {texts}", checked_with)
    return AlternativeCheck(drug, "offered", None, checked_with)
