"""The server-rendered pages: sign-in, panel, patient summary, admin, and their HTML errors."""

from __future__ import annotations

import re
from datetime import date

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.auth.passwords import has_password
from painpath.models import (
    AdministrativeGender,
    AuditEvent,
    CareTeam,
    CareTeamParticipant,
    LoginAttempt,
    Patient,
    User,
)
from painpath.models.medication import PeriodUnit
from painpath.services.transaction import unit_of_work
from painpath.web.ui.deps import safe_next
from painpath.web.ui.formatting import age_in_years, number, timing_text
from tests.browser.clinical_record import OLD_PAIN_SCORE, TEXT, seed_clinical_record
from tests.support.cohort import PASSWORD, Cast

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
FOREIGN_NAME = "Farah"
HOME_NAME = "Hana"


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(
    client: TestClient, username: str, password: str = PASSWORD, **extra: str
) -> httpx2.Response:
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, **extra},
        follow_redirects=False,
    )


def audit_events(app: FastAPI, **filters: object) -> list[AuditEvent]:
    with app.state.session_factory() as session:
        query = select(AuditEvent).filter_by(**filters).order_by(AuditEvent.id)
        return list(session.scalars(query))


@pytest.fixture
def record(app: FastAPI, cast: Cast) -> Cast:
    seed_clinical_record(app.state.session_factory, cast)
    return cast


# Signing in and out


