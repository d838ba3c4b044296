"""Which HealthKit record types painpath imports, in what unit, and how it classifies devices.

Sources: Apple HealthKit documentation (HKQuantityTypeIdentifier, HKCategoryValueSleepAnalysis:
InBed 0, Asleep 1 — deprecated in iOS 16 for AsleepUnspecified —, Awake 2, AsleepCore 3,
AsleepDeep 4, AsleepREM 5; https://developer.apple.com/documentation/healthkit/hkcategoryvaluesleepanalysis)
and the structure of the Health app's export.xml (its internal DTD).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from painpath.monitoring.wearables.model import Metric, SleepStage, SourceKind

SLEEP_TYPE = "HKCategoryTypeIdentifierSleepAnalysis"


@dataclass(frozen=True, slots=True)
class QuantityType:
    """A HealthKit quantity type painpath reads: its metric and a factor per export unit that
    converts the value to the metric's UCUM unit."""

    metric: Metric
    factors: dict[str, float]


_Q = "HKQuantityTypeIdentifier"

QUANTITY_TYPES: dict[str, QuantityType] = {
    f"{_Q}StepCount": QuantityType(Metric.steps, {"count": 1.0}),
    f"{_Q}HeartRate": QuantityType(Metric.heart_rate, {"count/min": 1.0}),
    f"{_Q}RestingHeartRate": QuantityType(Metric.resting_heart_rate, {"count/min": 1.0}),
    f"{_Q}AppleExerciseTime": QuantityType(Metric.active_minutes, {"min": 1.0, "s": 1 / 60}),
    f"{_Q}ActiveEnergyBurned": QuantityType(
        Metric.active_energy, {"kcal": 1.0, "Cal": 1.0, "kJ": 1 / 4.184}
    ),
    f"{_Q}DistanceWalkingRunning": QuantityType(
        Metric.distance,
        {"m": 1.0, "km": 1000.0, "cm": 0.01, "mi": 1609.344, "ft": 0.3048, "yd": 0.9144},
    ),
}

SLEEP_VALUES: dict[str, SleepStage] = {
    "HKCategoryValueSleepAnalysisInBed": SleepStage.in_bed,
    "HKCategoryValueSleepAnalysisAsleep": SleepStage.asleep_unspecified,
    "HKCategoryValueSleepAnalysisAsleepUnspecified": SleepStage.asleep_unspecified,
    "HKCategoryValueSleepAnalysisAwake": SleepStage.awake,
    "HKCategoryValueSleepAnalysisAsleepCore": SleepStage.core,
    "HKCategoryValueSleepAnalysisAsleepDeep": SleepStage.deep,
    "HKCategoryValueSleepAnalysisAsleepREM": SleepStage.rem,
    # Some exporters write the raw enum values.
    "0": SleepStage.in_bed,
    "1": SleepStage.asleep_unspecified,
    "2": SleepStage.awake,
    "3": SleepStage.core,
    "4": SleepStage.deep,
    "5": SleepStage.rem,
}

#: Metadata keys that carry a record's own stable identifier.
SYNC_KEYS = ("HKMetadataKeySyncIdentifier", "HKMetadataKeyExternalUUID")
TIME_ZONE_KEY = "HKTimeZone"


@lru_cache(maxsize=256)
def classify(source_name: str, device: str | None) -> tuple[SourceKind, str | None]:
    """Source kind and a short device label from `sourceName` and the serialized HKDevice
    (`<<HKDevice: 0x…>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:…>`).
    """
    fields: dict[str, str] = {}
    if device:
        for part in device.strip("<>").split(", "):
            key, sep, value = part.partition(":")
            if sep:
                fields[key.strip()] = value.strip().rstrip(">")
    model = fields.get("model", "")
    hardware = fields.get("hardware", "")
    label = fields.get("name") or None
    if label and hardware:
        label = f"{label} ({hardware})"
    text = f"{source_name} {model} {hardware} {fields.get('name', '')}"
    if "Watch" in model or hardware.startswith("Watch") or "Apple Watch" in text:
        return SourceKind.watch, label
    if "iPhone" in text:
        return SourceKind.phone, label
    return SourceKind.other, label
