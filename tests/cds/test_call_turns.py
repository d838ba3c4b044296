"""Hook calls take turns per process (settings.cds_concurrent_calls), and a call waiting for
the EHR's FHIR server gives its turn back for the wait: with one turn, a call whose prefetch
is complete is answered while another call's EHR read hangs."""

from __future__ import annotations

import threading

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from painpath.config import Settings
from painpath.web.app import create_app
from tests.cds.conftest import BASE_URL, Clock, Ehr
from tests.cds.fhir_data import (
    FHIR,
    Signer,
    alprazolam,
    bundle,
    full_prefetch,
    hook_request,
    oxycodone_draft,
    patient,
)

SERVICE = "painpath-order-sign"
#: How long a stuck test may wait before it fails (never reached when the turn is given back).
STUCK = 60


@pytest.fixture
def one_turn_app(cds_settings: Settings, engine: Engine) -> FastAPI:
    app = create_app(cds_settings.model_copy(update={"cds_concurrent_calls": 1}), engine=engine)
    app.state.cds_clock = Clock()
    return app


def test_a_call_waiting_for_the_ehr_does_not_hold_the_only_turn(
    one_turn_app: FastAPI, signer: Signer
) -> None:
    reading = threading.Event()
    release = threading.Event()

    def slow_ehr(request: httpx.Request) -> httpx.Response:
        reading.set()
        release.wait(STUCK)
        return httpx.Response(200, json=bundle())

    one_turn_app.state.cds_transport = httpx.MockTransport(slow_ehr)
    with TestClient(one_turn_app, base_url=BASE_URL) as client:
        _race(Ehr(client, signer), reading, release)


def _race(ehr: Ehr, reading: threading.Event, release: threading.Event) -> None:
    needs_ehr = hook_request(
        "order-sign",
        drafts=[oxycodone_draft()],
        prefetch={"patient": patient(), "medicationRequests": None},
        fhir_server=FHIR,
    )
    answers: dict[str, int] = {}

    def call_needing_ehr() -> None:
        response = ehr.post(f"/cds-services/{SERVICE}", needs_ehr, ehr.token(SERVICE))
        answers["ehr"] = response.status_code

    waiting = threading.Thread(target=call_needing_ehr)
    waiting.start()
    try:
        assert reading.wait(STUCK), "the call never read from the EHR"
        complete = hook_request(
            "order-sign", drafts=[oxycodone_draft()], prefetch=full_prefetch(alprazolam())
        )

        def call_complete() -> None:
            answers["full"] = len(ehr.call(SERVICE, complete))

        served = threading.Thread(target=call_complete)
        served.start()
        served.join(STUCK)
        assert not served.is_alive(), "the complete call waited for the turn the EHR read held"
        assert answers["full"] > 0
    finally:
        release.set()
        waiting.join(STUCK)
    assert answers["ehr"] == 200
