"""Daily dose of one medication from its sig: the most aggressive reading, never a guess.

Oral and other non-patch forms give mg/day; transdermal patches give mcg/h (the patch rate,
times the number of patches worn at once). The arithmetic is exact (`Decimal`); rounding is
left to whoever displays the result. Method: OMTK/MMECalculator 3.0 as described in
docs/opioids.md, extended to several dosage lines.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from painpath.opioids.inputs import DosageLine, DoseUnit, Medication, Route

# How many of each period unit fit in a day, as a fraction (numerator, denominator), so that
# "every 4 hours" divides 24 by 4 exactly instead of multiplying by an inexact 1/24.
_PER_DAY = {
    "s": (86400, 1),
    "min": (1440, 1),
    "h": (24, 1),
    "d": (1, 1),
    "wk": (1, 7),
    "mo": (1, 30),
    "a": (1, 365),
}


@dataclass(frozen=True, slots=True)
class DailyDose:
    """How much of the ingredient a day: `unit` is "mg/day", or "mcg/h" for patches."""

    amount: Decimal
    unit: str


#: The most administrations a day a sig may give (hourly), as for stored prescriptions
#: (painpath.monitoring.dosing); a denser sig is a data error, not a regimen.
MAX_DOSES_PER_DAY = 24


class DoseProblem(ValueError):
    """The sig does not say enough to compute a daily dose; the message says what is missing."""


class ImplausibleSig(DoseProblem):
    """The sig names more administrations a day than any prescription could (not computed)."""


def exact(value: float) -> Decimal:
    """A float from JSON as the decimal a person typed (0.1 stays 0.1)."""
    return Decimal(str(value))


def _plausible(per_day: Decimal) -> Decimal:
    if per_day > MAX_DOSES_PER_DAY:
        raise ImplausibleSig(
            f"{per_day:.4g} administrations a day is not a plausible sig "
            f"(at most {MAX_DOSES_PER_DAY}, hourly)"
        )
    return per_day


def doses_per_day(line: DosageLine) -> Decimal:
    """Administrations per day: frequencyMax (else frequency) per the shortest period, else the
    number of times of day, else once. More than MAX_DOSES_PER_DAY raises DoseProblem: the
    medicine is reported as not computable rather than given an absurd MME."""
    if line.doses_per_day is not None:
        return _plausible(exact(line.doses_per_day))
    if line.frequency is not None or line.frequency_max is not None or line.period is not None:
        count = line.frequency_max or line.frequency or 1
        per_day, days = _PER_DAY[line.period_unit]
        return _plausible(Decimal(count * per_day) / (exact(line.period or 1) * days))
    if line.times_of_day:
        return _plausible(Decimal(line.times_of_day))
    return Decimal(1)


def _line_dose(line: DosageLine, number: int) -> Decimal:
    value = line.dose_high if line.dose_high is not None else line.dose
    if value is None:
        raise DoseProblem(f"dosage line {number} has no dose")
    return exact(value)


def _mg_per_dose(medication: Medication, line: DosageLine, number: int) -> Decimal:
    amount = _line_dose(line, number)
    if line.dose_unit is DoseUnit.mg:
        return amount
    if line.dose_unit is DoseUnit.mcg:
        return amount / 1000
    if line.dose_unit is DoseUnit.ml:
        if medication.strength_mg_per_ml is None:
            raise DoseProblem(f"dosage line {number} is in mL but strength_mg_per_ml is missing")
        return amount * exact(medication.strength_mg_per_ml)
    if line.dose_unit is DoseUnit.unit:
        if medication.strength_mg_per_unit is None:
            raise DoseProblem(
                f"dosage line {number} counts units but strength_mg_per_unit is missing"
            )
        return amount * exact(medication.strength_mg_per_unit)
    raise DoseProblem(f"dosage line {number} is in patches but the route is not transdermal")


def _most_aggressive(per_line: list[tuple[int | None, Decimal]]) -> Decimal:
    """Lines of one sequence are summed; of several sequences (a taper) the highest counts."""
    groups: defaultdict[int | None, Decimal] = defaultdict(Decimal)
    for sequence, amount in per_line:
        groups[sequence] += amount
    return max(groups.values())


def _patch_rate(medication: Medication) -> DailyDose:
    if medication.patch_mcg_per_h is None:
        raise DoseProblem("patch strength (patch_mcg_per_h) is missing")
    rate = exact(medication.patch_mcg_per_h)
    if not medication.dosage:
        return DailyDose(rate, "mcg/h")
    worn: list[tuple[int | None, Decimal]] = []
    for number, line in enumerate(medication.dosage, start=1):
        if line.dose_unit not in (DoseUnit.patch, DoseUnit.unit):
            raise DoseProblem(f"dosage line {number} of a patch is not a number of patches")
        worn.append((line.sequence, _line_dose(line, number)))
    return DailyDose(_most_aggressive(worn) * rate, "mcg/h")


def daily_dose(medication: Medication) -> DailyDose:
    """The most aggressive daily dose the sig allows; raises `DoseProblem` when it cannot say."""
    if medication.effective_route is Route.transdermal:
        return _patch_rate(medication)
    if medication.dosage is None:
        if medication.mg_per_dose is None or medication.doses_per_day is None:
            raise DoseProblem("missing dose: give mg_per_dose and doses_per_day (or dosage)")
        per_day = _plausible(exact(medication.doses_per_day))
        return DailyDose(exact(medication.mg_per_dose) * per_day, "mg/day")
    if not medication.dosage:
        raise DoseProblem("dosage has no lines")
    per_line = [
        (line.sequence, _mg_per_dose(medication, line, number) * doses_per_day(line))
        for number, line in enumerate(medication.dosage, start=1)
    ]
    return DailyDose(_most_aggressive(per_line), "mg/day")
