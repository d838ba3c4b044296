"""Test-only: the opioid-mme-r4 MedicationRequests as painpath's structured dosage input.

This is not the FHIR mapper (a later session builds that on the formulary); it reads just the
shapes these four test bundles use: an RxNorm code, dosageInstruction with doseQuantity or
doseRange, timing.repeat frequency/period or timeOfDay, and asNeeded.
"""

from __future__ import annotations

from typing import Any

from painpath.opioids import Medication
from painpath.terminology.formulary import lookup_rxnorm

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
_UNITS = {"mg": "mg", "mcg": "mcg", "ug": "mcg", "mL": "mL", "ml": "mL", "{patch}": "patch"}


def _dose_line(dosage: dict[str, Any]) -> dict[str, Any]:
    repeat = dosage.get("timing", {}).get("repeat", {})
    (dose_and_rate,) = dosage.get("doseAndRate", [{}])
    quantity = dose_and_rate.get("doseQuantity") or dose_and_rate.get("doseRange", {}).get("high")
    line: dict[str, Any] = {"prn": bool(dosage.get("asNeededBoolean"))}
    if quantity:
        line["dose"] = quantity["value"]
        line["dose_unit"] = _UNITS.get(quantity.get("code", ""), "unit")
    for fhir, ours in (("frequency", "frequency"), ("frequencyMax", "frequency_max")):
        if fhir in repeat:
            line[ours] = repeat[fhir]
    for fhir, ours in (("period", "period"), ("periodMax", "period_max")):
        if fhir in repeat:
            line[ours] = repeat[fhir]
    if "periodUnit" in repeat:
        line["period_unit"] = repeat["periodUnit"]
    line["times_of_day"] = len(repeat.get("timeOfDay", []))
    if "sequence" in dosage:
        line["sequence"] = dosage["sequence"]
    return line


def medication_from_request(request: dict[str, Any]) -> Medication:
    """A MedicationRequest (RxNorm-coded) as an opioid-engine `Medication`."""
    codes = [
        c["code"]
        for c in request["medicationCodeableConcept"]["coding"]
        if c.get("system") == RXNORM
    ]
    drug = next(d for d in map(lookup_rxnorm, codes) if d is not None)
    fields: dict[str, Any] = {
        "id": request["id"],
        "ingredient": drug.ingredient,
        "drug_class": drug.drug_class.value,
        "name": drug.display,
        "extended_release": drug.extended_release,
        "dosage": [_dose_line(d) for d in request["dosageInstruction"]],
    }
    if drug.strength is not None:
        unit = drug.strength.unit
        if unit == "MCG/HR":
            fields["route"] = "transdermal"
            fields["patch_mcg_per_h"] = drug.strength.value
        elif unit == "MG/ML":
            fields["strength_mg_per_ml"] = drug.strength.value
        elif unit == "MG":
            fields["strength_mg_per_unit"] = drug.strength.value
    return Medication.model_validate(fields)
