"""The sign-in security pages: the second-factor step, enrollment, reset codes, sign-out."""

from __future__ import annotations

import re
import time

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from painpath.auth import totp
from painpath.config import Settings
from painpath.web.app import create_app
from tests.support.cohort import PASSWORD, Cast
from tests.web.test_ui_pages import csrf_from, sign_in

SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
RESET_CODE = re.compile(r'id="reset-code">([A-Z2-7-]+)<')
CODE_ITEM = re.compile(r'<li class="code">([A-Z2-7-]+)</li>')


def _enroll_on_the_page(browser: TestClient) -> tuple[str, list[str]]:
    page = browser.get("/account/security")
    started = browser.post("/account/mfa/enrollment", data={"csrf_token": csrf_from(page.text)})
    assert started.status_code == 200, started.text
    match = SECRET.search(started.text)
    assert match
    secret = match.group(1)
    confirmed = browser.post(
        "/account/mfa/confirm",
        data={"csrf_token": csrf_from(started.text), "otp": totp.code_at(secret, time.time())},
    )
    assert confirmed.status_code == 200, confirmed.text
    codes = CODE_ITEM.findall(confirmed.text)
    assert len(codes) == 10
    return secret, codes


def test_staff_enroll_and_then_sign_in_with_a_code(client: TestClient, cast: Cast) -> None:
    assert sign_in(client, "clinician").headers["location"] == "/panel"
    secret, _ = _enroll_on_the_page(client)
    logout_page = client.get("/account/security")
    client.post("/logout", data={"csrf_token": csrf_from(logout_page.text)})

    answer = sign_in(client, "clinician", next="/panel")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login/mfa?next=/panel"
    assert client.get("/panel", follow_redirects=False).headers["location"].startswith("/login")
    form = client.get("/login/mfa?next=/panel")
    wrong = client.post(
        "/login/mfa", data={"csrf_token": csrf_from(form.text), "otp": "123456", "next": "/panel"}
    )
    assert wrong.status_code == 422
    assert "That code is not right" in wrong.text
    code = totp.code_at(secret, time.time() + totp.STEP_SECONDS)
    right = client.post(
        "/login/mfa",
        data={"csrf_token": csrf_from(wrong.text), "otp": code, "next": "/panel"},
        follow_redirects=False,
    )
    assert right.headers["location"] == "/panel"
    assert client.get("/panel").status_code == 200


def test_where_mfa_is_required_staff_enroll_before_anything_else(
    settings: Settings, engine: Engine, cast: Cast
) -> None:
    enforced = create_app(settings.model_copy(update={"mfa_required": True}), engine=engine)
    with TestClient(enforced) as browser:
        assert sign_in(browser, "pharmacist").headers["location"] == "/account/security"
        assert browser.get("/panel", follow_redirects=False).status_code == 303
        assert "Your role must use a second factor" in browser.get("/account/security").text
        _enroll_on_the_page(browser)
        assert browser.get("/panel").status_code == 200


def test_admin_issues_a_reset_code_on_the_users_page_and_the_person_redeems_it(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    sign_in(client, "admin")
    users = client.get("/admin/users")
    assert 'action="/admin/users/' in users.text
    issued = client.post(
        f"/admin/users/{cast.user_ids['patient']}/reset-code",
        data={"csrf_token": csrf_from(users.text)},
    )
    assert issued.status_code == 200
    match = RESET_CODE.search(issued.text)
    assert match
    with TestClient(app) as person:
        form = person.get("/reset-password")
        assert 'type="password"' in form.text
        weak = person.post(
            "/reset-password",
            data={
                "csrf_token": csrf_from(form.text),
                "username": "patient",
                "code": match.group(1),
                "new_password": "password12",
            },
        )
        assert weak.status_code == 422
        assert "at least 15 characters" in weak.text
        done = person.post(
            "/reset-password",
            data={
                "csrf_token": csrf_from(weak.text),
                "username": "patient",
                "code": match.group(1),
                "new_password": "my own new passphrase, at last",
            },
            follow_redirects=False,
        )
        assert done.headers["location"] == "/login"
        assert sign_in(person, "patient", "my own new passphrase, at last").status_code == 303
        assert sign_in(person, "patient", PASSWORD).status_code == 422


def test_signing_out_ends_the_session_on_the_server(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    sign_in(client, "pharmacist")
    copied = client.cookies["painpath_session"]
    page = client.get("/panel")
    client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    with TestClient(app) as other:
        other.cookies.set("painpath_session", copied)
        assert other.get("/panel", follow_redirects=False).status_code == 303
