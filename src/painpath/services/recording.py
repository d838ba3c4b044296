"""Who recorded a clinical row, and what a patient's own entry may claim to be.

A patient can add observations to their own record (pain scores, home readings, answers).
They cannot produce a laboratory result: an entry with a laboratory category, or with a
urine drug screen code in any category, is stored as patient-reported — category "survey"
(FHIR's category for what the patient reports), and "preliminary" where it claimed to be
"final" or "amended" — so no reader, rule or person takes it for a lab's result. Every row
names its recorder and the recorder's role (`recorded_by`).
"""

from __future__ import annotations

from typing import Any

from painpath.auth.actor import Actor
from painpath.fhir.valuesets import is_uds_test, uds_substance
from painpath.models.enums import Role
from painpath.models.observation import ObservationStatus

LOINC = "http://loinc.org"
PATIENT_REPORTED_CATEGORY = "survey"
#: FHIR observation categories that only a lab or a clinician can assert.
STAFF_ONLY_CATEGORIES = frozenset({"laboratory", "imaging", "procedure", "exam"})
_UNVERIFIED = {
    ObservationStatus.final: ObservationStatus.preliminary,
    ObservationStatus.amended: ObservationStatus.preliminary,
}


def recorder(actor: Actor) -> dict[str, Any]:
    """The `recorder_id` and `recorder_role` columns for a row `actor` enters."""
    return {"recorder_id": actor.user_id, "recorder_role": actor.role.value}


def is_lab_test_code(loinc_code: str) -> bool:
    concept = {"coding": [{"system": LOINC, "code": loinc_code}]}
    return is_uds_test(concept) or uds_substance(concept) is not None


def observation_fields(actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
    """The columns of an observation `actor` enters: a patient's entry is patient-reported."""
    stamped = fields | recorder(actor)
    if actor.role is not Role.patient:
        return stamped
    if stamped["category"] in STAFF_ONLY_CATEGORIES or is_lab_test_code(stamped["loinc_code"]):
        stamped["category"] = PATIENT_REPORTED_CATEGORY
        status = ObservationStatus(stamped["status"])
        stamped["status"] = _UNVERIFIED.get(status, status)
    return stamped
