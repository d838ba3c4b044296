"""MedicationRequest, MedicationStatement and MedicationDispense → opioid-engine `Medication`.

The RxNorm code is looked up in painpath's formulary (ingredient, class, strength, release,
and the route its dose form implies); each `dosageInstruction` (or `dosage`) becomes a
`DosageLine`; an opioid-use-disorder reason on the order becomes its `indication`. What cannot
be read is never turned into a number: the medication goes to the engine without a dose, which
reports it as "cannot compute", and the reason is returned as a note.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from painpath.fhir.dosage import dosage_line
from painpath.fhir.resources import (
    JSON_OBJECT,
    RXNORM,
    Resource,
    codings,
    duration_days,
    first_date,
    items,
    parse_date,
    reference_id,
)
from painpath.fhir.valuesets import value_set
from painpath.opioids import DosageLine, Medication
from painpath.terminology.formulary import Drug, lookup_rxnorm

MEDICATION_TYPES = frozenset({"MedicationRequest", "MedicationStatement", "MedicationDispense"})


@dataclass(frozen=True, slots=True)
class MappedMedication:
    """One medication resource as the engine sees it, with the facts the mapper needs too."""

    medication: Medication
    resource_type: str
    status: str | None
    started: date | None  # authoredOn / effective / whenHandedOver
    days_supply: float | None
    inpatient: bool
    notes: tuple[str, ...]


def _label(resource: Resource) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id', '?')}"


def concept_of(resource: Resource, medications: Mapping[str, Resource]) -> Any:
    """The medication CodeableConcept, following `medicationReference` to a contained or
    supplied Medication resource; None when the reference cannot be resolved."""
    concept = resource.get("medicationCodeableConcept")
    if concept is not None:
        return concept
    ref = reference_id(resource.get("medicationReference"))
    if ref is None:
        return None
    for contained in items(resource, "contained"):
        if contained.get("resourceType") == "Medication" and contained.get("id") == ref:
            return contained.get("code")
    found = medications.get(ref)
    return found.get("code") if found is not None else None


def drug_of(concept: Any) -> tuple[Drug | None, list[str]]:
    """The formulary drug for the first known RxNorm code, and every RxNorm code seen."""
    rx = [code for system, code in codings(concept) if system.rstrip("/") == RXNORM or not system]
    for code in rx:
        drug = lookup_rxnorm(code)
        if drug is not None:
            return drug, rx
    return None, rx


def supply_days(resource: Resource) -> float | None:
    """Days supply: expectedSupplyDuration, else the validityPeriod span, else daysSupply."""
    request = resource.get("dispenseRequest")
    if isinstance(request, JSON_OBJECT):
        days = duration_days(request.get("expectedSupplyDuration"))
        if days is not None:
            return days
        period = request.get("validityPeriod")
        if isinstance(period, JSON_OBJECT):
            start, end = parse_date(period.get("start")), parse_date(period.get("end"))
            if start is not None and end is not None and end >= start:
                return float((end - start).days)
    days = duration_days(resource.get("daysSupply"))
    if days is not None:
        return days
    period = resource.get("effectivePeriod")
    if isinstance(period, JSON_OBJECT):
        start, end = parse_date(period.get("start")), parse_date(period.get("end"))
        if start is not None and end is not None and end >= start:
            return float((end - start).days)
    return None


def is_inpatient(resource: Resource) -> bool:
    """Category inpatient (or a dispense/statement flagged so): outside the outpatient rules."""
    return any(code.lower() == "inpatient" for _, code in codings(resource.get("category")))


#: RxNorm dose-form words -> the engine's route (first match wins; anything else stays oral).
_ROUTE_BY_DOSE_FORM = (
    ("transdermal", "transdermal"),
    ("sublingual", "sublingual"),
    ("buccal", "buccal"),
    ("mucosal", "buccal"),
    ("nasal", "nasal"),
    ("rectal", "rectal"),
    ("inject", "parenteral"),
    ("syringe", "parenteral"),
    ("cartridge", "parenteral"),
    ("implant", "parenteral"),
    ("topical", "other"),
)


def route_of(dose_form: str | None) -> str | None:
    """The route an RxNorm dose form implies ("Sublingual Film" -> sublingual), else None."""
    words = (dose_form or "").lower()
    return next((route for key, route in _ROUTE_BY_DOSE_FORM if key in words), None)


def indication_of(resource: Resource, oud_conditions: frozenset[str]) -> str | None:
    """ "opioid_use_disorder" when the order's reasonCode is in the IG's opioid misuse disorders
    value set or its reasonReference is such a Condition (ids in `oud_conditions`)."""
    oud = value_set("opioid_misuse_disorders")
    if any(oud.matches(reason) for reason in items(resource, "reasonCode")):
        return "opioid_use_disorder"
    refs = {reference_id(ref) for ref in items(resource, "reasonReference")}
    return "opioid_use_disorder" if refs & oud_conditions else None


def _dose_fields(drug: Drug, lines: list[DosageLine]) -> dict[str, Any]:
    fields: dict[str, Any] = {"dosage": lines, "route": route_of(drug.dose_form)}
    strength = drug.strength
    if strength is None:
        return fields
    if strength.unit == "MCG/HR":
        fields["route"] = "transdermal"
        fields["patch_mcg_per_h"] = strength.value
    elif strength.unit == "MG/ML":
        fields["strength_mg_per_ml"] = strength.value
    elif strength.unit == "MG":
        fields["strength_mg_per_unit"] = strength.value
    return fields


def _unknown_drug(resource: Resource, concept: Any, rx: list[str]) -> Medication:
    """A medication painpath's formulary does not know. The formulary holds every code of the CDC
    opioid value sets, so an unknown code is not a known opioid: it goes in as `other` (no rule
    counts it) and the caller's note says it was not assessed."""
    name = concept.get("text") if isinstance(concept, JSON_OBJECT) else None
    label = f"RxNorm {rx[0]}" if rx else "uncoded medication"
    return Medication(
        id=str(resource.get("id")) if resource.get("id") else None,
        ingredient=str(name or label),
        drug_class="other",
        name=str(name or label),
    )


