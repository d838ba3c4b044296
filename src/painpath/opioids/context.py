"""What the opioid rules look at: the input, the MME summary, `today` and the knowledge."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from painpath.opioids.alerts import Alert
from painpath.opioids.inputs import AssessmentInput, Medication
from painpath.opioids.knowledge import RuleKnowledge
from painpath.opioids.mme import MmeSummary


@dataclass(frozen=True, slots=True)
class RuleContext:
    """Everything a rule may look at."""

    data: AssessmentInput
    mme: MmeSummary
    today: date
    knowledge: RuleKnowledge
    #: The opioids with their indexes, computed once (every rule reads them).
    _opioids: tuple[tuple[int, Medication], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        opioids = tuple((i, m) for i, m in enumerate(self.data.medications) if m.is_opioid)
        object.__setattr__(self, "_opioids", opioids)

    @property
    def opioids(self) -> list[tuple[int, Medication]]:
        return list(self._opioids)

    def of_class(self, *classes: str) -> list[tuple[int, Medication]]:
        return [(i, m) for i, m in enumerate(self.data.medications) if m.drug_class in classes]

    def with_ingredient(self, ingredients: frozenset[str]) -> list[tuple[int, Medication]]:
        return [
            (i, m) for i, m in enumerate(self.data.medications) if m.ingredient_key in ingredients
        ]

    def is_acute(self, medication: Medication) -> bool:
        if medication.pain_duration is not None:
            return medication.pain_duration == "acute"
        long_term = self.knowledge.thresholds.long_term_supply_days
        return medication.days_supply is not None and medication.days_supply < long_term

    def is_subacute_or_chronic(self, medication: Medication) -> bool:
        """Known to be for subacute or chronic pain (an unknown supply is neither)."""
        if medication.pain_duration is not None:
            return medication.pain_duration != "acute"
        long_term = self.knowledge.thresholds.long_term_supply_days
        return medication.days_supply is not None and medication.days_supply >= long_term

    @property
    def long_term_therapy(self) -> bool:
        stated = self.data.patient.long_term_opioid_therapy
        if stated is not None:
            return stated
        long_term = self.knowledge.thresholds.long_term_supply_days
        return any(
            m.pain_duration == "chronic" or (m.days_supply or 0) >= long_term
            for _, m in self.opioids
        )

    def within(self, when: date | None, days: int) -> bool:
        return when is not None and self.today - timedelta(days=days) <= when <= self.today


Rule = Callable[[RuleContext], list[Alert]]


def names_of(meds: Sequence[tuple[int, Medication]]) -> str:
    return ", ".join(dict.fromkeys(m.name or m.ingredient_key for _, m in meds))


def indexes_of(*groups: Sequence[tuple[int, Medication]]) -> tuple[int, ...]:
    return tuple(sorted({i for group in groups for i, _ in group}))


def exclusion_reasons(data: AssessmentInput, knowledge: RuleKnowledge) -> tuple[str, ...]:
    """Why the CDC 2022 guideline does not apply to this patient (empty: it applies)."""
    patient = data.patient
    adult_age = knowledge.thresholds.adult_age
    reasons = [
        (patient.age is not None and patient.age < adult_age, "under 18"),
        (patient.active_cancer_treatment, "active cancer treatment"),
        (patient.palliative_or_hospice, "palliative, hospice or end-of-life care"),
        (patient.sickle_cell, "sickle cell disease"),
    ]
    return tuple(text for applies, text in reasons if applies)


def assessment_notes(data: AssessmentInput) -> tuple[str, ...]:
    """What the assessment could not check, in words (empty: everything was checked)."""
    notes = []
    if data.patient.age is None:
        notes.append(
            "age unknown: the under-18 exclusion was not checked; the rules ran as for an adult"
        )
    return tuple(notes)
