"""RxNorm concepts painpath knows: the medicines its engines can reason about.

The table is data (`data/rxnorm_formulary.json`), derived by `scripts/derive_formulary.py` from
the CDC Opioid CDS medication value sets (cqframework/opioid-cds-r4) plus hand-entered RxNorm
ingredient concepts; its sources and versions are named in the file. An order for a code outside
it is refused at the edge rather than stored unexplained.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any


class DrugClass(StrEnum):
    """Class of a concept's primary ingredient, as painpath assigns it."""

    analgesic = "analgesic"
    anticonvulsant = "anticonvulsant"
    antidepressant = "antidepressant"
    antiemetic = "antiemetic"
    barbiturate = "barbiturate"
    benzodiazepine = "benzodiazepine"
    gabapentinoid = "gabapentinoid"
    general_anesthetic = "general_anesthetic"
    muscle_relaxant = "muscle_relaxant"
    nsaid = "nsaid"
    opioid = "opioid"
    opioid_antagonist = "opioid_antagonist"
    sedative_hypnotic = "sedative_hypnotic"
    snri = "snri"
    ssri = "ssri"
    stimulant = "stimulant"
    sympathomimetic = "sympathomimetic"  # pressors and mydriatics in CDC's amphetamine class
    tricyclic = "tricyclic"
    triptan = "triptan"


class TermType(StrEnum):
    """RxNorm term type: an ingredient, a clinical drug (generic, branded) or a pack."""

    IN = "IN"
    SCD = "SCD"
    SBD = "SBD"
    GPCK = "GPCK"
    BPCK = "BPCK"


@dataclass(frozen=True, slots=True)
class Strength:
    """Amount of the primary ingredient per dose unit: 5 MG, 25 MCG/HR, 2 MG/ML."""

    value: float
    unit: str

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}"


@dataclass(frozen=True, slots=True)
class Drug:
    """One RxNorm concept.

    `ingredient` is the primary (class-giving) ingredient, e.g. oxycodone in acetaminophen /
    oxycodone; `ingredients` lists them all. `strength`, `dose_form` and `extended_release` are
    None for ingredient (IN) concepts and where the name gives no single strength.
    `extended_release` is true for ER/LA products: extended-release forms, "12 HR"/"24 HR"
    products, transdermal systems and everything in CDC's ER/LA opioid value set (methadone).
    """

    rxnorm_code: str
    display: str
    ingredient: str
    drug_class: DrugClass
    ingredients: tuple[str, ...] = ()
    strength: Strength | None = None
    dose_form: str | None = None
    extended_release: bool | None = None
    term_type: TermType = TermType.IN
    value_sets: tuple[str, ...] = ()  # canonical URLs of the CDC value sets that list the code

    def __post_init__(self) -> None:
        if not self.ingredients:
            object.__setattr__(self, "ingredients", (self.ingredient,))


@dataclass(frozen=True, slots=True)
class Formulary:
    source: str
    version: str
    retrieved: str
    drugs: DrugTable  # by RxNorm code


_COLUMNS = (
    "rxnorm_code",
    "display",
    "term_type",
    "ingredient",
    "ingredients",
    "drug_class",
    "strength",
    "dose_form",
    "extended_release",
    "value_sets",
)
_CLASSES = {member.value: member for member in DrugClass}  # DrugClass(x) is ~10x slower
_TERM_TYPES = {member.value: member for member in TermType}


class DrugTable(Mapping[str, Drug]):
    """Drugs by RxNorm code, each built from its row on first use, so that loading the table
    and looking up one code cost a few milliseconds, not the price of building 1,400 drugs."""

    def __init__(self, rows: list[list[Any]]) -> None:
        self._rows = {row[0]: row for row in rows}
        self._built: dict[str, Drug] = {}

    def __getitem__(self, code: str) -> Drug:
        drug = self._built.get(code)
        if drug is None:
            drug = self._built.setdefault(code, _drug(self._rows[code]))
        return drug

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, code: object) -> bool:
        return code in self._rows

    def in_class(self, drug_class: DrugClass) -> tuple[Drug, ...]:
        return tuple(self[code] for code, row in self._rows.items() if row[5] == drug_class)


def _drug(row: list[Any]) -> Drug:
    code, display, term_type, ingredient, ingredients, drug_class, strength, form, er, sets = row
    return Drug(  # positional: half the cost of keywords for a frozen dataclass
        code,
        display,
        ingredient,
        _CLASSES[drug_class],
        tuple(ingredients) if ingredients else (ingredient,),
        _strength(strength) if strength else None,
        form,
        er,
        _TERM_TYPES[term_type],
        tuple(sets),
    )


@cache  # a few hundred distinct strengths: share them
def _strength(text: str) -> Strength:
    value, unit = text.split(" ")
    return Strength(float(value), unit)


@cache
def formulary() -> Formulary:
    """The formulary, read once per process (a few milliseconds)."""
    raw = json.loads(
        resources.files("painpath.terminology")
        .joinpath("data/rxnorm_formulary.json")
        .read_text(encoding="utf-8")
    )
    if tuple(raw["columns"]) != _COLUMNS:
        raise ValueError(f"rxnorm_formulary.json has columns {raw['columns']}, not {_COLUMNS}")
    return Formulary(
        source=raw["source"],
        version=raw["version"],
        retrieved=raw["retrieved"],
        drugs=DrugTable(raw["concepts"]),
    )


def lookup_rxnorm(code: str) -> Drug | None:
    return formulary().drugs.get(code)


def ingredient_of(code: str) -> str | None:
    """Primary ingredient of an RxNorm code (oxycodone for Percocet), or None if unknown."""
    drug = lookup_rxnorm(code)
    return drug.ingredient if drug else None


@cache
def drugs_in_class(drug_class: DrugClass | str) -> tuple[Drug, ...]:
    """Every concept whose primary ingredient is of `drug_class`; a misspelt class raises."""
    return formulary().drugs.in_class(DrugClass(drug_class))
