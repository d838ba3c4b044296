"""A completed (or planned, or cancelled) video visit as FHIR R4 Encounter, and its SOAP note as
a DocumentReference pointing at the Encounter, both validated by fhir.resources (R4B models,
which R4 JSON satisfies for these elements).

Codes: Encounter.class VR "virtual" (HL7 v3 ActCode, FHIR R4 encounter class value set);
DocumentReference.type LOINC 11506-3 "Progress note"; the note is plain text in four labelled
SOAP sections.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
LOINC = "http://loinc.org"
STATUS = {"booked": "planned", "completed": "finished", "cancelled": "cancelled"}


@dataclass(frozen=True, slots=True)
class VisitRecord:
    visit_id: int
    patient_id: int
    clinician_id: int
    clinician_name: str
    status: str  # booked, completed or cancelled
    starts_at: datetime
    ends_at: datetime
    minutes: int | None
    reason: str | None
    subjective: str | None
    objective: str | None
    assessment: str | None
    plan: str | None
    note_at: datetime | None


def soap_text(record: VisitRecord) -> str:
    sections = (
        ("Subjective", record.subjective),
        ("Objective", record.objective),
        ("Assessment", record.assessment),
        ("Plan", record.plan),
    )
    return "\n\n".join(f"{title}:\n{text or ''}".rstrip() for title, text in sections) + "\n"


def encounter(record: VisitRecord) -> dict[str, Any]:
    from fhir.resources.R4B.encounter import Encounter

    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": f"visit-{record.visit_id}",
        "status": STATUS[record.status],
        "class": {"system": ACT_CODE, "code": "VR", "display": "virtual"},
        "subject": {"reference": f"Patient/{record.patient_id}"},
        "participant": [
            {
                "individual": {
                    "reference": f"Practitioner/{record.clinician_id}",
                    "display": record.clinician_name,
                }
            }
        ],
        "period": {"start": record.starts_at.isoformat(), "end": record.ends_at.isoformat()},
    }
    if record.minutes is not None:
        resource["length"] = {
            "value": record.minutes,
            "unit": "min",
            "system": "http://unitsofmeasure.org",
            "code": "min",
        }
    if record.reason:
        resource["reasonCode"] = [{"text": record.reason}]
    Encounter.model_validate(resource)
    return resource


def note_reference(record: VisitRecord) -> dict[str, Any]:
    from fhir.resources.R4B.documentreference import DocumentReference

    data = base64.b64encode(soap_text(record).encode()).decode()
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": f"visit-{record.visit_id}-note",
        "status": "current",
        "docStatus": "final" if record.status == "completed" else "preliminary",
        "type": {"coding": [{"system": LOINC, "code": "11506-3", "display": "Progress note"}]},
        "subject": {"reference": f"Patient/{record.patient_id}"},
        "author": [
            {
                "reference": f"Practitioner/{record.clinician_id}",
                "display": record.clinician_name,
            }
        ],
        "description": "Video visit SOAP note",
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": data,
                    "title": "SOAP note",
                }
            }
        ],
        "context": {"encounter": [{"reference": f"Encounter/visit-{record.visit_id}"}]},
    }
    if record.note_at is not None:
        resource["date"] = record.note_at.isoformat()
    DocumentReference.model_validate(resource)
    return resource


def _uuid(resource: dict[str, Any]) -> uuid.UUID:
    """Stable per resource, so the same visit exports with the same fullUrl every time."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"painpath:{resource['resourceType']}/{resource['id']}")


def visit_bundle(record: VisitRecord) -> dict[str, Any]:
    """A collection Bundle: the Encounter and, when a note was written, its DocumentReference."""
    from fhir.resources.R4B.bundle import Bundle

    entries = [encounter(record)]
    if any((record.subjective, record.objective, record.assessment, record.plan)):
        entries.append(note_reference(record))
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{_uuid(r)}", "resource": r} for r in entries],
    }
    Bundle.model_validate(bundle)
    return bundle
