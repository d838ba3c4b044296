"""A realistic CDS Hooks order-sign call for the load benchmark: an EHR patient with about 40
MedicationRequests (opioids, benzodiazepines, gabapentinoids, antidepressants and the rest of a
chronic-pain list), conditions and observations, an oxycodone draft order, and a fresh RS384
client JWT per request — about 50 KB of JSON, as the outside measurement in issue 15 used.

Synthetic only: the patient's MRN is a painpath demo MRN (so painpath matches a seeded patient
and reads their genotypes), every other value is made up.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from painpath.terminology.formulary import TermType, drugs_in_class

ISSUER = "https://ehr.bench.example/cds-client"
MRN_SYSTEM = "urn:bench:painpath-mrn"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
EHR_PATIENT = "bench-pt-1"
#: How many clinical drugs of each class the medication list takes (about 40 in all).
MEDICATION_MIX = {
    "opioid": 8,
    "benzodiazepine": 4,
    "gabapentinoid": 4,
    "ssri": 4,
    "snri": 4,
    "nsaid": 6,
    "tricyclic": 3,
    "muscle_relaxant": 4,
    "triptan": 3,
}
CONDITIONS = [
    ("279039007", "Low back pain"),
    ("203082005", "Fibromyalgia"),
    ("35489007", "Depressive disorder"),
    ("197480006", "Anxiety disorder"),
    ("396275006", "Osteoarthritis"),
    ("230572002", "Diabetic neuropathy"),
    ("37796009", "Migraine"),
    ("13645005", "Chronic obstructive lung disease"),
    ("38341003", "Hypertensive disorder"),
    ("44054006", "Diabetes mellitus type 2"),
    ("73430006", "Sleep apnea"),
    ("267036007", "Dyspnea"),
]
OBSERVATIONS = [
    ("44261-6", "PHQ-9 total score", 12),
    ("70274-6", "GAD-7 total score", 9),
    ("72514-3", "Pain severity 0-10", 7),
    ("4548-4", "Hemoglobin A1c", 7.1),
    ("33914-3", "eGFR", 64),
    ("1742-6", "ALT", 31),
]


class Signer:
    """The bench EHR's RSA key: signs one client JWT per request, publishes its JWKS."""

    def __init__(self, kid: str = "bench-key-1") -> None:
        self.kid = kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        public.update({"kid": self.kid, "alg": "RS384", "use": "sig"})
        return {"keys": [public]}

    def token(self, audience: str) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": audience,
            "exp": now + 600,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "sub": "bench-ehr",
        }
        return jwt.encode(claims, self.key, algorithm="RS384", headers={"kid": self.kid})


def issuer_setting(signer: Signer) -> str:
    """PAINPATH_CDS_ALLOWED_ISSUERS for the bench EHR (inline JWKS, the MRN system)."""
    entry = {"jwks": json.dumps(signer.jwks()), "patient_identifier_system": MRN_SYSTEM}
    return json.dumps({ISSUER: entry})


def _medication_request(index: int, code: str, display: str, per_day: int) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": f"mr-{index}",
        "status": "active",
        "intent": "order",
        "subject": {"reference": f"Patient/{EHR_PATIENT}"},
        "authoredOn": "2026-11-01",
        "requester": {"reference": f"Practitioner/prescriber-{index % 5}"},
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/medicationrequest-category",
                        "code": "community",
                    }
                ]
            }
        ],
        "medicationCodeableConcept": {
            "coding": [{"system": RXNORM, "code": code, "display": display}],
            "text": display,
        },
        "dosageInstruction": [
            {
                "text": f"Take 1 tablet by mouth {per_day} times daily",
                "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
                "route": {"coding": [{"system": SNOMED, "code": "26643006", "display": "Oral"}]},
                "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
            }
        ],
        "dispenseRequest": {
            "numberOfRepeatsAllowed": 0,
            "quantity": {"value": per_day * 30, "unit": "tablet"},
            "expectedSupplyDuration": {
                "value": 30,
                "unit": "days",
                "system": "http://unitsofmeasure.org",
                "code": "d",
            },
        },
    }


def _medications() -> list[dict[str, Any]]:
    """About 40 requests: per class, its clinical drugs in turn (a class with fewer drugs than
    its count repeats them, as a list with refills and past orders does)."""
    resources: list[dict[str, Any]] = []
    for drug_class, count in MEDICATION_MIX.items():
        found = drugs_in_class(drug_class)
        # Clinical drugs where painpath's formulary has them, else the ingredient concepts.
        drugs = [d for d in found if d.term_type is TermType.SCD] or list(found)
        for turn in range(count if drugs else 0):
            drug = drugs[turn % len(drugs)]
            index = len(resources)
            per_day = 1 if drug.extended_release else 2
            resources.append(_medication_request(index, drug.rxnorm_code, drug.display, per_day))
    return resources


def _condition(index: int, code: str, display: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"cond-{index}",
        "subject": {"reference": f"Patient/{EHR_PATIENT}"},
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "problem-list-item",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
        "onsetDateTime": "2024-03-01",
    }


def _observation(index: int, code: str, display: str, value: float) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"obs-{index}",
        "status": "final",
        "subject": {"reference": f"Patient/{EHR_PATIENT}"},
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
        "effectiveDateTime": f"2026-{(index % 11) + 1:02d}-15",
        "valueQuantity": {"value": value, "unit": "1"},
    }


def _bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {"fullUrl": f"urn:bench:{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }


@dataclass(frozen=True)
class OrderSign:
    """The body (bytes, the same for every request) and the URL path to post it to."""

    body: bytes
    path: str = "/cds-services/painpath-order-sign"


def order_sign(mrn: str) -> OrderSign:
    """The order-sign request for the painpath patient with `mrn`."""
    patient = {
        "resourceType": "Patient",
        "id": EHR_PATIENT,
        "birthDate": "1962-04-18",
        "gender": "female",
        "identifier": [{"system": MRN_SYSTEM, "value": mrn}],
        "name": [{"family": "Bench", "given": ["Synthetic"]}],
    }
    medications = _medications()
    conditions = [_condition(i, code, name) for i, (code, name) in enumerate(CONDITIONS)]
    observations = [
        _observation(i * len(OBSERVATIONS) + j, code, name, value)
        for i in range(5)
        for j, (code, name, value) in enumerate(OBSERVATIONS)
    ]
    oxycodone = next(
        d
        for d in drugs_in_class("opioid")
        if d.term_type is TermType.SCD and d.ingredient == "oxycodone" and not d.extended_release
    )
    draft = _medication_request(999, oxycodone.rxnorm_code, oxycodone.display, 4)
    draft.update({"id": "draft-oxycodone", "status": "draft"})
    empty = _bundle([])
    body = {
        "hook": "order-sign",
        "hookInstance": str(uuid.uuid4()),
        "context": {
            "userId": "Practitioner/prescriber-0",
            "patientId": EHR_PATIENT,
            "draftOrders": {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": draft}],
            },
        },
        "prefetch": {
            "patient": patient,
            "medicationRequests": _bundle(medications),
            "medicationDispenses": empty,
            "conditions": _bundle(conditions),
            "encounters": empty,
            "procedures": empty,
            "observations": _bundle(observations),
        },
    }
    return OrderSign(json.dumps(body).encode())