def map_medication(
    resource: Resource,
    medications: Mapping[str, Resource],
    oud_conditions: frozenset[str] = frozenset(),
) -> MappedMedication:
    """One medication resource as a `MappedMedication` (see the module docstring);
    `oud_conditions` are the ids of the chart's opioid use disorder Conditions."""
    notes: list[str] = []
    label = _label(resource)
    concept = concept_of(resource, medications)
    drug, rx = drug_of(concept)
    days = supply_days(resource)
    if drug is None:
        if concept is None:
            notes.append(f"{label}: medicationReference could not be resolved; not assessed")
        else:
            notes.append(
                f"{label}: RxNorm code(s) {rx or 'none'} not in the formulary; not assessed"
            )
        medication = _unknown_drug(resource, concept, rx)
    else:
        lines: list[DosageLine] = []
        for dosage in items(resource, "dosageInstruction") + items(resource, "dosage"):
            line, problem = dosage_line(dosage)
            if problem is not None:
                notes.append(f"{label}: {problem}; MME cannot be computed from it")
            if line is not None:
                lines.append(line)
        if not lines:
            notes.append(f"{label}: no usable dosage instruction; MME cannot be computed")
        fields: dict[str, Any] = {
            "id": str(resource["id"]) if resource.get("id") else None,
            "ingredient": drug.ingredient,
            "drug_class": drug.drug_class.value,
            "name": drug.display,
            "extended_release": drug.extended_release,
            "days_supply": days,
            "indication": indication_of(resource, oud_conditions),
            **_dose_fields(drug, lines),
        }
        if fields["dosage"] is not None and not fields["dosage"]:
            fields["dosage"] = None
        medication = Medication.model_validate(fields)
    status = resource.get("status")
    return MappedMedication(
        medication=medication,
        resource_type=str(resource.get("resourceType")),
        status=status if isinstance(status, str) else None,
        started=first_date(
            resource,
            "authoredOn",
            "effectiveDateTime",
            "effectivePeriod",
            "whenHandedOver",
            "dateAsserted",
        ),
        days_supply=days,
        inpatient=is_inpatient(resource),
        notes=tuple(notes),
    )
