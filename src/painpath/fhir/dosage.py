"""FHIR `Dosage` (R4 `doseAndRate`, STU3 `doseQuantity`/`doseRange` tolerated) → `DosageLine`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from painpath.fhir.resources import JSON_OBJECT, has_code
from painpath.opioids import DosageLine

_MASS_OR_VOLUME = {"mg": "mg", "mcg": "mcg", "ug": "mcg", "µg": "mcg", "ml": "mL"}
_PATCH = {"{patch}", "patch", "patches"}
_COUNT = {
    "{tbl}", "tbl", "tab", "tabs", "tablet", "tablets", "{tablet}",
    "{cap}", "cap", "caps", "capsule", "capsules", "{capsule}",
    "{film}", "film", "films", "{lozenge}", "lozenge", "{spray}", "spray",
    "1", "{unit}", "unit", "units", "{dose}", "dose", "each", "ea",
}  # fmt: skip
_PERIOD_UNITS = {"s", "min", "h", "d", "wk", "mo", "a"}


def _rank(holder: Mapping[str, Any]) -> int:
    """doseAndRate entries typed `ordered` (or untyped) before `calculated`/`admin-amount`."""
    kind = holder.get("type")
    if kind is None or has_code(kind, "ordered"):
        return 0
    return 1


def _quantity(dosage: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The dose: doseQuantity, else doseRange.high (the most aggressive reading); R4
    `doseAndRate` first (the `ordered` entry when several are typed), then STU3 elements."""
    rates = dosage.get("doseAndRate")
    holders = (
        sorted((r for r in rates if isinstance(r, JSON_OBJECT)), key=_rank)
        if isinstance(rates, list)
        else []
    )
    for holder in [*holders, dosage]:
        quantity = holder.get("doseQuantity")
        if isinstance(quantity, JSON_OBJECT) and "value" in quantity:
            return quantity
        dose_range = holder.get("doseRange")
        high = dose_range.get("high") if isinstance(dose_range, JSON_OBJECT) else None
        if isinstance(high, JSON_OBJECT) and "value" in high:
            return high
    return None


def dose_unit(quantity: Mapping[str, Any]) -> str | None:
    """painpath's `DoseUnit` value for a Quantity's code/unit, or None when unknown."""
    for raw in (quantity.get("code"), quantity.get("unit")):
        if not isinstance(raw, str):
            continue
        key = raw.strip().lower()
        if key in _MASS_OR_VOLUME:
            return _MASS_OR_VOLUME[key]
        if key in _PATCH:
            return "patch"
        if key in _COUNT:
            return "unit"
    return None


def dosage_line(dosage: Mapping[str, Any]) -> tuple[DosageLine | None, str | None]:
    """One sig line, or (None, why) when it cannot be read at all."""
    timing = dosage.get("timing")
    repeat = timing.get("repeat", {}) if isinstance(timing, JSON_OBJECT) else {}
    repeat = repeat if isinstance(repeat, JSON_OBJECT) else {}
    fields: dict[str, Any] = {
        "prn": bool(dosage.get("asNeededBoolean")) or "asNeededCodeableConcept" in dosage
    }
    problem = None
    quantity = _quantity(dosage)
    if quantity is None:
        problem = "no dose quantity in the sig"
    else:
        unit = dose_unit(quantity)
        value = quantity.get("value")
        if unit is None:
            problem = (
                f"dose unit {quantity.get('code') or quantity.get('unit')!r} is not understood"
            )
        elif not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            problem = f"dose value {value!r} is not a positive number"
        else:
            fields["dose"] = float(value)
            fields["dose_unit"] = unit
    for fhir, ours in (
        ("frequency", "frequency"),
        ("frequencyMax", "frequency_max"),
        ("period", "period"),
        ("periodMax", "period_max"),
    ):
        value = repeat.get(fhir)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            fields[ours] = int(value) if ours.startswith("frequency") else float(value)
    unit = repeat.get("periodUnit")
    if unit in _PERIOD_UNITS:
        fields["period_unit"] = unit
    times = repeat.get("timeOfDay")
    if isinstance(times, list):
        fields["times_of_day"] = len(times)
    sequence = dosage.get("sequence")
    if isinstance(sequence, int) and not isinstance(sequence, bool):
        fields["sequence"] = sequence
    if problem is None and not _has_rhythm(fields):
        problem = "the sig gives no frequency, period or time of day"
    try:
        return DosageLine.model_validate(fields), problem
    except ValueError as error:  # pydantic ValidationError is a ValueError
        return None, f"sig not valid: {error.__class__.__name__}"


def _has_rhythm(fields: Mapping[str, Any]) -> bool:
    return bool(fields.get("frequency") or fields.get("period") or fields.get("times_of_day"))
