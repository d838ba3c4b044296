"""Missing prefetch is fetched from the EHR's FHIR server; when it cannot be, 412."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.cds.conftest import Ehr
from tests.cds.fhir_data import FHIR, bundle, hook_request, morphine_er, oxycodone_draft, patient


def test_412_with_an_operation_outcome_when_the_fhir_server_cannot_supply(
    cds_app: FastAPI, ehr: Ehr
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503, json={"resourceType": "OperationOutcome", "issue": []})

    cds_app.state.cds_transport = httpx.MockTransport(handler)
    body = hook_request("order-sign", drafts=[oxycodone_draft()], prefetch=None, fhir_server=FHIR)
    token = ehr.token("painpath-order-sign")
    response = ehr.post("/cds-services/painpath-order-sign", body, token)
    assert response.status_code == 412
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] == "error"
    assert seen
    assert seen[0].headers["Authorization"] == "Bearer ehr-access-token"


def test_412_when_prefetch_is_missing_and_there_is_no_fhir_server(ehr: Ehr) -> None:
    body = hook_request("order-sign", drafts=[oxycodone_draft()], prefetch={"patient": None})
    response = ehr.post("/cds-services/painpath-order-sign", body, ehr.token("painpath-order-sign"))
    assert response.status_code == 412
    assert "no fhirServer" in response.json()["issue"][0]["diagnostics"]


def test_missing_keys_are_queried_and_the_given_ones_are_not(cds_app: FastAPI, ehr: Ehr) -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(
            request.url.path + ("?" + request.url.query.decode() if request.url.query else "")
        )
        if request.url.path.endswith("/MedicationRequest"):
            return httpx.Response(200, json=bundle(morphine_er()))
        return httpx.Response(200, json=bundle())

    cds_app.state.cds_transport = httpx.MockTransport(handler)
    prefetch = {"patient": patient(mrn=None), "medicationRequests": None}
    body = hook_request(
        "order-sign", drafts=[oxycodone_draft()], prefetch=prefetch, fhir_server=FHIR
    )
    cards = ehr.call("painpath-order-sign", body)
    assert not any(p.startswith("/fhir/Patient") for p in paths)
    assert "/fhir/MedicationRequest?patient=ehr-pt-1" in paths
    assert "/fhir/CarePlan?patient=ehr-pt-1" in paths
    # morphine ER 30 + oxycodone 5 mg x4 = 30 → 60 MME/day
    summaries = " ".join(c["summary"] for c in cards)
    assert "60" in summaries
