"""About 90 days of synthetic diary, wearable and questionnaire data for one patient.

- Pain (LOINC 72514-3, 0–10 numeric rating) once an evening from the diary app: a personal
  baseline, a trend (improving, stable or worsening), day-to-day autocorrelated noise and
  occasional flares.
- Steps (55423-8), resting heart rate (40443-4) and sleep duration (93832-4, hours) from a
  wearable, as daily values that move with pain: worse days mean fewer steps and less sleep.
- Missing data the way real data misses: skipped days, a device left on the charger for a week,
  and some patients with no wearable at all.
- PEG-3 and PHQ-9 (which asks about the last two weeks) about every two weeks, stored under the
  instrument catalog's ids with the scoring engine's result, as a response sent to the API is.

Each row is a dict of Observation or QuestionnaireResponse columns, without patient_id.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from painpath.models.observation import ObservationStatus
from painpath.monitoring import instruments

DAYS = 90

PAIN = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported", "{score}")
STEPS = ("55423-8", "Number of steps in unspecified time Pedometer", "{steps}")
RESTING_HEART_RATE = ("40443-4", "Heart rate --resting", "/min")
SLEEP = ("93832-4", "Sleep duration", "h")

DIARY_APP = "painpath diary"
WEARABLES = ("Apple Watch", "Fitbit Charge 6", "Garmin Venu 3", "Google Pixel Watch", "Oura Ring")

#: Observation ranges the generator keeps to (the tests check them).
RANGES = {
    PAIN[0]: (0.0, 10.0),
    STEPS[0]: (0.0, 40_000.0),
    RESTING_HEART_RATE[0]: (40.0, 120.0),
    SLEEP[0]: (2.0, 12.0),
}

#: Instrument ids as the catalog names them (monitoring/instruments/definitions).
PEG = "peg"
PHQ_9 = "phq-9"

#: Baseline pain (0–10) by primary diagnosis, before personal variation.
BASELINE_PAIN = {"crps": 7.0, "fibromyalgia": 6.5, "lumbar_radiculopathy": 6.0}


@dataclass(frozen=True, slots=True)
class PatientProfile:
    mrn: str
    time_zone: str
    age: int
    primary: str
    depressed: bool


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _missing_days(
    rng: random.Random, days: list[date], rate: float, gap_chance: float
) -> set[date]:
    missing = {day for day in days if rng.random() < rate}
    if rng.random() < gap_chance:
        length = rng.randint(3, 10)
        start = rng.randrange(len(days) - length)
        missing.update(days[start : start + length])
    return missing


def _pain_series(rng: random.Random, profile: PatientProfile, count: int) -> list[float]:
    baseline = _clamp(BASELINE_PAIN.get(profile.primary, 5.5) + rng.gauss(0, 1.0), 2.5, 8.5)
    trend = rng.choices(
        (-rng.uniform(1.0, 3.0), rng.uniform(-0.5, 0.5), rng.uniform(0.5, 2.0)),
        weights=(40, 40, 20),
    )[0]
    series, noise, flare_days = [], 0.0, 0
    for index in range(count):
        noise = 0.6 * noise + rng.gauss(0, 0.8)
        if flare_days == 0 and rng.random() < 0.03:
            flare_days = rng.randint(2, 5)
        flare = 2.0 if flare_days else 0.0
        flare_days = max(flare_days - 1, 0)
        level = baseline + trend * index / count + noise + flare
        series.append(_clamp(level, 0.0, 10.0))
    return series


def _row(
    code: tuple[str, str, str],
    category: str,
    value: float,
    start: datetime,
    end: datetime | None,
    device: str,
    client_id: str,
) -> dict[str, Any]:
    loinc_code, display, unit = code
    return {
        "status": ObservationStatus.final,
        "category": category,
        "loinc_code": loinc_code,
        "display": display,
        "value": value,
        "value_text": None,
        "unit": unit,
        "effective_at": start,
        "effective_end": end,
        "source_device": device,
        "client_id": client_id,
    }


def daily_observations(
    rng: random.Random, profile: PatientProfile, *, as_of: date
) -> tuple[list[dict[str, Any]], list[float]]:
    """Observation rows for the DAYS days before as_of, and the underlying daily pain levels."""
    zone = ZoneInfo(profile.time_zone)
    days = [as_of - timedelta(days=DAYS - index) for index in range(DAYS)]
    pain = _pain_series(rng, profile, len(days))
    mean_pain = sum(pain) / len(pain)
    diary_missing = _missing_days(rng, days, rng.uniform(0.03, 0.2), 0.1)
    device = rng.choice(WEARABLES) if rng.random() < 0.85 else None
    worn_missing = _missing_days(rng, days, rng.uniform(0.02, 0.12), 0.3)
    age_factor = 1.0 - (profile.age - 25) / 120
    step_base = rng.uniform(2500, 9000) * age_factor
    heart_base = rng.uniform(56, 80)
    sleep_base = rng.uniform(5.8, 7.8)

    rows: list[dict[str, Any]] = []
    for day, level in zip(days, pain, strict=True):
        stamp = day.isoformat()
        key = f"{profile.mrn}:{{}}:{stamp}"
        if day not in diary_missing:
            moment = _local(day, time(19), zone) + timedelta(minutes=rng.randint(0, 180))
            score = float(round(level))
            rows.append(_row(PAIN, "survey", score, moment, None, DIARY_APP, key.format("pain")))
        if device is None or day in worn_missing:
            continue
        day_start = _local(day, time(0), zone)
        day_end = _local(day + timedelta(days=1), time(0), zone)
        worse = level - mean_pain
        weekend = 1.1 if day.weekday() >= 5 else 1.0
        steps = step_base * weekend * (1 - 0.07 * worse) * rng.lognormvariate(0, 0.25)
        steps = float(round(_clamp(steps, 150, 30_000)))
        rows.append(_row(STEPS, "activity", steps, day_start, day_end, device, key.format("steps")))
        heart = round(_clamp(heart_base + 0.4 * worse + rng.gauss(0, 2.0), 42, 110))
        rows.append(
            _row(
                RESTING_HEART_RATE,
                "vital-signs",
                float(heart),
                day_start,
                day_end,
                device,
                key.format("resting-hr"),
            )
        )
        hours = round(_clamp(sleep_base - 0.2 * worse + rng.gauss(0, 0.6), 2.5, 11.0), 2)
        asleep = _local(day - timedelta(days=1), time(22), zone)
        asleep += timedelta(minutes=rng.randint(0, 150))
        awake = asleep + timedelta(hours=hours)
        rows.append(_row(SLEEP, "activity", hours, asleep, awake, device, key.format("sleep")))
    return rows, pain


def _item(rng: random.Random, centre: float, spread: float, top: int) -> int:
    return int(_clamp(round(rng.gauss(centre, spread)), 0, top))


def questionnaires(
    rng: random.Random, profile: PatientProfile, pain: list[float], *, as_of: date
) -> list[dict[str, Any]]:
    """PEG-3 and PHQ-9 about every 14 days (give or take two), one in ten skipped."""
    zone = ZoneInfo(profile.time_zone)
    first_day = as_of - timedelta(days=DAYS)
    mood = rng.uniform(1.0, 2.0) if profile.depressed else rng.uniform(0.0, 0.9)
    if profile.primary == "fibromyalgia":
        mood += 0.4
    rows: list[dict[str, Any]] = []
    for instrument, every in ((PEG, 14), (PHQ_9, 14)):
        index = rng.randint(0, every - 1)
        while index < len(pain):
            at = _clamp(index + rng.randint(-2, 2), 0, len(pain) - 1)
            day_index = int(at)
            if rng.random() >= 0.1:  # one in ten is skipped
                recent = pain[max(day_index - 6, 0) : day_index + 1]
                level = sum(recent) / len(recent)
                if instrument == PEG:
                    intensity = _item(rng, level, 0.7, 10)
                    answers = [intensity] + [_item(rng, intensity + 0.5, 1.2, 10) for _ in range(2)]
                else:
                    centre = mood + 0.15 * (level - 5)
                    answers = [_item(rng, centre, 0.6, 3) for _ in range(8)]
                    answers.append(1 if mood > 1.3 and rng.random() < 0.15 else 0)
                day = first_day + timedelta(days=day_index)
                moment = _local(day, time(10), zone) + timedelta(minutes=rng.randint(0, 600))
                result = instruments.score(instrument, answers)
                rows.append(
                    {
                        "questionnaire": instrument,
                        "status": "completed",
                        "authored_at": moment,
                        "answers": answers,
                        "total_score": float(result.score),
                        "score": result.as_json(),
                        "client_id": f"{profile.mrn}:{instrument}:{day.isoformat()}",
                    }
                )
            index += every
    return rows
