"""One full order-sign exchange over real HTTP: a fake EHR (FHIR server + JWKS) and painpath,
both under uvicorn on loopback. Prefetch is null, so painpath must read the EHR's FHIR server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from painpath.config import CdsIssuer, Settings
from painpath.models import CdsIssuedCard
from painpath.web.app import create_app
from tests.cds.conftest import Clock, assert_valid_card
from tests.cds.fhir_data import (
    ISSUER,
    Signer,
    alprazolam,
    bundle,
    hook_request,
    morphine_er,
    oxycodone_draft,
    patient,
)

TOKEN = "ehr-access-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Served:
    """An ASGI app under uvicorn in a background thread."""

    def __init__(self, app: Any) -> None:
        self.port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def fake_ehr(signer: Signer, requests: list[str]) -> Starlette:
    """A FHIR server with one patient (morphine ER and alprazolam) that wants its token."""

    def guarded(request: Request, body: dict[str, Any]) -> JSONResponse:
        requests.append(f"{request.url.path}?{request.url.query}")
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=401)
        return JSONResponse(body, media_type="application/fhir+json")

    async def jwks(request: Request) -> JSONResponse:
        requests.append(f"{request.url.path}?{request.url.query}")
        return JSONResponse(signer.jwks())

    async def read_patient(request: Request) -> JSONResponse:
        return guarded(request, patient(mrn=None))

    async def medication_requests(request: Request) -> JSONResponse:
        return guarded(request, bundle(morphine_er(), alprazolam()))

    async def empty_search(request: Request) -> JSONResponse:
        return guarded(request, bundle())

    routes = [
        Route("/jwks.json", jwks),
        Route("/fhir/Patient/{id}", read_patient),
        Route("/fhir/MedicationRequest", medication_requests),
    ]
    for kind in ("Condition", "Observation", "Procedure", "Encounter", "MedicationDispense"):
        routes.append(Route(f"/fhir/{kind}", empty_search))
    return Starlette(routes=routes)


@pytest.fixture
def ehr_server(signer: Signer) -> Iterator[tuple[Served, list[str]]]:
    requests: list[str] = []
    with Served(fake_ehr(signer, requests)) as served:
        yield served, requests


def test_order_sign_over_http_with_a_signed_jwt_and_null_prefetch(
    settings: Settings,
    engine: Engine,
    signer: Signer,
    clock: Clock,
    ehr_server: tuple[Served, list[str]],
) -> None:
    ehr, ehr_requests = ehr_server
    cds_settings = settings.model_copy(
        update={
            "cds_allowed_issuers": {
                ISSUER: CdsIssuer(jwks=f"{ehr.url}/jwks.json", fhir_servers=(f"{ehr.url}/fhir",))
            }
        }
    )
    app = create_app(cds_settings, engine=engine)
    app.state.cds_clock = clock
    with Served(app) as painpath:
        service_url = f"{painpath.url}/cds-services/painpath-order-sign"
        body = hook_request(
            "order-sign",
            drafts=[oxycodone_draft()],
            prefetch={key: None for key in ("patient", "medicationRequests", "conditions")},
            fhir_server=f"{ehr.url}/fhir",
        )
        token = signer.token(service_url)
        with httpx.Client(timeout=30) as client:
            response = client.post(
                service_url, json=body, headers={"Authorization": f"Bearer {token}"}
            )
            refused = client.post(service_url, json=body)
    assert response.status_code == 200, response.text
    assert refused.status_code == 401
    cards = response.json()["cards"]
    for card in cards:
        assert_valid_card(card)
    with app.state.session_factory() as session:
        codes = {c.uuid: c.alert_code for c in session.scalars(select(CdsIssuedCard))}
    issued = {codes[card["uuid"]] for card in cards}
    assert {"MME_GE_50", "NALOXONE_OFFER", "BENZO_COPRESCRIBE"} <= issued
    assert "/jwks.json?" in ehr_requests
    assert "/fhir/Patient/ehr-pt-1?" in ehr_requests
    assert "/fhir/MedicationRequest?patient=ehr-pt-1" in ehr_requests
