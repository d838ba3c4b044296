"""The request, resolved once: condition, profile, medicines read with their class tags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from painpath.care.inputs import CareRequest, LabValue, Profile
from painpath.care.knowledge import Condition, Knowledge, knowledge
from painpath.care.medicines import CurrentMedicine, from_medication, read_medicine


@dataclass(frozen=True, slots=True)
class PatientContext:
    request: CareRequest
    knowledge: Knowledge
    condition: Condition
    profile: Profile
    today: date
    meds: tuple[CurrentMedicine, ...]
    problems: frozenset[str]

    def meds_with(self, *tags: str) -> tuple[CurrentMedicine, ...]:
        """Current medicines carrying any of the class tags."""
        wanted = set(tags)
        return tuple(m for m in self.meds if m.classes & wanted)

    def names_with(self, *tags: str) -> str:
        return ", ".join(dict.fromkeys(m.ingredient for m in self.meds_with(*tags)))

    def has(self, *problems: str) -> bool:
        return any(p in self.problems for p in problems)

    def lab(self, name: str) -> LabValue | None:
        return self.request.labs.get(name)

    def number(self, name: str) -> float | None:
        value = self.request.labs.get(name)
        return None if value is None or isinstance(value, str) else float(value)

    def score(self, name: str) -> float | None:
        return self.request.scores.get(name)

    @property
    def age(self) -> int | None:
        return self.request.age

    def older_adult(self) -> bool:
        age = self.request.age
        return age is not None and age >= self.knowledge.threshold("older_adult_age")

    @property
    def renal_function(self) -> float | None:
        """eGFR, else creatinine clearance (the labels' bands are in CrCl)."""
        egfr = self.number("egfr")
        return egfr if egfr is not None else self.number("creatinine_clearance")


def build_context(request: CareRequest, *, default_profile: Profile, today: date) -> PatientContext:
    k = knowledge()
    meds = tuple(
        read_medicine(m) if isinstance(m, str) else from_medication(m) for m in request.current_meds
    )
    return PatientContext(
        request=request,
        knowledge=k,
        condition=k.conditions[request.condition],
        profile=request.jurisdiction or default_profile,
        today=today,
        meds=meds,
        problems=frozenset(request.problems),
    )
