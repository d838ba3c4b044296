"""Morphine milligram equivalents per day: per medication, and the total with its completeness.

MME/day = daily dose × the conversion factor of the chosen table (CDC 2022 by default). An
opioid without a factor, or without a computable dose, is reported as "cannot compute" with the
reason and is never counted as 0: the total is then a lower bound (`total_is_complete` false).
Buprenorphine is left out of the total on purpose and says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from painpath.opioids.dosage import DailyDose, DoseProblem, daily_dose
from painpath.opioids.inputs import Medication, Route
from painpath.opioids.knowledge import FactorTable


class MmeStatus(StrEnum):
    computed = "computed"
    excluded = "excluded"  # deliberately not counted (buprenorphine)
    no_conversion_factor = "no_conversion_factor"
    dose_not_computable = "dose_not_computable"


@dataclass(frozen=True, slots=True)
class MedicationMme:
    """One opioid's line of the MME breakdown; `mme_per_day` is None unless computed."""

    index: int  # position in the input's medications
    id: str | None
    ingredient: str
    daily_dose: DailyDose | None
    factor: Decimal | None
    mme_per_day: Decimal | None
    status: MmeStatus
    reason: str | None = None
    notes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "id": self.id,
            "ingredient": self.ingredient,
            "daily_dose": display(self.daily_dose.amount) if self.daily_dose else None,
            "daily_dose_unit": self.daily_dose.unit if self.daily_dose else None,
            "factor": float(self.factor) if self.factor is not None else None,
            "mme_per_day": display(self.mme_per_day),
            "status": self.status.value,
            "reason": self.reason,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class MmeSummary:
    """The per-medication breakdown and the total over the computed lines."""

    per_medication: tuple[MedicationMme, ...]
    table: FactorTable

    @property
    def counted(self) -> tuple[MedicationMme, ...]:
        return tuple(m for m in self.per_medication if m.status is MmeStatus.computed)

    @property
    def uncounted(self) -> tuple[MedicationMme, ...]:
        """Opioids whose MME could not be computed (excluded buprenorphine is not among them)."""
        return tuple(
            m
            for m in self.per_medication
            if m.status in (MmeStatus.no_conversion_factor, MmeStatus.dose_not_computable)
        )

    @property
    def is_complete(self) -> bool:
        return not self.uncounted

    @property
    def total(self) -> Decimal | None:
        """Sum of the computed MME/day: exact when complete, a lower bound otherwise; None when
        nothing could be computed but something should have been (never a silent 0)."""
        counted = self.counted
        if not counted and self.uncounted:
            return None
        return sum((m.mme_per_day for m in counted if m.mme_per_day is not None), Decimal(0))


def display(value: Decimal | None, places: int = 2) -> float | None:
    """A number for people and JSON: rounded only here, at the edge."""
    return None if value is None else float(round(value, places))


def _methadone_factor(table: FactorTable, mg_per_day: Decimal) -> Decimal | None:
    for tier in table.methadone_tiers:
        if tier.up_to_mg_per_day is None or mg_per_day <= tier.up_to_mg_per_day:
            return tier.factor
    return None


def _factor(
    table: FactorTable, medication: Medication, dose: DailyDose
) -> tuple[Decimal | None, str | None]:
    """The factor for this ingredient, route and dose, or None with the reason."""
    ingredient = medication.ingredient_key
    route = medication.effective_route
    if route is Route.transdermal:
        factor = table.transdermal_mcg_per_h.get(ingredient)
        if factor is None:
            return None, f"{table.name.value} has no factor for transdermal {ingredient}"
        return factor, None
    if route is not Route.oral:
        return None, f"{table.name.value} has no factor for {route.value} {ingredient}"
    if ingredient == "methadone" and table.methadone_tiers:
        return _methadone_factor(table, dose.amount), None
    factor = table.oral_mg.get(ingredient)
    if factor is None:
        return None, f"{table.name.value} has no conversion factor for {ingredient}"
    return factor, None


def medication_mme(index: int, medication: Medication, table: FactorTable) -> MedicationMme:
    """MME/day of one opioid under `table`, or why it cannot be computed."""
    ingredient = medication.ingredient_key
    if ingredient in table.excluded:
        return MedicationMme(
            index,
            medication.id,
            ingredient,
            None,
            None,
            None,
            MmeStatus.excluded,
            table.excluded[ingredient],
            ("BUPRENORPHINE_NOT_IN_MME",) if ingredient == "buprenorphine" else (),
        )
    try:
        dose = daily_dose(medication)
    except DoseProblem as problem:
        has_factor = (
            ingredient in table.oral_mg
            or ingredient in table.transdermal_mcg_per_h
            or (ingredient == "methadone" and bool(table.methadone_tiers))
        )
        status = MmeStatus.dose_not_computable if has_factor else MmeStatus.no_conversion_factor
        why = str(problem) if has_factor else f"{table.name.value} has no factor for {ingredient}"
        return MedicationMme(index, medication.id, ingredient, None, None, None, status, why)
    factor, reason = _factor(table, medication, dose)
    if factor is None:
        return MedicationMme(
            index,
            medication.id,
            ingredient,
            dose,
            None,
            None,
            MmeStatus.no_conversion_factor,
            reason,
        )
    notes: list[str] = []
    if ingredient == "methadone" and table.methadone_tiers:
        notes.append(f"{table.name.value} methadone factor {factor} for {dose.amount:f} mg/day")
    return MedicationMme(
        index,
        medication.id,
        ingredient,
        dose,
        factor,
        dose.amount * factor,
        MmeStatus.computed,
        None,
        tuple(notes),
    )


def summarize_mme(medications: Iterable[Medication], table: FactorTable) -> MmeSummary:
    """The MME breakdown of every opioid among `medications` (other classes are skipped)."""
    lines: Sequence[MedicationMme] = [
        medication_mme(index, medication, table)
        for index, medication in enumerate(medications)
        if medication.is_opioid
    ]
    return MmeSummary(tuple(lines), table)
