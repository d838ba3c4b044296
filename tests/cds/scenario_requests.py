"""Test-only: turn a recovered opioid-cds-r4 request into what an EHR would send painpath.

The reference requests carry the reference service's prefetch (`item1` … `itemN`, some null).
painpath advertises its own prefetch keys (painpath.cds.services.PREFETCH), so an EHR holding
the request's resources fills painpath's keys: each resource goes under the key whose template
asks for its type. A key with no resource of its type is left out, so painpath fetches it from
the EHR's FHIR server, which `FakeFhirServer` plays with the request's own resources.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from painpath.cds.prefetch import flatten
from painpath.cds.services import PREFETCH

#: painpath's prefetch key for each resource type its templates ask for (`Type?…`, `Type/…`).
KEY_FOR_TYPE: dict[str, str] = {
    re.split(r"[/?]", template, maxsplit=1)[0]: key for key, template in PREFETCH.items()
}


def _resources(value: Any) -> list[dict[str, Any]]:
    """painpath's `flatten`, plus a bare Bundle entry (`{"resource": …}`), which one reference
    request (REC03PatientView `long-acting-opioid`, its only MedicationRequest) holds as a
    prefetch value: the EHR holds that resource, so it fills painpath's template with it."""
    if isinstance(value, dict) and "resourceType" not in value:
        value = value.get("resource")
    return flatten(value)


def searchset(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"resource": resource} for resource in resources],
    }


@dataclass
class EhrView:
    """The request as painpath would receive it, and what the fake FHIR server holds."""

    body: dict[str, Any]
    resources: dict[str, list[dict[str, Any]]]
    #: Resource types in the request that none of painpath's templates asks for.
    unrequested: set[str] = field(default_factory=set)


def ehr_view(request: dict[str, Any]) -> EhrView:
    """Re-key the request's prefetch resources under painpath's prefetch keys."""
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for value in (request.get("prefetch") or {}).values():
        for resource in _resources(value):
            by_type[resource["resourceType"]].append(resource)
    prefetch: dict[str, Any] = {}
    for resource_type, found in by_type.items():
        key = KEY_FOR_TYPE.get(resource_type)
        if key == "patient":
            prefetch[key] = found[0]
        elif key is not None:
            prefetch[key] = searchset(found)
    body = {key: value for key, value in request.items() if key != "prefetch"}
    body["prefetch"] = prefetch
    return EhrView(body, dict(by_type), set(by_type) - set(KEY_FOR_TYPE))


class FakeFhirServer:
    """Answers painpath's prefetch queries from the request's resources.

    `Patient/{id}` is answered with the request's Patient, or, when the request has none (its
    Patient key was null), with a bare Patient carrying only the context's id: an EHR always
    holds the patient in context, and nothing is invented about them. A search answers every
    resource of its type (no status filter, as the engine-level suite gives the engine all of
    them)."""

    def __init__(self, view: EhrView, patient_id: str) -> None:
        self.view = view
        self.patient_id = patient_id
        self.queries: list[str] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.queries.append(str(request.url))
        segments = request.url.path.rstrip("/").split("/")
        if len(segments) >= 2 and segments[-2] == "Patient":
            patients = self.view.resources.get("Patient") or [
                {"resourceType": "Patient", "id": segments[-1]}
            ]
            return httpx.Response(200, json=patients[0])
        return httpx.Response(200, json=searchset(self.view.resources.get(segments[-1], [])))
