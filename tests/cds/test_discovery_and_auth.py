"""Discovery is public; every hook call and feedback needs a JWT from a trusted CDS client."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import jwt
import pytest

from painpath.cds.client_auth import ClientNotAuthenticated, JwksCache, verify_client_jwt
from painpath.config import CdsIssuer
from tests.cds.conftest import PUBLIC_BASE_URL, Ehr
from tests.cds.fhir_data import ISSUER, Signer, full_prefetch, hook_request, patient

AUD = f"{PUBLIC_BASE_URL}/cds-services/painpath-order-sign"


def test_discovery_lists_the_three_services_with_prefetch(ehr: Ehr) -> None:
    response = ehr.client.get("/cds-services")
    assert response.status_code == 200
    services = {s["id"]: s for s in response.json()["services"]}
    assert {s: services[s]["hook"] for s in services} == {
        "painpath-patient-view": "patient-view",
        "painpath-order-select": "order-select",
        "painpath-order-sign": "order-sign",
    }
    for service in services.values():
        assert service["description"]
        assert service["title"]
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert (
            "MedicationRequest?patient={{context.patientId}}"
            in (service["prefetch"]["medicationRequests"])
        )
        assert {"conditions", "observations", "procedures", "encounters"} <= set(
            service["prefetch"]
        )


def _unsigned(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, key="", algorithm="none")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "JWT is required"),
        ("none", "asymmetric key"),
        ("expired", "expired"),
        ("wrong_audience", "not for this service"),
        ("unknown_issuer", "not an allowed CDS client"),
        ("bad_signature", "signature does not verify"),
        ("no_jti", "jti"),
    ],
)
def test_untrusted_calls_are_refused_with_401(
    ehr: Ehr, signer: Signer, case: str, message: str
) -> None:
    claims = {"iss": ISSUER, "aud": AUD, "exp": int(time.time()) + 60, "jti": "x"}
    tokens = {
        "missing": None,
        "none": _unsigned(claims),
        "expired": signer.token(AUD, exp=int(time.time()) - 60),
        "wrong_audience": signer.token("https://elsewhere.example/cds-services/x"),
        "unknown_issuer": signer.token(AUD, issuer="https://rogue.example"),
        "bad_signature": Signer(kid=signer.kid).token(AUD),
        "no_jti": signer.token(AUD, jti=None),
    }
    body = hook_request("order-sign", drafts=[], prefetch=full_prefetch())
    for path in ("/cds-services/painpath-order-sign", "/cds-services/painpath-order-sign/feedback"):
        response = ehr.post(path, body, tokens[case])
        assert response.status_code == 401, response.text
        assert message in response.json()["detail"]
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_jwks_is_fetched_through_the_transport_and_cached() -> None:
    signer = Signer()
    fetched: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        fetched.append(str(request.url))
        return httpx.Response(200, json=signer.jwks())

    cache = JwksCache(
        allowed_issuers={ISSUER: CdsIssuer(jwks="https://ehr.example/.well-known/jwks.json")},
        transport=httpx.MockTransport(handler),
    )
    for _ in range(3):
        client = verify_client_jwt(signer.token(AUD), audiences=[AUD], jwks=cache)
        assert client.issuer == ISSUER
    assert fetched == ["https://ehr.example/.well-known/jwks.json"]


def test_an_unreachable_jwks_is_a_clear_refusal() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    cache = JwksCache(
        allowed_issuers={ISSUER: CdsIssuer(jwks="https://ehr.example/jwks")},
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(ClientNotAuthenticated, match="could not fetch the JWKS"):
        verify_client_jwt(Signer().token(AUD), audiences=[AUD], jwks=cache)


def test_inline_jwks_and_a_hook_mismatch(ehr: Ehr) -> None:
    body = hook_request("patient-view", prefetch={"patient": patient()})
    token = ehr.token("painpath-order-sign")
    response = ehr.post("/cds-services/painpath-order-sign", body, token)
    assert response.status_code == 400
    assert "answers order-sign" in response.json()["detail"]
    assert json.loads(json.dumps(response.json()))["status"] == 400
