"""Issue 10, finding 5: CDS prefetch SSRF and token leak, and the client-trust gaps beside it.

One test per sub-finding, named after it. Sources: CDS Hooks 2.0 "Trusting CDS Clients" (JWT
`aud` is the service endpoint, `jti` a nonce; the FHIR access token is for the `fhirServer`) and
"Prefetch" (the service reads the `fhirServer` with `fhirAuthorization`); RFC 7519 §4.1.7 (jti
against replay); FHIR R4 datatypes, `id` = [A-Za-z0-9\\-\\.]{1,64}; OWASP SSRF Prevention Cheat
Sheet (allow-list destinations, do not return raw network errors).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from painpath.cds.client_auth import ClientNotAuthenticated, JwksCache, verify_client_jwt
from painpath.config import CdsIssuer, Environment, Settings
from painpath.models import CdsSeenToken
from painpath.web.app import create_app
from tests.cds.conftest import BASE_URL, PUBLIC_BASE_URL, Clock, Ehr
from tests.cds.fhir_data import (
    FHIR,
    ISSUER,
    MRN,
    MRN_SYSTEM,
    Signer,
    bundle,
    codeine_draft,
    full_prefetch,
    hook_request,
    morphine_er,
    oxycodone_draft,
    patient,
)
from tests.cds.test_full_exchange import Served

SERVICE = "painpath-order-sign"
SERVICE_PATH = f"/cds-services/{SERVICE}"
TOKEN = "ehr-access-token"


class Recorder:
    """A fake FHIR server (MockTransport handler) that records what it was asked."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.answer = answer or (lambda request: httpx.Response(200, json=bundle()))
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)


def _app(
    settings: Settings, engine: Engine, signer: Signer, issuer: CdsIssuer | str, **more: Any
) -> FastAPI:
    cds_settings = settings.model_copy(
        update={"cds_allowed_issuers": {ISSUER: issuer}, "public_base_url": PUBLIC_BASE_URL} | more
    )
    app = create_app(cds_settings, engine=engine)
    app.state.cds_clock = Clock()
    return app


def _null_prefetch_call(fhir_server: str, patient_id: str = "ehr-pt-1") -> dict[str, Any]:
    body = hook_request(
        "order-sign", drafts=[oxycodone_draft()], prefetch=None, fhir_server=fhir_server
    )
    body["context"]["patientId"] = patient_id
    return body


# --- fhirServer must be one configured for the issuer ------------------------------------------


@pytest.mark.parametrize(
    "fhir_server",
    [
        "http://169.254.169.254/latest/meta-data",  # cloud metadata
        "http://127.0.0.1:5432",  # an internal port
        "https://ehr.example.evil.test/fhir",  # lookalike host
        "https://ehr.example/fhir-other",  # same host, another path prefix
    ],
)
def test_finding_5_fhir_server_not_configured_for_the_issuer_is_never_contacted(
    cds_app: FastAPI, ehr: Ehr, fhir_server: str
) -> None:
    recorder = Recorder()
    cds_app.state.cds_transport = httpx.MockTransport(recorder)
    response = ehr.post(SERVICE_PATH, _null_prefetch_call(fhir_server), ehr.token(SERVICE))
    assert response.status_code == 412, response.text
    assert recorder.requests == []
    assert "not one configured for this client" in response.json()["issue"][0]["diagnostics"]


