"""Signing in: cookie sessions with CSRF protection, bearer tokens, lockout and deactivation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.config import Settings
from painpath.kit.clock import utcnow
from painpath.models import AuditEvent, Observation
from painpath.services.identity import accounts
from tests.support.cohort import PASSWORD, Cast
from tests.support.walk import (
    observation_body,
)

LOGIN_ROUTES = ["/api/auth/login", "/api/auth/token"]


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    """A second client with its own cookie jar, for a cookie session."""
    with TestClient(app) as second:
        yield second


def _log_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


def _observation_count(app: FastAPI) -> int:
    with app.state.session_factory() as session:
        return len(session.scalars(select(Observation.id)).all())


def test_login_sets_an_httponly_samesite_lax_session_cookie(
    browser: TestClient, cast: Cast
) -> None:
    response = browser.post("/api/auth/login", json={"username": "patient", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "patient"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("painpath_session=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert browser.get("/api/auth/me").json()["username"] == "patient"


SESSION_TOKEN = "the session's token"


@pytest.mark.parametrize(
    ("sent", "status"),
    [(None, 403), ("forged-token", 403), (SESSION_TOKEN, 201)],
    ids=["missing", "forged", "right"],
)
def test_cookie_session_writes_need_the_csrf_header(
    app: FastAPI, browser: TestClient, cast: Cast, sent: str | None, status: int
) -> None:
    token = _log_in(browser, "patient")
    headers = {} if sent is None else {"X-CSRF-Token": token if sent == SESSION_TOKEN else sent}
    url = f"/api/patients/{cast.home_patient_id}/observations"
    response = browser.post(url, json=observation_body(), headers=headers)
    assert response.status_code == status, response.text
    assert _observation_count(app) == (1 if status == 201 else 0)


def test_cookie_session_reads_need_no_csrf_header(browser: TestClient, cast: Cast) -> None:
    _log_in(browser, "clinician")
    assert browser.get(f"/api/patients/{cast.home_patient_id}").status_code == 200


def test_bearer_token_writes_need_no_csrf_header(client: TestClient, cast: Cast) -> None:
    url = f"/api/patients/{cast.home_patient_id}/observations"
    response = client.post(url, json=observation_body(), headers=cast.headers(client, "patient"))
    assert response.status_code == 201


@pytest.mark.parametrize(("minutes_later", "status"), [(-1, 200), (1, 401)], ids=["due", "past"])
def test_bearer_token_expires(
    monkeypatch: pytest.MonkeyPatch,
    client: TestClient,
    cast: Cast,
    settings: Settings,
    minutes_later: int,
    status: int,
) -> None:
    headers = cast.headers(client, "clinician")
    moment = utcnow() + timedelta(minutes=settings.token_minutes + minutes_later)
    monkeypatch.setattr(accounts, "utcnow", lambda: moment)
    response = client.get("/api/auth/me", headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"] == "application/problem+json"


def test_logout_revokes_only_that_bearer_token(client: TestClient, cast: Cast) -> None:
    phone, laptop = cast.headers(client, "clinician"), cast.headers(client, "clinician")
    assert client.post("/api/auth/logout", headers=phone).status_code == 204
    assert client.get("/api/auth/me", headers=phone).status_code == 401
    assert client.get("/api/auth/me", headers=laptop).status_code == 200


def test_logout_ends_the_cookie_session(browser: TestClient, cast: Cast) -> None:
    token = _log_in(browser, "pharmacist")
    assert browser.post("/api/auth/logout", headers={"X-CSRF-Token": token}).status_code == 204
    assert browser.get("/api/auth/me").status_code == 401


@pytest.mark.parametrize("token", ["not-a-token", ""], ids=["garbage", "empty"])
def test_unknown_bearer_token_is_refused(client: TestClient, cast: Cast, token: str) -> None:
    response = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


@pytest.mark.parametrize("route", LOGIN_ROUTES)
def test_five_failed_logins_lock_out_even_the_right_password(
    app: FastAPI, client: TestClient, cast: Cast, settings: Settings, route: str
) -> None:
    for _ in range(settings.login_max_failures):
        wrong = client.post(route, json={"username": "clinician", "password": "guess-123456"})
        assert wrong.status_code == 401
        assert wrong.headers["content-type"] == "application/problem+json"
    right = client.post(route, json={"username": "clinician", "password": PASSWORD})
    assert right.status_code == 429
    assert right.headers["content-type"] == "application/problem+json"
    with app.state.session_factory() as session:
        query = select(AuditEvent).where(AuditEvent.action == "login")
        events = session.scalars(query.order_by(AuditEvent.id)).all()
    assert [(e.outcome, e.user_id, e.resource_type) for e in events] == [
        ("denied", None, "Session")
    ] * (settings.login_max_failures + 1)
    assert all("'clinician'" in (e.detail or "") for e in events)
    assert "too many" in (events[-1].detail or "")


def test_deactivated_user_cannot_log_in_or_use_old_credentials(
    client: TestClient, browser: TestClient, cast: Cast
) -> None:
    bearer = cast.headers(client, "pharmacist")
    _log_in(browser, "pharmacist")
    admin = cast.headers(client, "admin")
    url = f"/api/users/{cast.user_ids['pharmacist']}"
    assert client.patch(url, json={"is_active": False}, headers=admin).status_code == 200

    assert client.get("/api/auth/me", headers=bearer).status_code == 401
    assert browser.get("/api/auth/me").status_code == 401
    for route in LOGIN_ROUTES:
        response = client.post(route, json={"username": "pharmacist", "password": PASSWORD})
        assert response.status_code == 401


def test_admin_cannot_deactivate_their_own_account(client: TestClient, cast: Cast) -> None:
    url = f"/api/users/{cast.user_ids['admin']}"
    response = client.patch(url, json={"is_active": False}, headers=cast.headers(client, "admin"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "is_active"


def test_a_password_reset_ends_the_accounts_bearer_tokens_and_is_audited(
    client: TestClient, cast: Cast, app: FastAPI
) -> None:
    """Administrators issue a reset code; the person sets their own password with it."""
    old = cast.headers(client, "clinician")
    assert client.get("/api/auth/me", headers=old).status_code == 200
    admin = cast.headers(client, "admin")
    user_id = cast.user_ids["clinician"]
    issued = client.post(f"/api/users/{user_id}/reset-code", headers=admin)
    assert issued.status_code == 201
    redeem = {"username": "clinician", "code": issued.json()["code"], "new_password": NEW}
    assert client.post("/api/auth/password-reset", json=redeem).status_code == 204
    assert client.get("/api/auth/me", headers=old).status_code == 401
    with app.state.session_factory() as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.resource_type == "User", AuditEvent.resource_id == str(user_id))
            .order_by(AuditEvent.id)
        ).all()
    assert [(e.action, e.username) for e in events] == [
        ("reset_code", "admin"),
        ("password_reset", "clinician"),
    ]


NEW = "a-brand-new-passphrase"


def test_creating_a_patient_account_is_audited_against_that_patient(
    client: TestClient, cast: Cast, app: FastAPI
) -> None:
    admin = cast.headers(client, "admin")
    with app.state.session_factory() as session:
        from painpath.models import AdministrativeGender, Patient

        patient = Patient(
            mrn="NEW-1",
            given_name="Nia",
            family_name="Synthetic",
            birth_date=utcnow().date().replace(year=1980),
            gender=AdministrativeGender.female,
        )
        session.add(patient)
        session.commit()
        patient_id = patient.id
    created = client.post(
        "/api/users",
        json={
            "username": "nia.s",
            "display_name": "Nia Synthetic",
            "role": "patient",
            "patient_id": patient_id,
        },
        headers=admin,
    )
    assert created.status_code == 201
    with app.state.session_factory() as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.resource_type == "User", AuditEvent.action == "create"
            )
        ).one()
    assert event.patient_id == patient_id
