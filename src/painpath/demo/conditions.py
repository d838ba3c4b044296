"""Synthetic problem lists: chronic-pain diagnoses that co-occur plausibly, plus comorbidities.

Codes and titles are from the ICD-10-CM tabular list. Weights, age and sex modifiers and
co-occurrence probabilities are illustrative, chosen to look like a pain clinic's panel
(back and neck pain, osteoarthritis and neuropathic pain common; CRPS rare).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from painpath.models.condition import ConditionStatus
from painpath.models.enums import AdministrativeGender


@dataclass(frozen=True, slots=True)
class Diagnosis:
    key: str
    code: str
    display: str
    weight: float = 0.0  # as the primary pain diagnosis
    min_age: int = 18  # below it the weight is cut to a fifth
    female_factor: float = 1.0


KNEE_OA_CODES = (
    ("M17.11", "Unilateral primary osteoarthritis, right knee"),
    ("M17.12", "Unilateral primary osteoarthritis, left knee"),
    ("M17.0", "Bilateral primary osteoarthritis of knee"),
)

PAIN_DIAGNOSES = {
    d.key: d
    for d in (
        Diagnosis("low_back_pain", "M54.50", "Low back pain, unspecified", 26),
        Diagnosis("lumbar_radiculopathy", "M54.16", "Radiculopathy, lumbar region", 11),
        Diagnosis("cervicalgia", "M54.2", "Cervicalgia", 8),
        Diagnosis("knee_oa", "M17.0", "Bilateral primary osteoarthritis of knee", 12, 45),
        Diagnosis("hip_oa", "M16.11", "Unilateral primary osteoarthritis, right hip", 5, 50),
        Diagnosis(
            "diabetic_neuropathy",
            "E11.42",
            "Type 2 diabetes mellitus with diabetic polyneuropathy",
            7,
            40,
        ),
        Diagnosis("fibromyalgia", "M79.7", "Fibromyalgia", 5, female_factor=2.0),
        Diagnosis(
            "migraine",
            "G43.909",
            "Migraine, unspecified, not intractable, without status migrainosus",
            3,
            female_factor=2.0,
        ),
        Diagnosis(
            "chronic_migraine",
            "G43.709",
            "Chronic migraine without aura, not intractable, without status migrainosus",
            2.5,
            female_factor=2.0,
        ),
        Diagnosis(
            "rheumatoid_arthritis", "M06.9", "Rheumatoid arthritis, unspecified", 2.5, 30, 2.0
        ),
        Diagnosis(
            "postherpetic_neuralgia",
            "B02.29",
            "Other postherpetic nervous system involvement",
            3,
            55,
        ),
        Diagnosis("crps", "G90.50", "Complex regional pain syndrome I, unspecified", 1.5),
    )
}

COMORBIDITIES = {
    d.key: d
    for d in (
        Diagnosis("anxiety", "F41.1", "Generalized anxiety disorder"),
        Diagnosis("depression", "F32.A", "Depression, unspecified"),
        Diagnosis("sleep_apnea", "G47.33", "Obstructive sleep apnea (adult) (pediatric)"),
    )
}

#: primary diagnosis → (diagnosis that often comes with it, probability)
CO_OCCURRENCE: dict[str, tuple[tuple[str, float], ...]] = {
    "low_back_pain": (("lumbar_radiculopathy", 0.30), ("cervicalgia", 0.15), ("knee_oa", 0.10)),
    "lumbar_radiculopathy": (("low_back_pain", 0.60), ("cervicalgia", 0.10)),
    "cervicalgia": (("low_back_pain", 0.30), ("migraine", 0.12), ("fibromyalgia", 0.08)),
    "knee_oa": (("hip_oa", 0.20), ("low_back_pain", 0.25)),
    "hip_oa": (("knee_oa", 0.35), ("low_back_pain", 0.25)),
    "diabetic_neuropathy": (("low_back_pain", 0.20), ("knee_oa", 0.15)),
    "fibromyalgia": (("migraine", 0.20), ("low_back_pain", 0.35), ("cervicalgia", 0.20)),
    "migraine": (("fibromyalgia", 0.12), ("cervicalgia", 0.20)),
    "chronic_migraine": (("fibromyalgia", 0.12), ("cervicalgia", 0.20)),
    "rheumatoid_arthritis": (("knee_oa", 0.15), ("fibromyalgia", 0.15)),
    "postherpetic_neuralgia": (("low_back_pain", 0.15),),
    "crps": (("low_back_pain", 0.10), ("fibromyalgia", 0.05)),
}

NEUROPATHIC = frozenset(
    {"lumbar_radiculopathy", "diabetic_neuropathy", "postherpetic_neuralgia", "crps"}
)
HEADACHE = frozenset({"migraine", "chronic_migraine"})
ARTHRITIS = frozenset({"knee_oa", "hip_oa", "rheumatoid_arthritis"})
SPINE = frozenset({"low_back_pain", "lumbar_radiculopathy", "cervicalgia"})


@dataclass(frozen=True, slots=True)
class ConditionDraft:
    key: str
    code: str
    display: str
    clinical_status: ConditionStatus
    onset_date: date
    abatement_date: date | None = None


def _weight(diagnosis: Diagnosis, age: int, gender: AdministrativeGender) -> float:
    weight = diagnosis.weight * (0.2 if age < diagnosis.min_age else 1.0)
    if gender is AdministrativeGender.female:
        weight *= diagnosis.female_factor
    if diagnosis.key in HEADACHE and age > 65:
        weight *= 0.3
    return weight


def _onset(rng: random.Random, birth_date: date, earliest: date, latest: date) -> date:
    adult = birth_date + timedelta(days=round(18 * 365.25))
    start = max(earliest, adult)
    span = max((latest - start).days, 0)
    return start + timedelta(days=rng.randint(0, span))


def _draft(rng: random.Random, diagnosis: Diagnosis, onset: date) -> ConditionDraft:
    code, display = diagnosis.code, diagnosis.display
    if diagnosis.key == "knee_oa":
        code, display = rng.choices(KNEE_OA_CODES, weights=(35, 30, 35))[0]
    return ConditionDraft(diagnosis.key, code, display, ConditionStatus.active, onset)


def draw_conditions(
    rng: random.Random,
    *,
    age: int,
    gender: AdministrativeGender,
    birth_date: date,
    as_of: date,
    primary: str | None = None,
) -> list[ConditionDraft]:
    """A problem list: one primary pain diagnosis, up to two that co-occur, comorbidities."""
    if primary is None:
        keys = list(PAIN_DIAGNOSES)
        weights = [_weight(PAIN_DIAGNOSES[key], age, gender) for key in keys]
        primary = rng.choices(keys, weights=weights)[0]
    years_ill = rng.uniform(0.5, min(20.0, age - 20.0))
    primary_onset = _onset(
        rng, birth_date, as_of - timedelta(days=round(years_ill * 365.25)), as_of
    )
    drafts = [_draft(rng, PAIN_DIAGNOSES[primary], primary_onset)]
    chosen = {primary}
    latest_secondary = max(primary_onset, as_of - timedelta(days=60))
    for key, probability in CO_OCCURRENCE[primary]:
        if len(chosen) >= 3 or rng.random() >= probability:
            continue
        if key in chosen or (key in HEADACHE and chosen & HEADACHE):
            continue
        if age < PAIN_DIAGNOSES[key].min_age:
            continue
        onset = _onset(rng, birth_date, primary_onset, latest_secondary)
        draft = _draft(rng, PAIN_DIAGNOSES[key], onset)
        if key == "cervicalgia" and rng.random() < 0.3 and (as_of - onset).days > 60:
            # An episode of neck pain that settled.
            end = onset + timedelta(days=rng.randint(30, (as_of - onset).days - 10))
            draft = ConditionDraft(
                draft.key, draft.code, draft.display, ConditionStatus.resolved, onset, end
            )
        drafts.append(draft)
        chosen.add(key)

    mood_risk = 0.10 if "fibromyalgia" in chosen else 0.0
    comorbid_risk = {
        "anxiety": 0.15 + mood_risk,
        "depression": 0.18 + mood_risk,
        "sleep_apnea": 0.04
        + (0.06 if age >= 50 else 0.0)
        + (0.04 if gender is AdministrativeGender.male else 0.0),
    }
    for key, probability in comorbid_risk.items():
        if rng.random() < probability:
            onset = _onset(rng, birth_date, as_of - timedelta(days=365 * 15), as_of)
            drafts.append(_draft(rng, COMORBIDITIES[key], onset))
    return drafts