def test_login_page_has_a_labelled_form_with_a_csrf_token(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<label for="username">' in response.text
    assert '<label for="password">' in response.text
    assert csrf_from(response.text)
    # Pages read the cookie session only: a stray bearer header does not bounce the login page.
    assert client.get("/login", headers={"Authorization": "Bearer stale"}).status_code == 200


HOME_BY_USER = {
    "clinician": "/panel",
    "pharmacist": "/panel",
    "admin": "/admin/users",
    "patient": "/me",
}


def test_signing_in_sends_each_role_to_its_home(client: TestClient, cast: Cast) -> None:
    for username, home in HOME_BY_USER.items():
        client.cookies.clear()
        response = sign_in(client, username)
        assert response.status_code == 303, username
        assert response.headers["location"] == home
        assert client.get("/", follow_redirects=False).headers["location"] == home


def test_login_without_the_form_token_is_refused(client: TestClient, cast: Cast) -> None:
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": "clinician", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "The sign-in form had expired" in response.text
    assert client.get("/panel", follow_redirects=False).status_code == 303  # still signed out


def test_wrong_password_shows_a_clear_message_and_counts_the_attempt(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    response = sign_in(client, "clinician", "not-the-password")
    assert response.status_code == 422
    assert "The username or password is not right" in response.text
    assert 'value="clinician"' in response.text  # the username is kept, the password is not
    with app.state.session_factory() as session:
        attempts = session.scalars(select(LoginAttempt)).all()
    assert [(a.username, a.succeeded) for a in attempts] == [("clinician", False)]
    assert [e.outcome for e in audit_events(app, action="login")] == ["denied"]


def test_too_many_failures_show_the_rate_limit_message(client: TestClient, cast: Cast) -> None:
    for _ in range(5):
        assert sign_in(client, "clinician", "not-the-password").status_code == 422
    response = sign_in(client, "clinician")  # even the right password waits
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert response.headers["retry-after"] == "30"  # the first back-off (docs/security.md)
    assert "Wait 30 seconds" in response.text


def test_sign_in_returns_to_the_page_asked_for(client: TestClient, cast: Cast) -> None:
    target = f"/patients/{cast.home_patient_id}"
    first = client.get(target, follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == f"/login?next={target}"
    login_page = client.get(first.headers["location"])
    assert f'name="next" value="{target}"' in login_page.text
    response = sign_in(client, "clinician", next=target)
    assert response.headers["location"] == target


OFF_SITE = ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]


def test_sign_in_never_redirects_off_site(client: TestClient, cast: Cast) -> None:
    for target in OFF_SITE:
        client.cookies.clear()
        assert sign_in(client, "clinician", next=target).headers["location"] == "/panel"


@pytest.mark.parametrize("target", OFF_SITE)
def test_only_local_paths_are_followed_after_sign_in(target: str) -> None:
    assert safe_next(target) is None
    assert safe_next("/patients/3?tab=pain") == "/patients/3?tab=pain"


def test_signing_out_needs_the_form_token(client: TestClient, cast: Cast) -> None:
    sign_in(client, "clinician")
    forged = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "This form has expired" in forged.text
    assert client.get("/panel").status_code == 200
    token = csrf_from(client.get("/panel").text)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == "/login"
    assert "You have signed out." in client.get("/login").text
    assert client.get("/panel", follow_redirects=False).headers["location"] == "/login?next=/panel"


@pytest.mark.parametrize("path", ["/panel", "/me", "/admin/users", "/patients/1"])
def test_pages_send_strangers_to_sign_in(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


# The panel


def test_panel_shows_the_home_patient_and_not_the_foreign_one(
    client: TestClient, cast: Cast
) -> None:
    sign_in(client, "clinician")
    response = client.get("/panel")
    assert response.status_code == 200
    assert f'href="/patients/{cast.home_patient_id}"' in response.text
    assert HOME_NAME in response.text
    assert FOREIGN_NAME not in response.text
    assert f"/patients/{cast.foreign_patient_id}" not in response.text


def test_panel_search_by_mrn_and_name(client: TestClient, cast: Cast) -> None:
    sign_in(client, "pharmacist")
    assert HOME_NAME in client.get("/panel", params={"q": "home-1"}).text
    assert HOME_NAME in client.get("/panel", params={"q": "han"}).text
    away = client.get("/panel", params={"q": "AWAY"})
    assert FOREIGN_NAME not in away.text
    assert "No patients on your care teams match" in away.text


def test_panel_pages_through_a_long_list(app: FastAPI, client: TestClient, cast: Cast) -> None:
    with unit_of_work(app.state.session_factory) as session:
        for number_ in range(25):
            patient = Patient(
                mrn=f"PANEL-{number_:02d}",
                given_name=f"Given{number_:02d}",
                family_name=f"Panel{number_:02d}",
                birth_date=date(1980, 1, 1),
                gender=AdministrativeGender.other,
            )
            session.add(patient)
            session.flush()
            team = CareTeam(patient_id=patient.id, name="Panel team")
            team.participants.append(CareTeamParticipant(user_id=cast.user_ids["clinician"]))
            session.add(team)
    sign_in(client, "clinician")
    first = client.get("/panel")
    assert "1–20 of 26" in first.text
    assert 'href="/panel?page=2"' in first.text
    second = client.get("/panel", params={"page": 2})
    assert "21–26 of 26" in second.text
    assert "Panel24" in second.text
    assert "Page 2 of 2" in second.text
    searched = client.get("/panel", params={"q": "panel", "page": 2})
    assert "21–25 of 25" in searched.text


def test_patient_users_have_no_panel(client: TestClient, cast: Cast) -> None:
    sign_in(client, "patient")
    assert client.get("/panel", follow_redirects=False).headers["location"] == "/me"


# The patient summary


def test_patient_page_shows_every_section(client: TestClient, record: Cast) -> None:
    sign_in(client, "clinician")
    response = client.get(f"/patients/{record.home_patient_id}")
    assert response.status_code == 200
    page = response.text
    assert "Hana Synthetic" in page
    assert "HOME-1" in page
    assert "1970-05-17" in page
    assert TEXT.home_condition in page
    assert TEXT.resolved_condition not in page  # resolved: not an active condition
    assert TEXT.home_prn_sig in page
    assert TEXT.home_scheduled_sig in page
    assert ">PRN<" in page
    assert TEXT.stopped_medicine not in page  # stopped: not an active request
    assert TEXT.home_gene in page
    assert TEXT.home_phenotype in page
    assert "Pain scores, last 30 days" in page
    assert 'data-line-chart="pain-scores-table"' in page  # drawn by ECharts from its table
    assert page.count("<tr data-x=") == 5  # the 45-day-old score is outside the window
    assert f"<td>{number(OLD_PAIN_SCORE[1])}</td>" not in page
    assert "painpath supports clinicians and does not replace their judgement." in page
    for foreign_word in (FOREIGN_NAME, TEXT.foreign_condition, TEXT.foreign_medicine):
        assert foreign_word not in page


def test_patient_page_with_an_empty_record_says_so(client: TestClient, cast: Cast) -> None:
    sign_in(client, "pharmacist")
    page = client.get(f"/patients/{cast.home_patient_id}").text
    assert "No active conditions recorded." in page
    assert "No active medication requests." in page
    assert "No pharmacogene results on file." in page
    assert "No pain scores in the last 30 days." in page


def test_patient_user_lands_on_their_own_record(client: TestClient, record: Cast) -> None:
    response = sign_in(client, "patient")
    landing = client.get(response.headers["location"])
    assert landing.url.path == f"/patients/{record.home_patient_id}"
    assert "Your record" in landing.text
    assert TEXT.home_prn_sig in landing.text


def test_patient_user_gets_a_403_page_for_someone_else(
    app: FastAPI, client: TestClient, record: Cast
) -> None:
    sign_in(client, "patient")
    response = client.get(f"/patients/{record.foreign_patient_id}")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "You do not have access to this page" in response.text
    for foreign_word in (FOREIGN_NAME, "AWAY-1", TEXT.foreign_condition, TEXT.foreign_gene):
        assert foreign_word not in response.text
    [denial] = audit_events(app, patient_id=record.foreign_patient_id, outcome="denied")
    assert denial.user_id == record.user_ids["patient"]
    assert denial.resource_type == "Patient"
    assert denial.path == f"/patients/{record.foreign_patient_id}"


def test_clinician_off_the_care_team_gets_the_403_page(
    app: FastAPI, client: TestClient, record: Cast
) -> None:
    sign_in(client, "other_clinician")
    response = client.get(f"/patients/{record.home_patient_id}")
    assert response.status_code == 403
    assert HOME_NAME not in response.text
    assert audit_events(app, patient_id=record.home_patient_id, outcome="denied")


def test_unknown_and_malformed_patient_ids_get_html_errors(client: TestClient, cast: Cast) -> None:
    sign_in(client, "clinician")
    missing = client.get("/patients/999999")
    assert missing.status_code == 403  # the same answer as out of scope: ids are not probed
    malformed = client.get("/patients/not-a-number")
    assert malformed.status_code == 404
    assert "We could not find that page" in malformed.text
    bad_query = client.get("/panel", params={"page": 0})
    assert bad_query.status_code == 422
    assert bad_query.headers["content-type"].startswith("text/html")


def test_the_json_api_keeps_problem_details(client: TestClient, cast: Cast) -> None:
    sign_in(client, "clinician")
    response = client.get(f"/api/patients/{cast.foreign_patient_id}")
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/api/patients").status_code == 200  # the cookie session works there too


# The audit trail of page views


def test_each_page_read_of_patient_data_is_audited(
    app: FastAPI, client: TestClient, record: Cast
) -> None:
    sign_in(client, "clinician")
    clinician = record.user_ids["clinician"]
    client.get("/panel")
    [search] = audit_events(app, action="search", user_id=clinician)
    assert search.patient_id == record.home_patient_id
    assert search.path == "/panel"

    client.get(f"/patients/{record.home_patient_id}")
    [read] = audit_events(app, action="read", user_id=clinician)
    assert (read.patient_id, read.resource_type, read.outcome) == (
        record.home_patient_id,
        "Patient",
        "success",
    )
    assert read.path == f"/patients/{record.home_patient_id}"
    assert read.detail is not None
    for section in ("conditions", "medication requests", "pharmacogenes", "pain scores"):
        assert section in read.detail


def test_a_patient_reading_their_record_is_audited(
    app: FastAPI, client: TestClient, record: Cast
) -> None:
    sign_in(client, "patient")
    client.get("/me")
    [read] = audit_events(app, action="read", user_id=record.user_ids["patient"])
    assert read.patient_id == record.home_patient_id


# Administration


def test_admin_sees_users_and_no_clinical_data(client: TestClient, record: Cast) -> None:
    sign_in(client, "admin")
    response = client.get("/admin/users")
    assert response.status_code == 200
    for username in ("clinician", "pharmacist", "other_patient"):
        assert f">{username}</th>" in response.text
    assert "6 accounts" in response.text
    for clinical in (TEXT.home_condition, TEXT.home_gene, "HOME-1", TEXT.foreign_condition):
        assert clinical not in response.text


def test_admin_adds_a_user(app: FastAPI, client: TestClient, cast: Cast) -> None:
    sign_in(client, "admin")
    token = csrf_from(client.get("/admin/users").text)
    response = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "username": "new.pharmacist",
            "display_name": "New Pharmacist",
            "role": "pharmacist",
            "npi": "1234567893",
        },
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert "Added pharmacist account “new.pharmacist”." in response.text
    assert "Setup code for new.pharmacist" in response.text
    code = re.search(r'<p class="code" id="reset-code">([^<]+)</p>', response.text)
    assert code
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", code.group(1))
    assert ">new.pharmacist</th>" in response.text
    assert "awaiting setup code" in response.text
    with app.state.session_factory() as session:
        user = session.scalars(select(User).where(User.username == "new.pharmacist")).one()
    assert (user.display_name, user.npi) == ("New Pharmacist", "1234567893")
    assert not has_password(user.password_hash)
    assert "Initial password" not in client.get("/admin/users").text


BAD_USER_FORMS = [
    ({"username": "Bad Name"}, "username", "Use 3–64 characters"),
    ({"username": "clinician"}, "username", "Username &#39;clinician&#39; is taken"),
    ({"display_name": ""}, "display_name", "This field is required."),
    ({"role": "patient"}, "patient_id", "A patient account needs patient_id"),
    ({"role": "patient", "patient_id": "x1"}, "patient_id", "a whole number"),
    ({"npi": "12"}, "npi", "exactly 10 digits"),
    ({"role": "superuser"}, "role", "Choose one of the roles"),
]


def test_add_user_form_shows_errors_beside_the_field(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    sign_in(client, "admin")
    token = csrf_from(client.get("/admin/users").text)
    for changes, field, message in BAD_USER_FORMS:
        form = {
            "csrf_token": token,
            "username": "someone",
            "display_name": "Some One",
            "role": "clinician",
            **changes,
        }
        response = client.post("/admin/users", data=form)
        assert response.status_code in (409, 422), changes
        error = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', response.text)
        assert error, (changes, response.text)
        assert message in error.group(1)
        assert re.search(rf'aria-describedby="[^"]*{field}-error"', response.text)
        assert "The account was not added." in response.text
        if field != "username":
            assert 'value="someone"' in response.text  # what was typed is kept
    with app.state.session_factory() as session:
        assert session.scalars(select(User).where(User.username == "someone")).first() is None


def test_add_user_without_the_form_token_is_refused(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    sign_in(client, "admin")
    response = client.post(
        "/admin/users",
        data={
            "username": "sneaky",
            "display_name": "Sneaky",
            "role": "admin",
        },
    )
    assert response.status_code == 403
    with app.state.session_factory() as session:
        assert session.scalars(select(User).where(User.username == "sneaky")).first() is None


def test_only_admins_see_the_user_pages(client: TestClient, cast: Cast) -> None:
    for username in ("clinician", "patient"):
        client.cookies.clear()
        sign_in(client, username)
        response = client.get("/admin/users")
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "other_clinician" not in response.text
        posted = client.post(
            "/admin/users",
            data={
                "csrf_token": csrf_from(response.text),
                "username": "escalated",
                "display_name": "Escalated",
                "role": "admin",
            },
        )
        assert posted.status_code == 403


def test_the_stylesheet_is_served_locally(client: TestClient) -> None:
    response = client.get("/static/painpath.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "http" not in client.get("/login").text.split("<body>")[0].replace(
        'content="width=device-width', ""
    )


# Formatting (no database)


@pytest.mark.parametrize(
    ("frequency", "period", "unit", "words"),
    [
        (1, 6, PeriodUnit.hour, "every 6 h"),
        (1, 1, PeriodUnit.day, "once daily"),
        (2, 1, PeriodUnit.day, "twice daily"),
        (3, 1, PeriodUnit.day, "3 times daily"),
        (1, 3, PeriodUnit.day, "every 3 d"),
        (1, 1, PeriodUnit.week, "once weekly"),
        (2, 12, PeriodUnit.hour, "twice every 12 h"),
        (1, 0.5, PeriodUnit.hour, "every 0.5 h"),
    ],
)
def test_timing_reads_like_a_prescription(
    frequency: int, period: float, unit: PeriodUnit, words: str
) -> None:
    assert timing_text(frequency, period, unit) == words


@pytest.mark.parametrize(("value", "text"), [(10.0, "10"), (7.5, "7.5"), (0.125, "0.125")])
def test_numbers_drop_trailing_zeros(value: float, text: str) -> None:
    assert number(value) == text


def test_age_counts_whole_years() -> None:
    assert age_in_years(date(1970, 5, 17), date(2026, 5, 16)) == 55
    assert age_in_years(date(1970, 5, 17), date(2026, 5, 17)) == 56


def test_a_nul_byte_in_the_sign_in_form_is_refused_not_a_server_error(
    client: TestClient, cast: Cast
) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = client.post(
        "/login",
        data={"username": "clin\x00ician", "password": "x", "csrf_token": token.group(1)},
    )
    assert response.status_code == 422
