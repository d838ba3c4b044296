"""Synthetic medication lists: analgesic regimens with realistic sigs, chosen from the diagnoses.

Every code is an RxNorm ingredient from painpath's formulary. Doses follow common US labelling
(e.g. oxycodone 5–10 mg every 6 hours as needed, morphine ER 15 mg every 12 hours, fentanyl
12–50 µg/h patches changed every 72 hours); the mix is illustrative, not epidemiology. Some
regimens are deliberately risky (high daily MME, opioid plus benzodiazepine, CYP2D6-dependent
opioids) so the safety features have something to find.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from painpath.demo.conditions import ARTHRITIS, HEADACHE, NEUROPATHIC, SPINE
from painpath.models.medication import MedicationRequestStatus, PeriodUnit
from painpath.terminology import formulary

H, D = PeriodUnit.hour, PeriodUnit.day


@dataclass(frozen=True, slots=True)
class Sig:
    rxnorm_code: str
    dose_value: float
    dose_unit: str
    frequency: int
    period: float
    period_unit: PeriodUnit
    text: str
    as_needed: bool = False
    route: str = "oral"
    # Controlled substances are filled for 30 days, maintenance medicines for 90.
    days_supply: int = 90


def _opioid(
    code: str,
    dose: float,
    unit: str,
    every: float,
    text: str,
    *,
    as_needed: bool = False,
    route: str = "oral",
    period_unit: PeriodUnit = PeriodUnit.hour,
) -> Sig:
    return Sig(code, dose, unit, 1, every, period_unit, text, as_needed, route, days_supply=30)


OXYCODONE, HYDROCODONE, MORPHINE, CODEINE, TRAMADOL = "7804", "5489", "7052", "2670", "10689"
TAPENTADOL, FENTANYL, HYDROMORPHONE, METHADONE = "787390", "4337", "3423", "6813"
OXYMORPHONE, BUPRENORPHINE, NALOXONE = "7814", "1819", "7242"

Q6H_PRN = "1 tablet every 6 hours as needed"
WITH_APAP = "1 tablet (with acetaminophen {mg} mg) every 6 hours as needed"
ER_Q12H = "1 extended-release tablet every 12 hours"
PATCH_72H = "apply 1 patch every 72 hours; remove the old patch"
PATCH_7D = "apply 1 patch every 7 days; remove the old patch"
BREAKTHROUGH = "1 tablet every 6 hours as needed for breakthrough pain"


def _prn(code: str, dose: float, text: str = Q6H_PRN) -> Sig:
    return _opioid(code, dose, "mg", 6, text, as_needed=True)


def _patch(code: str, micrograms_per_hour: float, every: float, unit: PeriodUnit) -> Sig:
    text = PATCH_72H if unit is H else PATCH_7D
    return _opioid(
        code, micrograms_per_hour, "ug/h", every, text, route="transdermal", period_unit=unit
    )


#: (weight, regimen, daily MME of 50 or more by the CDC 2022 conversion factors)
OPIOID_REGIMENS: tuple[tuple[float, tuple[Sig, ...], bool], ...] = (
    (10, (_prn(OXYCODONE, 5),), False),
    (6, (_prn(OXYCODONE, 10),), True),
    (8, (_prn(HYDROCODONE, 5, WITH_APAP.format(mg=325)),), False),
    (5, (_prn(HYDROCODONE, 10, WITH_APAP.format(mg=325)),), False),
    (10, (_prn(TRAMADOL, 50),), False),
    (3, (_opioid(TRAMADOL, 50, "mg", 6, "1 tablet every 6 hours"),), False),
    (3, (_prn(CODEINE, 30, WITH_APAP.format(mg=300)),), False),
    (5, (_opioid(MORPHINE, 15, "mg", 12, ER_Q12H),), False),
    (3, (_opioid(MORPHINE, 30, "mg", 12, ER_Q12H),), True),
    (2, (_patch(FENTANYL, 12, 72, H),), False),
    (3, (_patch(FENTANYL, 25, 72, H),), True),
    (2, (_patch(FENTANYL, 50, 72, H),), True),
    (2, (_patch(BUPRENORPHINE, 5, 7, D),), False),
    (2, (_patch(BUPRENORPHINE, 10, 7, D),), False),
    (
        1,
        (_opioid(BUPRENORPHINE, 150, "ug", 12, "1 buccal film every 12 hours", route="buccal"),),
        False,
    ),
    (2, (_prn(TAPENTADOL, 50),), True),
    (2, (_prn(HYDROMORPHONE, 2),), False),
    (1, (_opioid(METHADONE, 5, "mg", 8, "1 tablet every 8 hours"),), True),
    (1, (_prn(OXYMORPHONE, 5),), True),
    (2, (_opioid(MORPHINE, 30, "mg", 12, ER_Q12H), _prn(OXYCODONE, 5, BREAKTHROUGH)), True),
    (1, (_patch(FENTANYL, 25, 72, H), _prn(OXYCODONE, 5, BREAKTHROUGH)), True),
)

BENZODIAZEPINES = (
    Sig(
        "596",
        0.5,
        "mg",
        1,
        8,
        H,
        "1 tablet every 8 hours as needed for anxiety",
        True,
        days_supply=30,
    ),
    Sig(
        "6470",
        1,
        "mg",
        1,
        8,
        H,
        "1 tablet every 8 hours as needed for anxiety",
        True,
        days_supply=30,
    ),
    Sig("2598", 0.5, "mg", 1, 12, H, "1 tablet every 12 hours", days_supply=30),
    Sig(
        "3322",
        5,
        "mg",
        1,
        8,
        H,
        "1 tablet every 8 hours as needed for muscle spasm",
        True,
        days_supply=30,
    ),
)
NSAIDS = (
    Sig("5640", 400, "mg", 1, 8, H, "1 tablet every 8 hours as needed with food", True),
    Sig("5640", 800, "mg", 1, 8, H, "1 tablet every 8 hours as needed with food", True),
    Sig("7258", 500, "mg", 1, 12, H, "1 tablet every 12 hours with food"),
    Sig("140587", 200, "mg", 1, 1, D, "1 capsule once daily"),
    Sig("41493", 7.5, "mg", 1, 1, D, "1 tablet once daily"),
    Sig("41493", 15, "mg", 1, 1, D, "1 tablet once daily"),
    Sig("3355", 50, "mg", 1, 8, H, "1 tablet every 8 hours with food"),
    Sig(
        "3355",
        4,
        "g",
        1,
        6,
        H,
        "apply 4 g of 1% gel to the painful joint every 6 hours",
        True,
        "topical",
    ),
)
GABAPENTINOIDS = (
    Sig("25480", 300, "mg", 1, 8, H, "1 capsule three times daily"),
    Sig("25480", 600, "mg", 1, 8, H, "1 tablet three times daily"),
    Sig("25480", 300, "mg", 1, 1, D, "1 capsule at bedtime"),
    Sig("187832", 75, "mg", 1, 12, H, "1 capsule twice daily"),
    Sig("187832", 150, "mg", 1, 12, H, "1 capsule twice daily"),
)
DULOXETINE = (
    Sig("72625", 30, "mg", 1, 1, D, "1 capsule once daily"),
    Sig("72625", 60, "mg", 1, 1, D, "1 capsule once daily"),
)
DULOXETINE_INDICATIONS = frozenset(
    {"fibromyalgia", "diabetic_neuropathy", "knee_oa", "low_back_pain"}
)
TRICYCLICS = (
    Sig("704", 10, "mg", 1, 1, D, "1 tablet at bedtime"),
    Sig("704", 25, "mg", 1, 1, D, "1 tablet at bedtime"),
    Sig("7531", 25, "mg", 1, 1, D, "1 capsule at bedtime"),
)
SSRIS = (
    Sig("36437", 50, "mg", 1, 1, D, "1 tablet once daily"),
    Sig("4493", 20, "mg", 1, 1, D, "1 capsule once daily"),
    Sig("32937", 20, "mg", 1, 1, D, "1 tablet once daily"),
)
SUMATRIPTAN = Sig(
    "37418", 50, "mg", 2, 1, D, "1 tablet at migraine onset; may repeat once after 2 hours", True
)
TOPIRAMATE = Sig("38404", 50, "mg", 1, 12, H, "1 tablet twice daily")
ACETAMINOPHEN = (
    Sig("161", 500, "mg", 1, 6, H, "1 tablet every 6 hours as needed", True),
    Sig("161", 1000, "mg", 1, 8, H, "2 tablets every 8 hours as needed", True),
)
CYCLOBENZAPRINE = (
    Sig("21949", 5, "mg", 1, 8, H, "1 tablet every 8 hours as needed for muscle spasm", True),
    Sig("21949", 10, "mg", 1, 1, D, "1 tablet at bedtime as needed for muscle spasm", True),
)
ZOLPIDEM = Sig(
    "39993", 5, "mg", 1, 1, D, "1 tablet at bedtime as needed for sleep", True, days_supply=30
)
NALOXONE_NASAL = Sig(
    NALOXONE,
    4,
    "mg",
    2,
    1,
    H,
    "spray 1 device in one nostril for suspected opioid overdose; call 911; "
    "may repeat with a new device after 2 to 3 minutes",
    True,
    "nasal",
    365,
)
#: (sig, stop reason) for medicines tried before and stopped.
PAST_TRIALS = (
    (Sig("25480", 300, "mg", 1, 8, H, "1 capsule three times daily"), "stopped: dizziness"),
    (_prn(TRAMADOL, 50), "stopped: nausea"),
    (Sig("7258", 500, "mg", 1, 12, H, "1 tablet every 12 hours with food"), "stopped: dyspepsia"),
    (_prn(OXYCODONE, 5), "tapered off after surgery"),
    (
        Sig("21949", 10, "mg", 1, 1, D, "1 tablet at bedtime as needed", True),
        "completed 2-week course",
    ),
)

#: Primary diagnosis → chance of a long-term opioid.
OPIOID_CHANCE = {
    "low_back_pain": 0.50, "lumbar_radiculopathy": 0.55, "cervicalgia": 0.35, "knee_oa": 0.45,
    "hip_oa": 0.45, "diabetic_neuropathy": 0.35, "fibromyalgia": 0.20, "migraine": 0.10,
    "chronic_migraine": 0.12, "rheumatoid_arthritis": 0.35, "postherpetic_neuralgia": 0.35,
    "crps": 0.50,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class MedicationDraft:
    sig: Sig
    status: MedicationRequestStatus
    start_date: date
    end_date: date | None = None
    note: str | None = None

    @property
    def display(self) -> str:
        return formulary().drugs[self.sig.rxnorm_code].display


def _start(rng: random.Random, earliest: date, as_of: date) -> date:
    earliest = max(earliest, as_of - timedelta(days=3 * 365))
    latest = as_of - timedelta(days=14)
    if earliest >= latest:
        return latest
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


def _pick(rng: random.Random, sigs: tuple[Sig, ...]) -> Sig:
    return sigs[rng.randrange(len(sigs))]


def draw_medications(
    rng: random.Random,
    *,
    diagnoses: list[str],
    age: int,
    onset: date,
    as_of: date,
    force_opioid: bool = False,
) -> list[MedicationDraft]:
    """The patient's medication requests: current regimens (active) and past trials (stopped)."""
    keys = set(diagnoses)
    primary = diagnoses[0]
    sigs: list[Sig] = []
    on_opioid = force_opioid or rng.random() < OPIOID_CHANCE.get(primary, 0.3)
    high_dose = False
    if on_opioid:
        weights = [weight for weight, _, _ in OPIOID_REGIMENS]
        _, regimen, high_dose = rng.choices(OPIOID_REGIMENS, weights=weights)[0]
        sigs.extend(regimen)
    anxious = "anxiety" in keys
    on_benzo = rng.random() < (0.45 if anxious else 0.06)
    if on_benzo:
        sigs.append(_pick(rng, BENZODIAZEPINES))
    if rng.random() < (0.6 if keys & ARTHRITIS else 0.2 if age >= 75 else 0.4):
        sigs.append(_pick(rng, NSAIDS))
    if rng.random() < (0.65 if keys & NEUROPATHIC or "fibromyalgia" in keys else 0.1):
        sigs.append(_pick(rng, GABAPENTINOIDS))
    adjuvant = rng.random()
    if keys & HEADACHE or "postherpetic_neuralgia" in keys:
        if adjuvant < 0.45:
            sigs.append(_pick(rng, TRICYCLICS))
    elif keys & DULOXETINE_INDICATIONS and adjuvant < 0.35:
        sigs.append(_pick(rng, DULOXETINE))
    on_antidepressant = any(s in DULOXETINE + TRICYCLICS for s in sigs)
    if "depression" in keys and not on_antidepressant and rng.random() < 0.6:
        sigs.append(_pick(rng, SSRIS))
    if keys & HEADACHE:
        sigs.append(SUMATRIPTAN)
        if "chronic_migraine" in keys and rng.random() < 0.5:
            sigs.append(TOPIRAMATE)
    combined_apap = any(s.rxnorm_code in (HYDROCODONE, CODEINE) for s in sigs)
    if not combined_apap and rng.random() < 0.4:
        sigs.append(_pick(rng, ACETAMINOPHEN))
    if keys & SPINE and rng.random() < 0.2:
        sigs.append(_pick(rng, CYCLOBENZAPRINE))
    if rng.random() < 0.05:
        sigs.append(ZOLPIDEM)
    if on_opioid and rng.random() < (0.7 if high_dose or on_benzo else 0.25):
        sigs.append(NALOXONE_NASAL)

    drafts = []
    for sig in sigs:
        status = MedicationRequestStatus.active
        if rng.random() < 0.02:
            status = MedicationRequestStatus.on_hold
        drafts.append(MedicationDraft(sig, status, _start(rng, onset, as_of)))
    if rng.random() < 0.3:
        current = {sig.rxnorm_code for sig in sigs}
        trial, reason = PAST_TRIALS[rng.randrange(len(PAST_TRIALS))]
        if trial.rxnorm_code not in current:
            start = as_of - timedelta(days=rng.randint(150, 720))
            end = start + timedelta(days=rng.randint(14, 120))
            status = (
                MedicationRequestStatus.completed
                if reason.startswith(("completed", "tapered"))
                else MedicationRequestStatus.stopped
            )
            drafts.append(MedicationDraft(trial, status, start, end, reason))
    return drafts
