"""Issue 10 ("Security and robustness"), findings 1, 4, 7, 8 and 9: one test per finding.

Each test reproduces what the finding reported and asserts the fixed behaviour; docs/security.md
describes it. Password policy tests (finding 9) are in tests/auth/test_passwords.py.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import Engine, select, update

from painpath.auth import totp
from painpath.config import (
    PUBLISHED_SECRET_KEYS,
    Environment,
    InsecureConfigurationError,
    Settings,
)
from painpath.kit.clock import utcnow
from painpath.models import (
    AuditEvent,
    AuthSession,
    CareTeam,
    PasswordResetCode,
    RecoveryCode,
    User,
)
from painpath.web.api import monitoring_alert_stream
from painpath.web.app import create_app
from tests.support.audit_chain import settle_audit_chain
from tests.support.cohort import PASSWORD, Cast, build_cast

NEW_PASSWORD = "a fresh passphrase for spring"


def _forged_cookie(key: str, payload: dict[str, object]) -> str:
    """What Starlette's SessionMiddleware signs: base64(JSON), itsdangerous TimestampSigner."""
    data = base64.b64encode(json.dumps(payload).encode())
    return TimestampSigner(key).sign(data).decode()


def _login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


def _token(client: TestClient, username: str, password: str = PASSWORD, **extra: str) -> str:
    body = {"username": username, "password": password, **extra}
    response = client.post("/api/auth/token", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _events(app: FastAPI, action: str) -> list[AuditEvent]:
    settle_audit_chain(app.state.engine)
    with app.state.session_factory() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(session.scalars(query))


# Finding 1 ------------------------------------------------------------------------------------


@pytest.fixture
def unconfigured_app(database_url: str, engine: Engine, tmp_path: Path) -> FastAPI:
    """The default environment (development) with no PAINPATH_SECRET_KEY, as the report had."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=Environment.development,
        database_url=database_url,
        data_dir=tmp_path / "data",
    )
    return create_app(settings, engine=engine)


def test_finding_1_forged_cookie_with_published_key_rejected(
    unconfigured_app: FastAPI, tmp_path: Path
) -> None:
    """Issue 10 finding 1: with no secret configured, cookies were signed with the published
    development key, so a forged `{"user_id": N}` cookie signed in as anyone (a forged admin
    created a new admin). Now a random key is generated once, kept 0600 in the data directory,
    and the cookie only names a server-side session."""
    cast = build_cast(unconfigured_app.state.session_factory)
    admin_id = cast.user_ids["admin"]
    with TestClient(unconfigured_app) as attacker:
        for key in PUBLISHED_SECRET_KEYS:
            for payload in ({"user_id": admin_id}, {"user_id": admin_id, "sid": "guess"}):
                attacker.cookies.set("painpath_session", _forged_cookie(key, payload))
                assert attacker.get("/api/auth/me").status_code == 401
                created = attacker.post(
                    "/api/users",
                    json={
                        "username": "mallory",
                        "display_name": "Mallory",
                        "role": "admin",
                    },
                )
                assert created.status_code == 401
    key_file = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 43
    with unconfigured_app.state.session_factory() as session:
        assert session.scalar(select(User).where(User.username == "mallory")) is None


def test_finding_1_the_generated_key_is_kept_across_restarts(
    unconfigured_app: FastAPI, database_url: str, engine: Engine, tmp_path: Path
) -> None:
    build_cast(unconfigured_app.state.session_factory)
    with TestClient(unconfigured_app) as browser:
        _login(browser, "clinician")
        cookie = browser.cookies["painpath_session"]
    restarted = create_app(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            environment=Environment.development,
            database_url=database_url,
            data_dir=tmp_path / "data",
        ),
        engine=engine,
    )
    with TestClient(restarted) as browser:
        browser.cookies.set("painpath_session", cookie)
        assert browser.get("/api/auth/me").json()["username"] == "clinician"


@pytest.mark.parametrize("key", ["a" * 39, "ab" * 20, "0123456789" * 4])
def test_finding_1_low_entropy_key_refused_in_production(key: str) -> None:
    """Issue 10 finding 1: a key of 39 × "a" passed the production check."""
    settings = Settings(
        environment=Environment.production, secret_key=key, database_url="sqlite://"
    )
    with pytest.raises(InsecureConfigurationError, match="PAINPATH_SECRET_KEY"):
        create_app(settings)


def test_finding_1_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret_key").write_text("k" * 10 + "Zq8-Lp3_Wm9Rt2Yv7Xn4Bc6Hd1Jf5Gs0\n")
    os.chmod(data / "secret_key", 0o644)
    settings = Settings(
        environment=Environment.development, database_url="sqlite://", data_dir=data
    )
    with pytest.raises(InsecureConfigurationError, match="chmod 600"):
        create_app(settings)


# Finding 4 ------------------------------------------------------------------------------------


@pytest.fixture
def second_browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as browser:
        yield browser


def test_finding_4_sessions_end_on_logout_on_the_server(
    client: TestClient, second_browser: TestClient, cast: Cast
) -> None:
    """Issue 10 finding 4: sessions survived logout (the cookie was only cleared in the browser,
    so a copy of it kept working)."""
    csrf = _login(client, "clinician")
    stolen = client.cookies["painpath_session"]
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    second_browser.cookies.set("painpath_session", stolen)
    assert second_browser.get("/api/auth/me").status_code == 401


def test_finding_4_password_change_ends_every_session_and_token(
    client: TestClient, second_browser: TestClient, cast: Cast
) -> None:
    """Issue 10 finding 4: sessions survived a password change or reset."""
    csrf = _login(client, "clinician")
    _login(second_browser, "clinician")
    token = _token(client, "clinician")
    changed = client.post(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert changed.status_code == 200, changed.text
    assert second_browser.get("/api/auth/me").status_code == 401
    assert client.get("/api/auth/me", headers=_bearer(token)).status_code == 401
    # The browser that changed it carries on in a new session, with a new CSRF token.
    assert client.get("/api/auth/me").json()["username"] == "clinician"
    assert changed.json()["csrf_token"] != csrf


@pytest.mark.parametrize("change", [{"is_active": False}, {"role": "admin"}])
def test_finding_4_deactivation_and_role_change_end_every_session(
    client: TestClient, second_browser: TestClient, cast: Cast, change: dict[str, object]
) -> None:
    _login(second_browser, "pharmacist")
    token = _token(client, "pharmacist")
    admin = _bearer(_token(client, "admin"))
    url = f"/api/users/{cast.user_ids['pharmacist']}"
    assert client.patch(url, json=change, headers=admin).status_code == 200
    assert second_browser.get("/api/auth/me").status_code == 401
    assert client.get("/api/auth/me", headers=_bearer(token)).status_code == 401


def test_finding_4_alert_stream_ends_with_the_session(
    monkeypatch: pytest.MonkeyPatch, app: FastAPI, client: TestClient, cast: Cast
) -> None:
    """Issue 10 finding 4: the SSE alert stream (/api/monitoring/alerts/stream) ends when the
    session or token behind it does."""
    monkeypatch.setattr(monitoring_alert_stream, "CREDENTIAL_SECONDS", 0.05)
    monkeypatch.setattr(monitoring_alert_stream, "STREAM_SECONDS", 20.0)
    token = _token(client, "clinician")
    with (
        TestClient(app) as other,
        client.stream("GET", "/api/monitoring/alerts/stream", headers=_bearer(token)) as stream,
    ):
        lines = stream.iter_lines()
        assert next(lines).startswith("retry:")
        assert other.post("/api/auth/logout", headers=_bearer(token)).status_code == 204
        rest = list(lines)
    assert "event: signed-out" in rest


# Finding 7 ------------------------------------------------------------------------------------


def test_finding_7_admin_self_seating_is_break_glass_audited_and_alerts_the_team(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    """Issue 10 finding 7: an admin could seat themself on a care team and read diagnoses, and
    it looked like an ordinary care-team edit in the audit trail."""
    admin = _bearer(_token(client, "admin"))
    patient = cast.home_patient_id
    with app.state.session_factory() as session:
        team = session.scalars(select(CareTeam).where(CareTeam.patient_id == patient)).first()
        assert team is not None
        team_id, members = team.id, sorted(p.user_id for p in team.participants)
    url = f"/api/patients/{patient}/care-teams/{team_id}"
    seat = {"name": "Home team", "participant_user_ids": [*members, cast.user_ids["admin"]]}
    quiet = client.put(url, json=seat, headers=admin)
    assert quiet.status_code == 422
    assert quiet.json()["errors"][0]["field"] == "break_glass_reason"
    assert client.get(f"/api/patients/{patient}/conditions", headers=admin).status_code == 403

    reason = "Covering the on-call clinician during the ice storm, ticket 4711"
    loud = client.put(url, json={**seat, "break_glass_reason": reason}, headers=admin)
    assert loud.status_code == 200, loud.text
    [event] = _events(app, "break_glass")
    assert (event.username, event.patient_id, event.resource_type) == ("admin", patient, "CareTeam")
    assert reason in (event.detail or "")
    clinician = _bearer(_token(client, "clinician"))
    alerts = client.get(f"/api/patients/{patient}/alerts", headers=clinician).json()
    items = alerts["items"] if isinstance(alerts, dict) else alerts
    [alert] = [item for item in items if item["rule_id"] == "BREAK_GLASS"]
    assert alert["severity"] == "high"
    assert "admin" in alert["message"]


def test_finding_7_admin_cannot_set_a_password_but_issues_a_one_time_reset_code(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    """Issue 10 finding 7: an admin could reset a clinician's password and sign in as them.
    Now an admin gets a one-time code (shown once, stored hashed, short-lived, single use) that
    the person redeems to set their own password."""
    old_token = _token(client, "clinician")
    admin = _bearer(_token(client, "admin"))
    user_id = cast.user_ids["clinician"]
    refused = client.patch(
        f"/api/users/{user_id}", json={"password": "chosen-by-the-admin-1"}, headers=admin
    )
    assert refused.status_code == 422
    assert "reset code" in refused.json()["detail"]

    issued = client.post(f"/api/users/{user_id}/reset-code", headers=admin)
    assert issued.status_code == 201, issued.text
    code = issued.json()["code"]
    with app.state.session_factory() as session:
        [row] = session.scalars(select(PasswordResetCode)).all()
        assert code not in row.code_sha256
        assert len(row.code_sha256) == 64
        assert row.expires_at - row.created_at == timedelta(minutes=60)
    # The admin's old route to the account is closed: the old password still rules until then.
    assert client.get("/api/auth/me", headers=_bearer(old_token)).status_code == 200

    body = {
        "username": "clinician",
        "code": code.lower().replace("-", " "),
        "new_password": NEW_PASSWORD,
    }
    assert client.post("/api/auth/password-reset", json=body).status_code == 204
    assert client.post("/api/auth/password-reset", json=body).status_code == 422  # single use
    assert client.get("/api/auth/me", headers=_bearer(old_token)).status_code == 401
    _token(client, "clinician", NEW_PASSWORD)
    actions = [(e.action, e.username, e.outcome) for e in _events(app, "reset_code")]
    assert actions == [("reset_code", "admin", "success")]
    redeemed = [(e.username, e.outcome) for e in _events(app, "password_reset")]
    assert redeemed == [("clinician", "success"), (None, "denied")]


def test_finding_7_an_expired_reset_code_is_refused(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    admin = _bearer(_token(client, "admin"))
    code = client.post(f"/api/users/{cast.user_ids['patient']}/reset-code", headers=admin).json()
    with app.state.session_factory() as session, session.begin():
        session.execute(
            update(PasswordResetCode).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    body = {"username": "patient", "code": code["code"], "new_password": NEW_PASSWORD}
    assert client.post("/api/auth/password-reset", json=body).status_code == 422


def test_finding_7_admin_cannot_create_an_account_with_a_known_password(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    """Issue 10 finding 7 ("Admin reaches clinical data ... never let an admin set another
    user's password: send a reset link or one-time code instead"): `POST /api/users` took an
    initial password chosen by the admin, who could create a clinician login, seat it on a care
    team and read records as it, audited only as an ordinary `create`. Now a password in the
    body is refused by name, and the account is created without one: it signs in only after
    its person redeems the one-time setup code."""
    admin = _bearer(_token(client, "admin"))
    chosen = "a password the admin knows well"
    new_user = {"username": "shadow.clinician", "display_name": "Shadow", "role": "clinician"}
    refused = client.post("/api/users", json={**new_user, "password": chosen}, headers=admin)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert [error["field"] for error in problem["errors"]] == ["password"]
    assert "setup_code" in problem["errors"][0]["message"]
    with app.state.session_factory() as session:
        assert session.scalar(select(User).where(User.username == "shadow.clinician")) is None

    created = client.post("/api/users", json=new_user, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["setup_code"]
    for guess in (chosen, created.json()["setup_code"], PASSWORD):
        body = {"username": "shadow.clinician", "password": guess}
        assert client.post("/api/auth/token", json=body).status_code == 401
    [event] = [e for e in _events(app, "create") if e.resource_type == "User"]
    assert "without a password" in (event.detail or "")
    assert (
        "password"
        not in client.get("/openapi.json").json()["components"]["schemas"]["UserCreate"][
            "properties"
        ]
    )


def test_finding_7_a_new_account_chooses_its_own_password_with_its_setup_code(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    """End to end: the admin adds an account and hands over the setup code; the person redeems
    it, choosing their own password, and signs in; the admin's copy of the code is spent."""
    admin = _bearer(_token(client, "admin"))
    new_user = {"username": "dr.rivera", "display_name": "Ana Rivera", "role": "clinician"}
    created = client.post("/api/users", json=new_user, headers=admin).json()
    code = created["setup_code"]
    assert created["id"] > 0
    assert created["role"] == "clinician"
    with app.state.session_factory() as session:
        [row] = session.scalars(select(PasswordResetCode)).all()
        assert row.code_sha256 != code
        assert len(row.code_sha256) == 64
        assert row.user_id == created["id"]
        assert row.expires_at - row.created_at == timedelta(minutes=60)

    weak = {"username": "dr.rivera", "code": code, "new_password": "short"}
    assert client.post("/api/auth/password-reset", json=weak).status_code == 422
    body = {"username": "dr.rivera", "code": code, "new_password": NEW_PASSWORD}
    assert client.post("/api/auth/password-reset", json=body).status_code == 204
    me = client.get("/api/auth/me", headers=_bearer(_token(client, "dr.rivera", NEW_PASSWORD)))
    assert me.json()["username"] == "dr.rivera"

    # The admin kept the code: it is spent, and it is no password either.
    again = {"username": "dr.rivera", "code": code, "new_password": "the admin takes it over"}
    assert client.post("/api/auth/password-reset", json=again).status_code == 422
    as_password = {"username": "dr.rivera", "password": code}
    assert client.post("/api/auth/token", json=as_password).status_code == 401
    redeemed = [(e.username, e.outcome, e.detail) for e in _events(app, "password_reset")]
    assert redeemed[0] == (
        "dr.rivera",
        "success",
        "chose their first password with a one-time setup code",
    )


# Finding 8 ------------------------------------------------------------------------------------


@pytest.mark.real_password_hashing
def test_finding_8_parallel_wrong_passwords_are_checked_at_most_the_limit(
    app: FastAPI, settings: Settings, engine: Engine, cast: Cast
) -> None:
    """Issue 10 finding 8: 30 parallel wrong passwords got 19 checked (limit 5).

    Every guess must reach the login check, so admission control (tests/serving) gets room for
    all 30 at once: on a loaded machine its 2-second queue answered some guesses 503."""
    roomy = settings.model_copy(update={"max_concurrent_requests": 64, "queue_timeout_seconds": 60})
    target = create_app(roomy, engine=engine)

    def guess(number: int) -> int:
        with TestClient(target) as attacker:
            body = {"username": "clinician", "password": f"wrong guess number {number}"}
            return attacker.post("/api/auth/token", json=body).status_code

    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(guess, range(30)))
    checked = [e for e in _events(app, "login") if "failed login" in (e.detail or "")]
    assert len(checked) == settings.login_max_failures
    assert statuses.count(401) == settings.login_max_failures
    assert statuses.count(429) == 30 - settings.login_max_failures


def test_finding_8_an_attacker_cannot_lock_the_owner_out(app: FastAPI, cast: Cast) -> None:
    """Issue 10 finding 8: anyone could lock any account for 5 minutes with 5 wrong passwords.
    Now the pair (account, address) backs off; the account's ceiling is far looser and does not
    apply to addresses the owner signed in from."""
    with TestClient(app, client=("198.51.100.7", 40000)) as owner:
        _token(owner, "clinician")  # the owner's usual workstation
        with TestClient(app, client=("203.0.113.66", 40000)) as attacker:
            for _ in range(12):
                wrong = {"username": "clinician", "password": "not the password at all"}
                assert attacker.post("/api/auth/token", json=wrong).status_code in (401, 429)
            refused = attacker.post(
                "/api/auth/token", json={"username": "clinician", "password": PASSWORD}
            )
            assert refused.status_code == 429
        _token(owner, "clinician")
    with TestClient(app, client=("192.0.2.10", 40000)) as new_laptop:
        _token(new_laptop, "clinician")


def test_finding_8_the_pair_backs_off_exponentially(
    monkeypatch: pytest.MonkeyPatch, client: TestClient, settings: Settings, cast: Cast
) -> None:
    from painpath.services.identity import login_throttle

    moment = utcnow()
    monkeypatch.setattr(login_throttle, "utcnow", lambda: moment)
    wrong = {"username": "patient", "password": "not the password at all"}
    for _ in range(settings.login_max_failures):
        assert client.post("/api/auth/token", json=wrong).status_code == 401
    waits = []
    for _ in range(4):
        refused = client.post("/api/auth/token", json=wrong)
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        moment += timedelta(seconds=waits[-1])
        assert client.post("/api/auth/token", json=wrong).status_code == 401
    assert waits == [30, 60, 120, 240]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_finding_8_forwarded_for_is_trusted_only_from_configured_proxies(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    """Issue 10 finding 8: `X-Forwarded-For` was trusted from any client, so a client could
    name any address in the audit trail and rotate addresses to dodge per-address limits.
    Runs the real server (`painpath serve`, uvicorn) and sends a spoofed header from loopback."""
    if not database_url.startswith("sqlite"):
        pytest.skip("one backend is enough for the server's header handling")
    port = _free_port()
    env = {
        **os.environ,
        "PAINPATH_DATABASE_URL": database_url,
        "PAINPATH_SECRET_KEY": "Zq8-Lp3_Wm9Rt2Yv7Xn4Bc6Hd1Jf5Gs0Kx7Pq2Lm5Nb8Vc",
        "PAINPATH_DATA_DIR": str(tmp_path),
    }
    server = subprocess.Popen(
        [sys.executable, "-c", "from painpath.cli.main import app; app()", "serve",
         "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        for number in range(3):
            httpx.post(
                f"{base}/api/auth/token",
                json={"username": f"nobody{number}", "password": "not a password at all"},
                headers={"X-Forwarded-For": f"192.0.2.{number + 1}"},
                timeout=10,
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
    with engine.connect() as connection:
        addresses = (
            connection.execute(
                select(AuditEvent.client_address).where(AuditEvent.action == "login")
            )
            .scalars()
            .all()
        )
    assert addresses == ["127.0.0.1"] * 3


def test_finding_8_a_configured_proxy_names_the_client(
    settings: Settings, engine: Engine, cast: Cast
) -> None:
    proxied = create_app(
        settings.model_copy(update={"trusted_proxies": "10.0.0.0/8"}), engine=engine
    )
    with TestClient(proxied, client=("10.1.2.3", 40000)) as via_proxy:
        wrong = {"username": "admin", "password": "not the password at all"}
        via_proxy.post("/api/auth/token", json=wrong, headers={"X-Forwarded-For": "198.51.100.9"})
    with TestClient(proxied, client=("198.51.100.20", 40000)) as direct:
        direct.post("/api/auth/token", json=wrong, headers={"X-Forwarded-For": "192.0.2.99"})
    with proxied.state.session_factory() as session:
        query = select(AuditEvent.client_address).where(AuditEvent.action == "login")
        assert session.scalars(query.order_by(AuditEvent.id)).all() == [
            "198.51.100.9",
            "198.51.100.20",
        ]


# Finding 9 (MFA) --------------------------------------------------------------------------


def _enroll(client: TestClient, csrf: str) -> tuple[str, list[str]]:
    started = client.post("/api/auth/mfa/enrollment", headers={"X-CSRF-Token": csrf})
    assert started.status_code == 201, started.text
    secret = started.json()["secret"]
    assert started.json()["otpauth_uri"].startswith("otpauth://totp/painpath:")
    code = totp.code_at(secret, time.time())
    confirmed = client.post(
        "/api/auth/mfa/enrollment/confirm", json={"otp": code}, headers={"X-CSRF-Token": csrf}
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


def test_finding_9_staff_sign_in_with_a_totp_second_factor(
    app: FastAPI, client: TestClient, second_browser: TestClient, cast: Cast
) -> None:
    """Issue 10 finding 9: no multi-factor authentication. Now TOTP (RFC 6238) with recovery
    codes (hashed, single use), an enrollment API and a login step."""
    csrf = _login(client, "clinician")
    secret, recovery = _enroll(client, csrf)
    assert len(recovery) == 10
    with app.state.session_factory() as session:
        stored = session.scalars(select(RecoveryCode.code_sha256)).all()
        assert len(stored) == 10
        assert not set(recovery) & set(stored)

    signed_in = second_browser.post(
        "/api/auth/login", json={"username": "clinician", "password": PASSWORD}
    )
    assert signed_in.json()["status"] == "mfa_required"
    assert second_browser.get("/api/auth/me").status_code == 401
    csrf2 = signed_in.json()["csrf_token"]
    wrong = second_browser.post(
        "/api/auth/mfa/verify", json={"otp": "000000"}, headers={"X-CSRF-Token": csrf2}
    )
    assert wrong.status_code == 401
    next_code = totp.code_at(secret, time.time() + totp.STEP_SECONDS)
    verified = second_browser.post(
        "/api/auth/mfa/verify", json={"otp": next_code}, headers={"X-CSRF-Token": csrf2}
    )
    assert verified.status_code == 204, verified.text
    assert second_browser.get("/api/auth/me").json()["mfa_enabled"] is True

    body = {"username": "clinician", "password": PASSWORD}
    assert client.post("/api/auth/token", json=body).status_code == 401
    replayed = client.post("/api/auth/token", json={**body, "otp": next_code})
    assert replayed.status_code == 401  # a code is accepted once
    _token(client, "clinician", otp=recovery[0])
    assert client.post("/api/auth/token", json={**body, "otp": recovery[0]}).status_code == 401
    outcomes = [(e.outcome, e.detail) for e in _events(app, "mfa_verify")]
    assert ("success", "recovery code used") in outcomes
    assert ("denied", "wrong second-factor code") in outcomes


def test_finding_9_staff_must_enroll_where_mfa_is_enforced(
    settings: Settings, engine: Engine, cast: Cast
) -> None:
    enforced = create_app(settings.model_copy(update={"mfa_required": True}), engine=engine)
    with TestClient(enforced) as browser:
        body = {"username": "pharmacist", "password": PASSWORD}
        assert browser.post("/api/auth/token", json=body).status_code == 403
        signed_in = browser.post("/api/auth/login", json=body).json()
        assert signed_in["status"] == "mfa_enrollment_required"
        assert browser.get("/api/auth/me").status_code == 401
        assert browser.get("/api/patients").status_code == 401
        _enroll(browser, signed_in["csrf_token"])
        assert browser.get("/api/auth/me").json()["username"] == "pharmacist"
        # Patients are not required to enroll.
        patient = browser.post(
            "/api/auth/login", json={"username": "patient", "password": PASSWORD}
        )
        assert patient.json()["status"] == "complete"


def test_finding_9_sensitive_actions_need_a_recent_password(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    """Re-authentication for sensitive actions: password change, MFA changes, admin changes."""
    csrf = _login(client, "admin")
    with app.state.session_factory() as session, session.begin():
        session.execute(update(AuthSession).values(authenticated_at=utcnow() - timedelta(hours=1)))
    headers = {"X-CSRF-Token": csrf}
    url = f"/api/users/{cast.user_ids['clinician']}/reset-code"
    stale = client.post(url, headers=headers)
    assert stale.status_code == 403
    assert stale.json()["title"] == "Re-authentication required"
    assert client.delete("/api/auth/mfa", headers=headers).status_code == 403
    again = client.post("/api/auth/reauthenticate", json={"password": PASSWORD}, headers=headers)
    assert again.status_code == 204
    assert client.post(url, headers=headers).status_code == 201
    assert [e.outcome for e in _events(app, "reauthenticate")] == ["success"]


def test_a_reset_with_nul_characters_is_refused_not_a_server_error(
    client: TestClient, cast: Cast
) -> None:
    body = {"username": "clin\x00ician", "code": "AAAA-\x00", "new_password": NEW_PASSWORD}
    assert client.post("/api/auth/password-reset", json=body).status_code == 422