def test_finding_5_old_form_issuer_gets_no_prefetch_fetching_and_no_patient_matching(
    settings: Settings, engine: Engine, signer: Signer, painpath_patient: int
) -> None:
    """The old `issuer → JWKS` form still verifies JWTs, but painpath neither sends the EHR's
    token anywhere nor matches a patient (no identifier system is known)."""
    app = _app(settings, engine, signer, json.dumps(signer.jwks()))
    recorder = Recorder()
    app.state.cds_transport = httpx.MockTransport(recorder)
    with TestClient(app, base_url=BASE_URL) as client:
        ehr = Ehr(client, signer)
        refused = ehr.post(SERVICE_PATH, _null_prefetch_call(FHIR), ehr.token(SERVICE))
        body = hook_request("order-sign", drafts=[codeine_draft()], prefetch=full_prefetch())
        cards = ehr.call(SERVICE, body)
    assert refused.status_code == 412
    assert "send the prefetch" in refused.json()["issue"][0]["diagnostics"]
    assert recorder.requests == []
    assert not any(card["summary"].startswith("Codeine") for card in cards)


# --- next links stay on the fhirServer, the token goes nowhere else -----------------------------


Seen = list[tuple[str, str | None]]


def _fake_fhir(next_link: Callable[[str], str], seen: Seen) -> Starlette:
    """A FHIR server whose MedicationRequest search has a `next` link, made from its own base
    URL by `next_link`; it records every URL asked and the Authorization sent with it."""

    async def anything(request: Request) -> JSONResponse:
        seen.append((str(request.url), request.headers.get("authorization")))
        path = request.url.path
        if path.startswith("/fhir/Patient/"):
            return JSONResponse(patient(mrn=None))
        if path == "/fhir/MedicationRequest":
            page = bundle(morphine_er())
            own = str(request.base_url).rstrip("/")
            page["link"] = [{"relation": "next", "url": next_link(own)}]
            return JSONResponse(page)
        return JSONResponse(bundle())

    return Starlette(routes=[Route("/{path:path}", anything)])


@pytest.fixture
def elsewhere() -> Iterator[tuple[Served, Seen]]:
    """Another origin on loopback (another port), recording whatever reaches it."""
    seen: Seen = []
    with Served(_fake_fhir(lambda own: own, seen)) as served:
        yield served, seen


@pytest.mark.parametrize("where", ["other_origin", "same_host_outside_base", "dot_segments"])
def test_finding_5_next_link_to_other_host_not_followed_and_no_token_sent(
    settings: Settings,
    engine: Engine,
    signer: Signer,
    elsewhere: tuple[Served, Seen],
    where: str,
) -> None:
    """Over real HTTP on loopback: the EHR's FHIR server answers a `next` link that leaves its
    base; painpath does not follow it, and the other server never sees the EHR's token."""
    other, other_seen = elsewhere
    links: dict[str, Callable[[str], str]] = {
        "other_origin": lambda own: f"{other.url}/fhir/MedicationRequest?page=2",
        "same_host_outside_base": lambda own: f"{own}/internal/secret?page=2",
        "dot_segments": lambda own: f"{own}/fhir/%2e%2e/internal/secret",
    }
    ehr_seen: Seen = []
    with Served(_fake_fhir(links[where], ehr_seen)) as fhir:
        base = f"{fhir.url}/fhir"
        issuer = CdsIssuer(jwks=json.dumps(signer.jwks()), fhir_servers=(base,))
        app = _app(settings, engine, signer, issuer)
        with TestClient(app, base_url=BASE_URL) as client:
            ehr = Ehr(client, signer)
            response = ehr.post(SERVICE_PATH, _null_prefetch_call(base), ehr.token(SERVICE))
    # An incomplete medication list would give wrong advice: 412, not cards.
    assert response.status_code == 412, response.text
    assert other_seen == []
    assert all("/internal" not in url and "%2e" not in url.lower() for url, _ in ehr_seen)
    assert any(url.endswith("/fhir/MedicationRequest?patient=ehr-pt-1") for url, _ in ehr_seen)
    assert all(auth == f"Bearer {TOKEN}" for _, auth in ehr_seen)


