"""Tiny FHIR R4 resource builders for the mapper tests."""

from __future__ import annotations

from typing import Any

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
OXYCODONE_5_MG_TABLET = "1049621"
FENTANYL_75_PATCH = "197696"
ALPRAZOLAM_0_5_MG = "308048"


def concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def sig(**repeat: Any) -> dict[str, Any]:
    return {"timing": {"repeat": repeat}}


def request(
    code: str = OXYCODONE_5_MG_TABLET,
    *,
    dose: dict[str, Any] | None = None,
    repeat: dict[str, Any] | None = None,
    authored: str = "2023-05-01",
    supply_days: float | None = 30,
    category: str = "community",
    status: str = "active",
    rid: str = "rx",
) -> dict[str, Any]:
    dosage: dict[str, Any] = sig(**(repeat or {"frequency": 4, "period": 1, "periodUnit": "d"}))
    dosage["doseAndRate"] = [
        {"doseQuantity": dose or {"value": 1, "unit": "tablet", "code": "{tbl}"}}
    ]
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "category": [
            concept("http://terminology.hl7.org/CodeSystem/medicationrequest-category", category)
        ],
        "medicationCodeableConcept": concept(RXNORM, code),
        "authoredOn": authored,
        "dosageInstruction": [dosage],
    }
    if supply_days is not None:
        resource["dispenseRequest"] = {
            "expectedSupplyDuration": {"value": supply_days, "unit": "days", "code": "d"}
        }
    return resource


def patient(birth_date: str = "1970-06-15") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p", "birthDate": birth_date, "gender": "female"}


def condition(
    system: str,
    code: str,
    *,
    category: str = "problem-list-item",
    status: str = "active",
    encounter: str | None = None,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "clinicalStatus": concept(
            "http://terminology.hl7.org/CodeSystem/condition-clinical", status
        ),
        "category": [concept("http://terminology.hl7.org/CodeSystem/condition-category", category)],
        "code": concept(system, code),
    }
    if encounter:
        resource["encounter"] = {"reference": f"Encounter/{encounter}"}
    return resource
