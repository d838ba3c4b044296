"""The therapy pages: reachable from the patient page, refusals shown with nothing written,
patients read-only. SQLite and PostgreSQL."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.support.cohort import PASSWORD, Cast
from tests.support.walk import BOOKKEEPING_TABLES, database_snapshot
from tests.therapies.helpers import CANDIDACY, days_ago

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client: TestClient, username: str) -> None:
    page = client.get("/login")
    token = CSRF.search(page.text)
    assert token is not None
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def csrf(client: TestClient, path: str) -> str:
    found = CSRF.search(client.get(path).text)
    assert found is not None
    return found.group(1)


def test_a_clinician_reaches_the_courses_from_the_patient_page_and_sees_refusals(
    client: TestClient, cast: Cast, engine: Engine
) -> None:
    sign_in(client, "clinician")
    patient = client.get(f"/patients/{cast.home_patient_id}")
    assert f'href="/patients/{cast.home_patient_id}/therapies"' in patient.text
    courses = f"/patients/{cast.home_patient_id}/therapies"
    opened = client.post(
        courses,
        data={
            "therapy": "tnf_inhibitor",
            "product": "adalimumab",
            "csrf_token": csrf(client, courses),
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303
    course = opened.headers["location"]
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)

    refused = client.post(
        f"{course}/start", data={"started_on": days_ago(0), "csrf_token": csrf(client, course)}
    )

    assert refused.status_code == 409
    assert "screening incomplete" in refused.text
    assert "Latent tuberculosis test" in refused.text
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before

    scs = client.post(
        courses,
        data={"therapy": "spinal_cord_stimulation", "csrf_token": csrf(client, courses)},
        follow_redirects=False,
    ).headers["location"]
    token = csrf(client, scs)
    for item, result in CANDIDACY.items():
        client.post(
            f"{scs}/checks",
            data={"item": item, "result": result, "checked_on": days_ago(2), "csrf_token": token},
        )
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)
    refused = client.post(
        f"{scs}/implant",
        data={
            "implanted_on": days_ago(0),
            "device": "IPG",
            "mr_labelling": "mr_unsafe",
            "lead_location": "T9",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 409
    assert "requires a successful trial" in refused.text
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before

    bad = client.post(
        f"{scs}/trial/days",
        data={
            "day": days_ago(0),
            "relief_percent": "abc",
            "function": "better",
            "csrf_token": token,
        },
    )
    assert bad.status_code in (409, 422)


def test_a_patient_sees_their_courses_read_only(client: TestClient, cast: Cast) -> None:
    sign_in(client, "clinician")
    courses = f"/patients/{cast.home_patient_id}/therapies"
    course = client.post(
        courses,
        data={
            "therapy": "prp_injection",
            "product": "prp_leukocyte_poor",
            "csrf_token": csrf(client, courses),
        },
        follow_redirects=False,
    ).headers["location"]
    client.cookies.clear()
    sign_in(client, "patient")
    home = client.get("/me", follow_redirects=True)
    assert f'href="/patients/{cast.home_patient_id}/therapies"' in home.text
    page = client.get(course)
    assert page.status_code == 200
    assert "Checks before the first injection" in page.text
    assert '<form method="post" action="' + course not in page.text
    token = csrf(client, course)
    assert (
        client.post(
            f"{course}/status-acknowledgement", data={"acknowledged": "yes", "csrf_token": token}
        ).status_code
        == 403
    )


def test_an_administrator_switches_the_trial_requirement_on_its_page(
    client: TestClient, cast: Cast
) -> None:
    sign_in(client, "admin")
    page = client.get("/admin/users")
    assert 'href="/admin/clinic-settings"' in page.text
    token = csrf(client, "/admin/clinic-settings")
    assert "<strong>required</strong>" in client.get("/admin/clinic-settings").text

    client.post("/admin/clinic-settings", data={"csrf_token": token})

    assert "<strong>not required</strong>" in client.get("/admin/clinic-settings").text
    client.cookies.clear()
    sign_in(client, "clinician")
    assert client.get("/admin/clinic-settings").status_code == 403
    token = csrf(client, f"/patients/{cast.home_patient_id}/therapies")
    refused = client.post(
        "/admin/clinic-settings", data={"csrf_token": token, "require_trial": "on"}
    )
    assert refused.status_code == 403
