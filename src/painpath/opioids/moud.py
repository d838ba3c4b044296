"""Which medications on a list are medication for opioid use disorder (MOUD), for CDC 2022
Recommendation 12, decided by formulation and dose, not by ingredient alone.

Buprenorphine counts as sublingual tablets or films (buprenorphine or buprenorphine/naloxone,
from 0.7 mg a unit), buccal buprenorphine/naloxone films (from 2 mg a unit), extended-release
injections (from 50 mg/mL, or marked extended release) and the implant; not as the pain
products: transdermal patches (5-20 mcg/h), buccal films of 75-900 mcg, the 0.3 mg/mL injection.
Naltrexone counts as the extended-release injection, or by mouth at 50 mg a day or more (not
low-dose naltrexone). Methadone is prescribed for pain as well as dispensed for opioid use
disorder, and nothing in a prescription tells them apart: it counts only with
`indication="opioid_use_disorder"` (the FHIR mapper sets it from an OUD reason on the order).
A stated indication decides for every ingredient; an unknown formulation does not count, so the
alert is shown rather than silenced. The cut-offs are data (`knowledge/moud.json`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from painpath.opioids.dosage import DoseProblem, daily_dose, exact
from painpath.opioids.inputs import DoseUnit, Medication, Route
from painpath.opioids.knowledge import load_knowledge


@dataclass(frozen=True, slots=True)
class MoudKnowledge:
    version: str
    source: str
    ingredients: frozenset[str]
    buprenorphine_sublingual_min_mg: Decimal  # per tablet or film
    buprenorphine_buccal_min_mg: Decimal
    buprenorphine_injection_min_mg_per_ml: Decimal
    buprenorphine_implant_min_mg: Decimal
    naltrexone_oral_min_mg_per_day: Decimal


@cache
def moud_knowledge() -> MoudKnowledge:
    raw = load_knowledge("moud.json")
    bup, nal = raw["buprenorphine"], raw["naltrexone"]
    return MoudKnowledge(
        version=raw["version"],
        source=raw["source"],
        ingredients=frozenset(raw["ingredients"]),
        buprenorphine_sublingual_min_mg=Decimal(bup["sublingual_min_mg_per_unit"]),
        buprenorphine_buccal_min_mg=Decimal(bup["buccal_min_mg_per_unit"]),
        buprenorphine_injection_min_mg_per_ml=Decimal(bup["injection_min_mg_per_ml"]),
        buprenorphine_implant_min_mg=Decimal(bup["implant_min_mg_per_unit"]),
        naltrexone_oral_min_mg_per_day=Decimal(nal["oral_min_mg_per_day"]),
    )


@dataclass(frozen=True, slots=True)
class MoudDecision:
    """Whether one buprenorphine, methadone or naltrexone medication counts as MOUD, and why."""

    index: int
    ingredient: str
    counts: bool
    reason: str

    def as_json(self) -> dict[str, object]:
        return {
            "index": self.index,
            "ingredient": self.ingredient,
            "counts": self.counts,
            "reason": self.reason,
        }


def _mg_per_unit(medication: Medication) -> Decimal | None:
    """What one tablet, film or implant holds: the strength, else the dose in mg or mcg."""
    if medication.strength_mg_per_unit is not None:
        return exact(medication.strength_mg_per_unit)
    if medication.mg_per_dose is not None:
        return exact(medication.mg_per_dose)
    for line in medication.dosage or ():
        if line.dose is not None and line.dose_unit is DoseUnit.mg:
            return exact(line.dose)
        if line.dose is not None and line.dose_unit is DoseUnit.mcg:
            return exact(line.dose) / 1000
    return None


def _at_least(amount: Decimal | None, minimum: Decimal) -> bool:
    return amount is not None and amount >= minimum


def _buprenorphine(medication: Medication, k: MoudKnowledge) -> tuple[bool, str]:
    route = medication.effective_route
    per_unit = _mg_per_unit(medication)
    if route is Route.transdermal:
        return False, "transdermal buprenorphine is a pain patch"
    if route is Route.sublingual:
        if per_unit is not None and per_unit < k.buprenorphine_sublingual_min_mg:
            return False, f"sublingual buprenorphine under {k.buprenorphine_sublingual_min_mg} mg"
        return True, "sublingual buprenorphine"
    if route is Route.buccal:
        if _at_least(per_unit, k.buprenorphine_buccal_min_mg):
            return True, "buccal buprenorphine/naloxone film"
        return False, (
            f"buccal buprenorphine under {k.buprenorphine_buccal_min_mg} mg (or of unknown "
            "strength) is the pain film"
        )
    if route is Route.parenteral:
        per_ml = medication.strength_mg_per_ml
        if medication.extended_release or _at_least(
            exact(per_ml) if per_ml is not None else None, k.buprenorphine_injection_min_mg_per_ml
        ):
            return True, "extended-release injectable buprenorphine"
        if per_ml is None and _at_least(per_unit, k.buprenorphine_implant_min_mg):
            return True, "buprenorphine implant"
        return False, "injectable buprenorphine for pain (not extended release)"
    return False, (
        "buprenorphine of unknown formulation: give route sublingual, buccal, transdermal or "
        "parenteral, or the indication"
    )


def _naltrexone(medication: Medication, k: MoudKnowledge) -> tuple[bool, str]:
    route = medication.effective_route
    if route is Route.parenteral:
        return True, "extended-release injectable naltrexone"
    if route is not Route.oral:
        return False, f"{route.value} naltrexone is not a MOUD formulation"
    try:
        per_day: Decimal | None = daily_dose(medication).amount
    except DoseProblem:
        per_day = _mg_per_unit(medication)  # no sig: one tablet a day at least
    minimum = k.naltrexone_oral_min_mg_per_day
    if _at_least(per_day, minimum):
        return True, f"oral naltrexone {per_day:f} mg a day"
    if per_day is None:
        return False, "oral naltrexone of unknown dose"
    return False, f"oral naltrexone under {minimum} mg a day (low-dose naltrexone)"


def moud_decision(index: int, medication: Medication) -> MoudDecision | None:
    """The decision for one medication; None when it is not buprenorphine, methadone or
    naltrexone."""
    k = moud_knowledge()
    ingredient = medication.ingredient_key
    if ingredient not in k.ingredients:
        return None
    if medication.indication == "opioid_use_disorder":
        counts, reason = True, "prescribed for opioid use disorder"
    elif medication.indication == "pain":
        counts, reason = False, "prescribed for pain"
    elif ingredient == "buprenorphine":
        counts, reason = _buprenorphine(medication, k)
    elif ingredient == "naltrexone":
        counts, reason = _naltrexone(medication, k)
    else:
        counts, reason = False, "methadone not marked as prescribed for opioid use disorder"
    return MoudDecision(index, ingredient, counts, reason)


def moud_decisions(medications: tuple[Medication, ...]) -> tuple[MoudDecision, ...]:
    """A decision for each buprenorphine, methadone or naltrexone medication on the list."""
    found = (moud_decision(index, m) for index, m in enumerate(medications))
    return tuple(decision for decision in found if decision is not None)


def counts_as_moud(medication: Medication) -> bool:
    decision = moud_decision(0, medication)
    return decision is not None and decision.counts
