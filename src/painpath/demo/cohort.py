"""The synthetic cohort as plain values, before any database is involved.

`generate_cohort(seed=42, patients=200, as_of=...)` is a pure function: the same arguments give
equal cohorts. One `random.Random(seed)` hands each patient a seed of their own, so patient n is
the same whether the cohort has 20 or 200 patients and one patient's draws do not shift the next.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

from painpath.demo import staff
from painpath.demo.conditions import ConditionDraft, draw_conditions
from painpath.demo.genotypes import GenotypeCall, draw_genotypes
from painpath.demo.medications import MedicationDraft, draw_medications
from painpath.demo.observations import PatientProfile, daily_observations, questionnaires
from painpath.models.enums import AdministrativeGender

DEFAULT_PATIENTS = 200
DEFAULT_SEED = 42

#: IANA zones across the US, weighted roughly by population.
TIME_ZONES = {
    "America/New_York": 30, "America/Detroit": 3, "America/Indiana/Indianapolis": 2,
    "America/Chicago": 27, "America/Denver": 5, "America/Boise": 1, "America/Phoenix": 3,
    "America/Los_Angeles": 22, "America/Anchorage": 1, "Pacific/Honolulu": 1,
}  # fmt: skip

GENDERS = {
    AdministrativeGender.female: 56,
    AdministrativeGender.male: 43,
    AdministrativeGender.other: 1,
}

#: Patient 0 is the one `pat.jones` logs in as: give them a story worth showing.
FEATURED_PRIMARY = "low_back_pain"


@dataclass(frozen=True, slots=True)
class Names:
    female: tuple[str, ...]
    male: tuple[str, ...]
    other: tuple[str, ...]
    family: tuple[str, ...]


@cache
def names() -> Names:
    raw = json.loads(resources.files("painpath.demo").joinpath("data/names.json").read_text())
    return Names(
        tuple(raw["given_female"]),
        tuple(raw["given_male"]),
        tuple(raw["given_other"]),
        tuple(raw["family"]),
    )


@dataclass(slots=True)
class PatientDraft:
    index: int
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    gender: AdministrativeGender
    time_zone: str
    # Usernames of the clinicians on the care team, primary first; the primary prescribes.
    clinicians: tuple[str, ...]
    pharmacist_on_team: bool
    account_username: str | None
    conditions: list[ConditionDraft] = field(default_factory=list)
    medications: list[MedicationDraft] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)
    questionnaires: list[dict[str, Any]] = field(default_factory=list)
    genotypes: list[GenotypeCall] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(slots=True)
class Cohort:
    seed: int
    as_of: date
    patients: list[PatientDraft]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _given_name(rng: random.Random, gender: AdministrativeGender) -> str:
    pool = {
        AdministrativeGender.female: names().female,
        AdministrativeGender.male: names().male,
    }.get(gender, names().other)
    return rng.choice(pool)


def _care_team(rng: random.Random, index: int) -> tuple[tuple[str, ...], bool]:
    usernames = [login.username for login in staff.CLINICIANS]
    primary = usernames[index % len(usernames)]
    team = [primary]
    if rng.random() < 0.25:
        team.append(rng.choice([name for name in usernames if name != primary]))
    pharmacist = index < len(staff.PATIENT_ACCOUNT_FAMILY_NAMES) or rng.random() < 0.6
    return tuple(team), pharmacist


def generate_patient(rng: random.Random, index: int, as_of: date) -> PatientDraft:
    """One synthetic patient with everything on their record."""
    gender = rng.choices(list(GENDERS), weights=list(GENDERS.values()))[0]
    age = round(rng.triangular(25, 85, 60))
    birth_date = _years_before(as_of, age) - timedelta(days=rng.randint(0, 364))
    age = _age_on(birth_date, as_of)
    given = _given_name(rng, gender)
    family = rng.choice(names().family)
    account = None
    if index < len(staff.PATIENT_ACCOUNT_FAMILY_NAMES):
        family = staff.PATIENT_ACCOUNT_FAMILY_NAMES[index]
        account = staff.patient_username(family)
    time_zone = rng.choices(list(TIME_ZONES), weights=list(TIME_ZONES.values()))[0]
    clinicians, pharmacist = _care_team(rng, index)
    featured = index == 0
    mrn = f"DEMO-{index + 1:05d}"

    conditions = draw_conditions(
        rng,
        age=age,
        gender=gender,
        birth_date=birth_date,
        as_of=as_of,
        primary=FEATURED_PRIMARY if featured else None,
    )
    medications = draw_medications(
        rng,
        diagnoses=[condition.key for condition in conditions],
        age=age,
        onset=conditions[0].onset_date,
        as_of=as_of,
        force_opioid=featured,
    )
    profile = PatientProfile(
        mrn=mrn,
        time_zone=time_zone,
        age=age,
        primary=conditions[0].key,
        depressed=any(condition.key == "depression" for condition in conditions),
    )
    observations, pain = daily_observations(rng, profile, as_of=as_of)
    return PatientDraft(
        index=index,
        mrn=mrn,
        given_name=given,
        family_name=family,
        birth_date=birth_date,
        gender=gender,
        time_zone=time_zone,
        clinicians=clinicians,
        pharmacist_on_team=pharmacist,
        account_username=account,
        conditions=conditions,
        medications=medications,
        observations=observations,
        questionnaires=questionnaires(rng, profile, pain, as_of=as_of),
        genotypes=draw_genotypes(rng),
    )


def generate_cohort(
    *, seed: int = DEFAULT_SEED, patients: int = DEFAULT_PATIENTS, as_of: date
) -> Cohort:
    """`patients` synthetic patients, a pure function of (seed, patients, as_of)."""
    if patients < 1:
        raise ValueError("the cohort needs at least one patient")
    master = random.Random(seed)
    drafts = [
        generate_patient(random.Random(master.getrandbits(64)), index, as_of)
        for index in range(patients)
    ]
    return Cohort(seed=seed, as_of=as_of, patients=drafts)