# --- patientId is a FHIR id ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "patient_id",
    ["../../internal/secret?x=", "a/b", "ehr-pt-1?_format=xml", "%2e%2e", "x" * 65, "pt 1", ""],
)
def test_finding_5_patient_id_that_is_not_a_fhir_id_is_refused(
    cds_app: FastAPI, ehr: Ehr, patient_id: str
) -> None:
    recorder = Recorder()
    cds_app.state.cds_transport = httpx.MockTransport(recorder)
    response = ehr.post(SERVICE_PATH, _null_prefetch_call(FHIR, patient_id), ehr.token(SERVICE))
    assert response.status_code == 400, response.text
    assert "context.patientId" in response.json()["detail"]
    assert recorder.requests == []


def test_fhir_ids_with_dots_and_dashes_are_accepted(cds_app: FastAPI, ehr: Ehr) -> None:
    recorder = Recorder(
        answer=lambda request: httpx.Response(
            200,
            json=patient(mrn=None) if "/Patient/" in request.url.path else bundle(morphine_er()),
        )
    )
    cds_app.state.cds_transport = httpx.MockTransport(recorder)
    ehr.call(SERVICE, _null_prefetch_call(FHIR, "Pt.1-" + "a" * 59))
    assert recorder.requests
    assert str(recorder.requests[0].url) == f"{FHIR}/Patient/Pt.1-{'a' * 59}"


# --- 412 diagnostics say what, not how the network failed ---------------------------------------


