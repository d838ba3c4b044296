"""The CDS services painpath offers and the discovery document (`GET /cds-services`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PATIENT = "{{context.patientId}}"

#: Prefetch templates shared by every service. A key the EHR leaves out (or sends as null) is
#: fetched from its FHIR server with the same query.
PREFETCH: dict[str, str] = {
    "patient": f"Patient/{PATIENT}",
    # Every status: completed requests count for days on opioids (rec 7) and recent MOUD (rec 12).
    "medicationRequests": f"MedicationRequest?patient={PATIENT}",
    "medicationDispenses": f"MedicationDispense?patient={PATIENT}",
    "conditions": f"Condition?patient={PATIENT}",
    "encounters": f"Encounter?patient={PATIENT}",
    "procedures": f"Procedure?patient={PATIENT}",
    # Pain treatment plans by the ordering clinician (rec 2).
    "carePlans": f"CarePlan?patient={PATIENT}",
    "observations": f"Observation?patient={PATIENT}&category=laboratory",
}
#: Without these the advice would be wrong, not merely incomplete: 412 when they cannot be had.
REQUIRED_PREFETCH = ("patient", "medicationRequests")


@dataclass(frozen=True, slots=True)
class CdsService:
    id: str
    hook: str
    title: str
    description: str
    prefetch: dict[str, str] = field(default_factory=lambda: dict(PREFETCH))

    @property
    def orders(self) -> bool:
        """Whether the hook carries draft orders (order-select, order-sign)."""
        return self.hook in ("order-select", "order-sign")

    def as_json(self) -> dict[str, Any]:
        return {
            "hook": self.hook,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "prefetch": dict(self.prefetch),
            "usageRequirements": (
                "Send a new JWT (unique jti) signed with a key from your registered JWKS, for"
                " this service's URL under painpath's public address. Missing prefetch is read"
                " only from a FHIR server registered for your issuer. Pharmacogenomic advice"
                " needs the Patient's identifier in the MRN system registered for your issuer."
            ),
        }


SERVICES: dict[str, CdsService] = {
    service.id: service
    for service in (
        CdsService(
            id="painpath-patient-view",
            hook="patient-view",
            title="Pain management summary (painpath)",
            description=(
                "Morphine milligram equivalents, active opioids and benzodiazepines, guideline"
                " exclusions and pharmacogenomic phenotypes for the patient in view."
            ),
        ),
        CdsService(
            id="painpath-order-select",
            hook="order-select",
            title="Opioid safety and pharmacogenomics (painpath)",
            description=(
                "CDC 2022 opioid recommendations for the selected draft order, and CPIC advice"
                " for the drug being ordered from the patient's stored genotypes."
            ),
        ),
        CdsService(
            id="painpath-order-sign",
            hook="order-sign",
            title="Opioid safety and pharmacogenomics at signing (painpath)",
            description=(
                "CDC 2022 opioid recommendations (MME, naloxone, benzodiazepines, UDT, PDMP)"
                " for the orders being signed, and CPIC advice for the drugs being ordered."
            ),
        ),
    )
}


def discovery() -> dict[str, Any]:
    """The document `GET /cds-services` answers with."""
    return {"services": [service.as_json() for service in SERVICES.values()]}
