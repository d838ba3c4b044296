"""Small FHIR R4 resources and signed CDS client JWTs for the CDS Hooks tests."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ISSUER = "https://ehr.example/cds-client"
EHR_PATIENT = "ehr-pt-1"
MRN = "CDS-MRN-1"
MRN_SYSTEM = "urn:painpath:mrn"
FHIR = "https://ehr.example/fhir"
#: FHIR servers the test EHR is registered with: its own, and the one the opioid-cds-r4
#: reference requests name.
FHIR_SERVERS = (FHIR, "http://localhost:8080/fhir")


class Signer:
    """An RSA key pair playing the EHR: it signs JWTs and publishes its JWKS."""

    def __init__(self, kid: str = "ehr-key-1") -> None:
        self.kid = kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        public.update({"kid": self.kid, "alg": "RS384", "use": "sig"})
        return {"keys": [public]}

    def token(self, audience: str, *, issuer: str = ISSUER, **changes: Any) -> str:
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "exp": int(time.time()) + 300,
            "iat": int(time.time()),
            "jti": str(uuid.uuid4()),
            "sub": "ehr-client",
        }
        claims.update(changes)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.key, algorithm="RS384", headers={"kid": self.kid})


def patient(*, mrn: str | None = MRN, birth_date: str = "1970-01-01") -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": EHR_PATIENT,
        "birthDate": birth_date,
        "gender": "female",
    }
    if mrn:
        resource["identifier"] = [{"system": MRN_SYSTEM, "value": mrn}]
    return resource


def medication_request(
    rid: str,
    code: str,
    display: str,
    *,
    per_day: int,
    status: str = "active",
    authored: str = "2026-11-01",
    days: int = 30,
) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "subject": {"reference": f"Patient/{EHR_PATIENT}"},
        "authoredOn": authored,
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
            "coding": [{"system": RXNORM, "code": code, "display": display}]
        },
        "dosageInstruction": [
            {
                "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
            }
        ],
        "dispenseRequest": {
            "expectedSupplyDuration": {
                "value": days,
                "unit": "days",
                "system": "http://unitsofmeasure.org",
                "code": "d",
            }
        },
    }


def morphine_er() -> dict[str, Any]:
    """30 mg ER once a day: 30 MME/day on its own."""
    return medication_request(
        "mr-morphine", "891888", "morphine sulfate 30 MG Extended Release Oral Tablet", per_day=1
    )


def alprazolam() -> dict[str, Any]:
    return medication_request("mr-alprazolam", "197321", "alprazolam 1 MG Oral Tablet", per_day=1)


def oxycodone_draft() -> dict[str, Any]:
    return medication_request(
        "draft-oxy",
        "1049621",
        "oxycodone hydrochloride 5 MG Oral Tablet",
        per_day=4,
        status="draft",
        authored="2026-11-25",
    )


def codeine_draft() -> dict[str, Any]:
    return medication_request(
        "draft-codeine",
        "997287",
        "codeine sulfate 30 MG Oral Tablet",
        per_day=4,
        status="draft",
        authored="2026-11-25",
        days=5,
    )


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }


def hook_request(
    hook: str,
    *,
    drafts: list[dict[str, Any]] | None = None,
    prefetch: dict[str, Any] | None = None,
    fhir_server: str | None = None,
) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/p1", "patientId": EHR_PATIENT}
    if drafts is not None:
        context["draftOrders"] = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": d} for d in drafts],
        }
    body: dict[str, Any] = {
        "hook": hook,
        "hookInstance": str(uuid.uuid4()),
        "context": context,
        "prefetch": prefetch,
        "someFutureField": {"ignored": True},
    }
    if fhir_server:
        body["fhirServer"] = fhir_server
        body["fhirAuthorization"] = {
            "access_token": "ehr-access-token",
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "painpath",
        }
    return body


def full_prefetch(*medications: dict[str, Any]) -> dict[str, Any]:
    empty = bundle()
    return {
        "patient": patient(),
        "medicationRequests": bundle(*medications),
        "medicationDispenses": empty,
        "conditions": empty,
        "encounters": empty,
        "procedures": empty,
        "observations": empty,
    }
