"""Stored prescriptions as the opioid engine's input, and the engine's answer.

Only the *mapping* lives here (a stored `MedicationRequest` row → `painpath.opioids.Medication`,
the stored record → `painpath.opioids.Patient`); daily doses, MME, conversion factors and the
CDC 2022 rules are all the engine's (`painpath.opioids.assess`). A sig the mapping cannot read
(an unknown drug, a dose in tablets of an ingredient-level code) goes in without a dose, and the
engine reports it as not computable rather than a number being guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError

from painpath.fhir.valuesets import value_set
from painpath.models.condition import Condition
from painpath.models.medication import MedicationRequest, MedicationRequestStatus
from painpath.models.patient import Patient as PatientRow
from painpath.opioids import Assessment, AssessmentInput, DosageLine, Medication, Patient, assess
from painpath.opioids.inputs import DoseUnit
from painpath.terminology import lookup_rxnorm
from painpath.terminology.formulary import Strength

#: Micrograms per hour, as a patch's dose is stored (e.g. fentanyl 25 ug/h).
PATCH_UNITS = frozenset({"ug/h", "mcg/h", "µg/h", "ug/hr", "mcg/hr"})
#: Dose units the engine reads directly (`DosageLine.dose_unit`).
MASS_UNITS = {"mg": DoseUnit.mg, "mcg": DoseUnit.mcg, "ug": DoseUnit.mcg, "ml": DoseUnit.ml}
COUNT_UNITS = frozenset({"tablet", "tablets", "capsule", "capsules", "tab", "cap", "{tbl}"})
#: A stored days' supply beyond this is not believed (and not passed to the engine).
MAX_DAYS_SUPPLY = 3650
#: Rescue medicines for opioid overdose (ingredients), CDC 2022 Recommendation 8.
NALOXONE_INGREDIENTS = frozenset({"naloxone", "nalmefene"})
#: Statuses of a request that was ever taken (for MME over time); drafts and errors never were.
TAKEN_STATUSES = frozenset(
    {
        MedicationRequestStatus.active,
        MedicationRequestStatus.completed,
        MedicationRequestStatus.stopped,
        MedicationRequestStatus.on_hold,
    }
)


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """What the record says about the patient, beyond the medicines, for the opioid rules."""

    age: int | None
    sex: str | None
    opioid_use_disorder: bool
    substance_misuse_history: bool
    sickle_cell: bool
    last_udt_date: date | None
    last_pdmp_review_date: date | None


def medication_input(row: MedicationRequest) -> Medication:
    """One stored prescription as the engine reads it (its id is the request's id)."""
    drug = lookup_rxnorm(row.rxnorm_code)
    unit = row.dose_unit.strip().lower()
    common = {
        "id": str(row.id),
        "name": row.display[:200],
        "prn": row.as_needed,
        "days_supply": float(row.days_supply)
        if row.days_supply is not None and 0 <= row.days_supply <= MAX_DAYS_SUPPLY
        else None,
    }
    if drug is None:
        return Medication(
            ingredient=row.display[:200] or row.rxnorm_code or "uncoded medicine",
            drug_class="other",
            **common,
        )
    fields: dict[str, object] = {
        "ingredient": drug.ingredient,
        "drug_class": drug.drug_class.value,
        "extended_release": drug.extended_release,
        **common,
    }
    try:
        return Medication.model_validate({**fields, **_dose_fields(row, unit, drug.strength)})
    except ValidationError:
        # A stored dose outside what the engine accepts (zero, absurdly large, a bad timing):
        # no dose, so the engine reports the MME as not computable instead of a number.
        return Medication.model_validate(fields)


def _dose_fields(row: MedicationRequest, unit: str, strength: Strength | None) -> dict[str, object]:
    if unit in PATCH_UNITS:
        return {"patch_mcg_per_h": row.dose_value, "route": "transdermal"}
    fields: dict[str, object] = {}
    dose_unit = MASS_UNITS.get(unit)
    if dose_unit is None and unit in COUNT_UNITS and strength and strength.unit == "MG":
        dose_unit = DoseUnit.unit
        fields["strength_mg_per_unit"] = strength.value
    if dose_unit is None:
        return {}
    fields["dosage"] = (
        DosageLine(
            dose=row.dose_value,
            dose_unit=dose_unit,
            frequency=row.frequency,
            period=row.period,
            period_unit=row.period_unit.value,
            prn=row.as_needed,
        ),
    )
    return fields


def is_naloxone(row: MedicationRequest) -> bool:
    drug = lookup_rxnorm(row.rxnorm_code)
    return drug is not None and drug.ingredient.lower() in NALOXONE_INGREDIENTS


def assessment(
    facts: RecordFacts, rows: Sequence[MedicationRequest], today: date
) -> tuple[Assessment, tuple[Medication, ...]]:
    """The engine's assessment of `rows` (the medicines taken on `today`) for this patient."""
    medications = tuple(medication_input(row) for row in rows)
    patient = Patient(
        age=facts.age,
        sex=facts.sex if facts.sex in ("female", "male") else None,
        opioid_use_disorder=facts.opioid_use_disorder,
        oud_or_sud_history=facts.opioid_use_disorder or facts.substance_misuse_history,
        sickle_cell=facts.sickle_cell,
        active_naloxone_rescue_rx=any(is_naloxone(row) for row in rows),
        last_udt_date=facts.last_udt_date,
        last_pdmp_review_date=facts.last_pdmp_review_date,
    )
    data = AssessmentInput(patient=patient, medications=medications)
    return assess(data, today=today), medications


def age_on(birth: date, today: date) -> int | None:
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return years if 0 <= years <= 130 else None


def record_facts(
    patient: PatientRow,
    conditions: Iterable[Condition],
    *,
    today: date,
    last_udt_date: date | None,
    last_pdmp_review_date: date | None,
) -> RecordFacts:
    def coded(condition: Condition) -> dict[str, object]:
        return {"coding": [{"system": condition.code_system.value, "code": condition.code}]}

    listed = list(conditions)
    oud = value_set("opioid_misuse_disorders")
    misuse = value_set("substance_misuse_conditions")
    return RecordFacts(
        age=age_on(patient.birth_date, today),
        sex=patient.gender.value,
        opioid_use_disorder=any(oud.matches(coded(c)) for c in listed),
        substance_misuse_history=any(misuse.matches(coded(c)) for c in listed),
        sickle_cell=any(value_set("sickle_cell").matches(coded(c)) for c in listed),
        last_udt_date=last_udt_date,
        last_pdmp_review_date=last_pdmp_review_date,
    )
