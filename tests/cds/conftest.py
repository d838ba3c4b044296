"""Fixtures for the CDS Hooks tests: an EHR signing key, an app that trusts it, a frozen clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from painpath.cds.cards import check_card
from painpath.config import CdsIssuer, Settings
from painpath.models import AdministrativeGender, GenotypeResult, Patient
from painpath.web.app import create_app
from tests.cds.fhir_data import FHIR_SERVERS, ISSUER, MRN, MRN_SYSTEM, Signer

BASE_URL = "http://testserver"
PUBLIC_BASE_URL = "https://painpath.test"


@dataclass
class Clock:
    now: datetime = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="session")
def signer() -> Signer:
    return Signer()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cds_settings(settings: Settings, signer: Signer) -> Settings:
    return settings.model_copy(
        update={
            "cds_allowed_issuers": {
                ISSUER: CdsIssuer(
                    jwks=json.dumps(signer.jwks()),
                    fhir_servers=FHIR_SERVERS,
                    patient_identifier_system=MRN_SYSTEM,
                )
            },
            "public_base_url": PUBLIC_BASE_URL,
        }
    )


@pytest.fixture
def cds_app(cds_settings: Settings, engine: Engine, clock: Clock) -> FastAPI:
    app = create_app(cds_settings, engine=engine)
    app.state.cds_clock = clock
    return app


@pytest.fixture
def ehr(cds_app: FastAPI, signer: Signer) -> Iterator[Ehr]:
    with TestClient(cds_app, base_url=BASE_URL) as client:
        yield Ehr(client, signer)


@dataclass
class Ehr:
    """The EHR side of the exchange: calls services with a signed JWT and checks every card."""

    client: TestClient
    signer: Signer

    def token(self, service_id: str, **changes: Any) -> str:
        return self.signer.token(f"{PUBLIC_BASE_URL}/cds-services/{service_id}", **changes)

    def post(self, path: str, body: Any, token: str | None) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.post(path, json=body, headers=headers)

    def call(self, service_id: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.post(f"/cds-services/{service_id}", body, self.token(service_id))
        assert response.status_code == 200, response.text
        cards: list[dict[str, Any]] = response.json()["cards"]
        for card in cards:
            assert_valid_card(card)
        return cards

    def feedback(self, service_id: str, items: list[dict[str, Any]]) -> httpx2.Response:
        return self.post(
            f"/cds-services/{service_id}/feedback", {"feedback": items}, self.token(service_id)
        )


def assert_valid_card(card: dict[str, Any]) -> None:
    """Every card a test sees: CDS Hooks 2.0 shape, summary under 140 characters."""
    check_card(card)
    assert len(card["summary"]) < 140
    assert {"uuid", "summary", "indicator", "source", "detail"} <= set(card)
    assert card["indicator"] in ("info", "warning", "critical")
    if card.get("suggestions"):
        assert card["selectionBehavior"] in ("at-most-one", "any")
    for reason in card.get("overrideReasons", []):
        assert all(reason.get(key) for key in ("code", "display", "system"))


@pytest.fixture
def painpath_patient(cds_app: FastAPI) -> int:
    """A painpath patient (MRN matching the EHR Patient) who is a CYP2D6 poor metabolizer."""
    with cds_app.state.session_factory() as session:
        patient = Patient(
            mrn=MRN,
            given_name="Cora",
            family_name="Synthetic",
            birth_date=date(1970, 1, 1),
            gender=AdministrativeGender.female,
        )
        session.add(patient)
        session.flush()
        session.add(
            GenotypeResult(
                patient_id=patient.id,
                gene="CYP2D6",
                diplotype="*4/*4",
                phenotype="Poor Metabolizer",
                activity_score=0.0,
                source="lab",
                knowledge_version="test",
            )
        )
        session.commit()
        return patient.id