def test_finding_5_412_diagnostics_do_not_echo_network_errors(
    cds_app: FastAPI, ehr: Ehr, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused (10.9.8.7:5432)", request=request)

    cds_app.state.cds_transport = httpx.MockTransport(refuse)
    with caplog.at_level(logging.WARNING, logger="painpath.cds"):
        response = ehr.post(SERVICE_PATH, _null_prefetch_call(FHIR), ehr.token(SERVICE))
    assert response.status_code == 412
    diagnostics = response.json()["issue"][0]["diagnostics"]
    assert diagnostics == "could not read patient from the EHR's FHIR server"
    for leak in ("Errno", "refused", "10.9.8.7", "5432", "ConnectError"):
        assert leak not in response.text
    assert "Connection refused (10.9.8.7:5432)" in caplog.text  # kept for the operator


# --- a jti is accepted once ---------------------------------------------------------------------


def test_finding_5_replayed_jti_is_refused_within_the_token_lifetime(
    cds_app: FastAPI, ehr: Ehr, cds_settings: Settings, engine: Engine
) -> None:
    body = hook_request("order-sign", drafts=[oxycodone_draft()], prefetch=full_prefetch())
    token = ehr.token(SERVICE)
    first = ehr.post(SERVICE_PATH, body, token)
    again = ehr.post(SERVICE_PATH, body, token)
    feedback = ehr.post(f"{SERVICE_PATH}/feedback", {"feedback": []}, token)
    # Another worker (another app on the same database) refuses it too.
    with TestClient(create_app(cds_settings, engine=engine), base_url=BASE_URL) as other:
        elsewhere = other.post(
            SERVICE_PATH, json=body, headers={"Authorization": f"Bearer {token}"}
        )
    assert first.status_code == 200, first.text
    for replay in (again, feedback, elsewhere):
        assert replay.status_code == 401
        assert "already used" in replay.json()["detail"]
    assert ehr.post(SERVICE_PATH, body, ehr.token(SERVICE)).status_code == 200  # a new jti


def test_finding_5_seen_jti_are_kept_until_expiry_then_pruned(cds_app: FastAPI, ehr: Ehr) -> None:
    expired = datetime(2020, 1, 1, tzinfo=UTC)
    with cds_app.state.session_factory() as session:
        session.add(CdsSeenToken(issuer=ISSUER, jti="old", expires_at=expired))
        session.commit()
    body = hook_request("order-sign", drafts=[], prefetch=full_prefetch())
    jti = str(uuid.uuid4())
    assert ehr.post(SERVICE_PATH, body, ehr.token(SERVICE, jti=jti)).status_code == 200
    with cds_app.state.session_factory() as session:
        kept = {row.jti: row.expires_at for row in session.scalars(select(CdsSeenToken))}
    assert set(kept) == {jti}
    assert kept[jti] > datetime.now(UTC)


def test_finding_5_tokens_living_longer_than_an_hour_are_refused(ehr: Ehr) -> None:
    body = hook_request("order-sign", drafts=[], prefetch=full_prefetch())
    token = ehr.token(SERVICE, exp=int(time.time()) + 2 * 3600)
    response = ehr.post(SERVICE_PATH, body, token)
    assert response.status_code == 401
    assert "expires too late" in response.json()["detail"]


# --- the audience comes from configuration ------------------------------------------------------


def test_finding_5_audience_comes_from_public_base_url_not_the_host_header(
    ehr: Ehr, signer: Signer
) -> None:
    body = hook_request("order-sign", drafts=[], prefetch=full_prefetch())
    for host in (BASE_URL, "http://attacker.example"):
        token = signer.token(f"{host}/cds-services/{SERVICE}")
        response = ehr.client.post(
            SERVICE_PATH,
            json=body,
            headers={"Authorization": f"Bearer {token}", "Host": host.split("//")[1]},
        )
        assert response.status_code == 401, response.text
        assert f"aud must be {PUBLIC_BASE_URL}/cds-services/{SERVICE}" in response.json()["detail"]
    assert ehr.post(SERVICE_PATH, body, ehr.token(SERVICE)).status_code == 200


def test_finding_5_production_without_public_base_url_refuses_cds_calls(
    settings: Settings, engine: Engine, signer: Signer
) -> None:
    app = _app(
        settings,
        engine,
        signer,
        CdsIssuer(jwks=json.dumps(signer.jwks())),
        public_base_url=None,
        environment=Environment.production,
    )
    body = hook_request("order-sign", drafts=[], prefetch=full_prefetch())
    with TestClient(app, base_url=BASE_URL) as client:
        token = signer.token(f"{BASE_URL}/cds-services/{SERVICE}")
        response = client.post(
            SERVICE_PATH, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        discovery = client.get("/cds-services")
    assert response.status_code == 503
    assert "PAINPATH_PUBLIC_BASE_URL" in response.json()["detail"]
    assert discovery.status_code == 200


def test_finding_5_development_without_public_base_url_uses_the_host_with_a_warning(
    settings: Settings, engine: Engine, signer: Signer, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(
        settings, engine, signer, CdsIssuer(jwks=json.dumps(signer.jwks())), public_base_url=None
    )
    body = hook_request("order-sign", drafts=[], prefetch=full_prefetch())
    with TestClient(app, base_url=BASE_URL) as client, caplog.at_level(logging.WARNING):
        token = signer.token(f"{BASE_URL}/cds-services/{SERVICE}")
        response = client.post(
            SERVICE_PATH, json=body, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.text
    assert "PAINPATH_PUBLIC_BASE_URL is unset" in caplog.text


# --- unknown kids do not hammer the issuer's JWKS -----------------------------------------------


@dataclass
class FakeTime:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def test_finding_5_unknown_kid_does_not_trigger_unbounded_jwks_refetches() -> None:
    signer = Signer()
    fetches: list[str] = []

    def jwks(request: httpx.Request) -> httpx.Response:
        fetches.append(str(request.url))
        return httpx.Response(200, json=signer.jwks())

    clock = FakeTime()
    cache = JwksCache(
        allowed_issuers={ISSUER: CdsIssuer(jwks="https://ehr.example/jwks")},
        transport=httpx.MockTransport(jwks),
        clock=clock,
    )
    audience = f"{PUBLIC_BASE_URL}/cds-services/{SERVICE}"
    verify_client_jwt(signer.token(audience), audiences=[audience], jwks=cache)
    for n in range(50):
        stranger = Signer(kid=f"made-up-{n}")
        with pytest.raises(ClientNotAuthenticated, match="no key"):
            verify_client_jwt(stranger.token(audience), audiences=[audience], jwks=cache)
        clock.now += 1  # 50 seconds in all: within one refetch interval
    assert len(fetches) == 1

    # Key rotation still works: after the interval an unknown kid refetches once.
    rotated = Signer(kid="ehr-key-2")
    signer.key, signer.kid = rotated.key, rotated.kid
    clock.now += 60
    verify_client_jwt(signer.token(audience), audiences=[audience], jwks=cache)
    assert len(fetches) == 2


def test_finding_5_unreachable_jwks_is_not_refetched_on_every_call() -> None:
    attempts: list[str] = []

    def down(request: httpx.Request) -> httpx.Response:
        attempts.append(str(request.url))
        raise httpx.ConnectTimeout("timed out", request=request)

    cache = JwksCache(
        allowed_issuers={ISSUER: CdsIssuer(jwks="https://ehr.example/jwks")},
        transport=httpx.MockTransport(down),
        clock=FakeTime(),
    )
    audience = f"{PUBLIC_BASE_URL}/cds-services/{SERVICE}"
    for _ in range(20):
        with pytest.raises(ClientNotAuthenticated, match="could not fetch the JWKS"):
            verify_client_jwt(Signer().token(audience), audiences=[audience], jwks=cache)
    assert len(attempts) == 1


# --- PGx matching needs the identifier system ---------------------------------------------------


@pytest.mark.parametrize(
    "system", ["http://insurer.example/member-id", None, "urn:oid:2.16.840.1.113883.4.1"]
)
def test_finding_5_pgx_lookup_by_identifier_matches_the_identifier_system_too(
    cds_app: FastAPI, ehr: Ehr, painpath_patient: int, system: str | None
) -> None:
    """The EHR Patient carries painpath's MRN *value* under another system (or none): it is
    another person's number, so no genotype of painpath's patient may be used."""
    ehr_patient = patient()
    ehr_patient["identifier"] = [{"value": MRN} | ({"system": system} if system else {})]
    prefetch = full_prefetch() | {"patient": ehr_patient}
    body = hook_request("order-select", drafts=[codeine_draft()], prefetch=prefetch)
    cards = ehr.call("painpath-order-select", body)
    assert not any(card["summary"].startswith("Codeine") for card in cards)

    ehr_patient["identifier"].append({"system": MRN_SYSTEM, "value": MRN})
    cards = ehr.call("painpath-order-select", body)
    assert any(card["summary"].startswith("Codeine") for card in cards)


# --- hostile answers and bodies are refusals, not 500s ------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        {"resourceType": "Bundle", "link": [{"relation": "next", "url": "http://[::1"}]},
        {"resourceType": "Bundle", "link": [{"relation": "next", "url": "\x00"}]},
        "[" * 100_000,
    ],
    ids=["bad_port", "control_character", "deep_nesting"],
)
def test_an_unusable_fhir_answer_is_a_412_not_a_500(
    cds_app: FastAPI, ehr: Ehr, answer: dict[str, Any] | str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "/Patient/" in request.url.path:
            return httpx.Response(200, json=patient(mrn=None))
        if isinstance(answer, str):
            return httpx.Response(200, content=answer.encode())
        return httpx.Response(200, json=answer)

    cds_app.state.cds_transport = httpx.MockTransport(handler)
    response = ehr.post(SERVICE_PATH, _null_prefetch_call(FHIR), ehr.token(SERVICE))
    assert response.status_code == 412, response.text
    assert response.json()["issue"][0]["diagnostics"] == (
        "could not read medicationRequests from the EHR's FHIR server"
    )


def test_a_hook_body_nested_too_deeply_is_a_400(ehr: Ehr) -> None:
    response = ehr.client.post(
        SERVICE_PATH,
        content=b"[" * 200_000,
        headers={
            "Authorization": f"Bearer {ehr.token(SERVICE)}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 400
