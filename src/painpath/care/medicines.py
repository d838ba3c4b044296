"""Current medicines as a request names them ("oxycodone ER 20 mg BID", "apixaban 5 mg"), read
into an ingredient, the class tags the safety rules use and, for the opioid engine, a dose.

Ingredients come from painpath's RxNorm formulary first (its drug classes become the class tags)
and then from the care vocabulary's list of medicines outside the formulary (anticoagulants,
antiplatelets, MAOIs, …). A name neither knows is refused, never guessed. Sigs understood:
daily / QD / QHS / BID / TID / QID / QnH and PRN; ER, XR, SR, CR, LA mark extended release; a
"mcg/h" strength is a patch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from painpath.care.knowledge import knowledge
from painpath.opioids import DoseProblem, DrugClass, ImplausibleSig, Medication, daily_dose
from painpath.terminology import formulary

#: formulary class -> care class tags (the safety rules' vocabulary)
_CLASS_TAGS: dict[str, frozenset[str]] = {
    "nsaid": frozenset({"nsaid_oral"}),
    "opioid": frozenset({"opioid", "cns_active"}),
    "benzodiazepine": frozenset({"benzodiazepine", "cns_active"}),
    "gabapentinoid": frozenset({"gabapentinoid", "cns_active"}),
    "ssri": frozenset({"ssri", "antidepressant", "cns_active", "serotonergic"}),
    "snri": frozenset({"snri", "antidepressant", "cns_active", "serotonergic"}),
    "tricyclic": frozenset(
        {"tricyclic", "antidepressant", "cns_active", "serotonergic", "anticholinergic"}
    ),
    "antidepressant": frozenset({"antidepressant", "cns_active"}),
    "anticonvulsant": frozenset({"antiepileptic", "cns_active"}),
    "sedative_hypnotic": frozenset({"sedative_hypnotic", "cns_active"}),
    "barbiturate": frozenset({"barbiturate", "cns_active"}),
    "muscle_relaxant": frozenset({"muscle_relaxant", "cns_active", "anticholinergic"}),
    "triptan": frozenset({"triptan", "serotonergic"}),
}
#: vocabulary tags that are also CNS-active (AGS Beers 2023, table 5) or serotonergic
_CNS = frozenset({"antiepileptic", "antipsychotic", "ssri", "snri", "tricyclic"})
_SEROTONERGIC = frozenset({"ssri", "snri", "tricyclic", "triptan", "maoi"})
#: ingredient-level tags the formulary class does not carry
_INGREDIENT_TAGS = {
    "tramadol": frozenset({"tramadol", "serotonergic"}),
    "tapentadol": frozenset({"serotonergic"}),
    "methadone": frozenset({"qt_prolonging"}),
}
_SIGS = {
    "daily": 1.0,
    "qd": 1.0,
    "od": 1.0,
    "qhs": 1.0,
    "nightly": 1.0,
    "bid": 2.0,
    "tid": 3.0,
    "qid": 4.0,
}
_ER_WORDS = frozenset({"er", "xr", "sr", "cr", "la", "xl", "extended"})
_STRENGTH = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(mg|mcg)(/h|/hr)?\b")
_EVERY = re.compile(r"\bq(\d{1,2})h\b")
MAX_NAME = 200
#: doses above these are refused as impossible (the largest real regimens are far below)
MAX_MG_PER_DAY = Decimal(100_000)
MAX_MCG_PER_HOUR = Decimal(10_000)


class UnknownMedicine(ValueError):
    """A medicine name painpath cannot resolve."""


@dataclass(frozen=True, slots=True)
class CurrentMedicine:
    text: str
    ingredient: str
    classes: frozenset[str]
    drug_class: DrugClass  # the opioid engine's class (other when the formulary lacks it)
    medication: Medication  # as the opioid engine reads it


@cache
def _names() -> dict[str, tuple[DrugClass, frozenset[str]]]:
    names: dict[str, tuple[DrugClass, frozenset[str]]] = {}
    for drug in formulary().drugs.values():
        cls = DrugClass(drug.drug_class.value)
        tags = _CLASS_TAGS.get(cls.value, frozenset()) | _INGREDIENT_TAGS.get(
            drug.ingredient, frozenset()
        )
        names.setdefault(drug.ingredient, (cls, tags))
    for name, tags in knowledge().medicines.items():
        extra = ((tags & _CNS and {"cns_active"}) or set()) | (
            (tags & _SEROTONERGIC and {"serotonergic"}) or set()
        )
        names.setdefault(name, (DrugClass.other, frozenset(tags | extra)))
    return names


def _ingredient(words: list[str]) -> str | None:
    names = _names()
    for size in (3, 2, 1):  # longest name first: "sodium oxybate" before "sodium"
        for start in range(len(words) - size + 1):
            candidate = " ".join(words[start : start + size])
            if candidate in names:
                return candidate
    return None


@cache
def read_medicine(text: str) -> CurrentMedicine:
    """One medicine as written; raises UnknownMedicine naming it."""
    cleaned = text.strip().lower()
    if not cleaned or len(cleaned) > MAX_NAME:
        raise UnknownMedicine(f"{text[:40]!r} is not a medicine name")
    words = re.findall(r"[a-z][a-z\-]*", cleaned)
    ingredient = _ingredient(words)
    if ingredient is None:
        raise UnknownMedicine(f"unknown medicine {text.strip()!r} (not in painpath's formulary)")
    drug_class, tags = _names()[ingredient]
    strength = _STRENGTH.search(cleaned)
    if strength and float(strength.group(1)) <= 0:
        raise UnknownMedicine(f"{text.strip()[:60]!r}: a strength must be above 0")
    per_day = next((_SIGS[w] for w in words if w in _SIGS), None)
    every = _EVERY.search(cleaned)
    if per_day is None and every and 0 < int(every.group(1)) <= 24:
        per_day = 24 / int(every.group(1))
    prn = "prn" in words
    medication = Medication(
        ingredient=ingredient,
        drug_class=drug_class,
        name=text.strip(),
        extended_release=True if set(words) & _ER_WORDS else None,
        prn=prn,
        patch_mcg_per_h=float(strength.group(1)) if strength and strength.group(3) else None,
        mg_per_dose=(
            _mg(float(strength.group(1)), strength.group(2))
            if strength and not strength.group(3)
            else None
        ),
        doses_per_day=per_day if strength and not strength.group(3) else None,
    )
    return CurrentMedicine(text.strip(), ingredient, tags, drug_class, medication)


def _mg(value: float, unit: str) -> float:
    return value / 1000 if unit == "mcg" else value


def from_medication(medication: Medication) -> CurrentMedicine:
    """A medication object in the `opioids assess` form; its ingredient must be known."""
    found = read_medicine(medication.ingredient)
    return CurrentMedicine(
        medication.name or medication.ingredient,
        found.ingredient,
        found.classes | _CLASS_TAGS.get(medication.drug_class.value, frozenset()),
        medication.drug_class,
        medication,
    )


def implausible_dose(medication: Medication) -> str | None:
    """Why the medication's daily dose is impossible (too large to compute or above the
    ceilings), or None; a dose the sig does not give is not a problem here."""
    try:
        dose = daily_dose(medication)
    except ImplausibleSig as error:
        return str(error)
    except DoseProblem:
        return None
    except ArithmeticError:
        return "the dose is too large to compute"
    ceiling = MAX_MCG_PER_HOUR if dose.unit == "mcg/h" else MAX_MG_PER_DAY
    if dose.amount > ceiling:
        return f"{dose.amount:.6g} {dose.unit} is above the {ceiling} {dose.unit} painpath accepts"
    return None
