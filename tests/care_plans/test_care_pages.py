"""The care pages on SQLite and PostgreSQL: the clinician builds the plan from the suggestions
(reasons and sources shown), a refused form writes nothing, and the patient sees their plan."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from painpath.db.base import Base
from painpath.models.care_plan import CarePlanActivity, CarePlanGoal, CarePlanSession
from tests.support.cohort import PASSWORD, Cast
from tests.support.walk import condition_body

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
Headers = dict[str, str]


def sign_in(client: TestClient, username: str) -> str:
    match = CSRF_FIELD.search(client.get("/login").text)
    assert match
    form = {"username": username, "password": PASSWORD, "csrf_token": match.group(1)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    page = client.get("/me" if username == "patient" else "/panel")
    token = CSRF_FIELD.search(page.text)
    assert token
    return token.group(1)


def test_a_clinician_builds_the_plan_from_the_suggestions(
    app: FastAPI,
    client: TestClient,
    cast: Cast,
    clinician: Headers,
    count: Callable[[type[Base]], int],
) -> None:
    base = f"/api/patients/{cast.home_patient_id}"
    assert client.post(f"{base}/conditions", json=condition_body(), headers=clinician).is_success
    token = sign_in(client, "clinician")
    summary = client.get(f"/patients/{cast.home_patient_id}")
    assert f'href="/patients/{cast.home_patient_id}/care"' in summary.text

    page = client.get(f"/patients/{cast.home_patient_id}/care")
    assert page.status_code == 200, page.text
    assert "Care suggestions" in page.text
    assert "Chronic low back pain" in page.text
    assert "ACP 2017 (US) Recommendation 2" in page.text  # a reason, with its source
    assert "Qaseem A, et al. Ann Intern Med 2017" in page.text
    assert 'data-suggestion="exercise_therapy"' in page.text

    care = f"/patients/{cast.home_patient_id}/care"
    added = client.post(
        f"{care}/activities",
        data={"csrf_token": token, "therapy": "exercise_therapy", "basis": "first line: ACP"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    goal = client.post(
        f"{care}/goals",
        data={"csrf_token": token, "kind": "peg_max", "target": "", "start_date": "2026-01-05"},
        follow_redirects=False,
    )
    assert goal.status_code == 303
    with app.state.session_factory() as session:
        activity = session.query(CarePlanActivity).one()
        assert (activity.therapy, activity.basis) == ("exercise_therapy", "first line: ACP")
    booked = client.post(
        f"{care}/activities/{activity.id}/sessions",
        data={"csrf_token": token, "template": "physiotherapy_course", "first_day": "2026-01-06"},
        follow_redirects=False,
    )
    assert booked.status_code == 303
    assert count(CarePlanSession) == 6

    shown = client.get(care).text
    assert "Sessions booked." in shown  # the flash, once
    assert "Sessions booked." not in client.get(care).text
    assert "Bring your PEG pain score down to 4 or less" in shown
    assert "0 of 6 attended" in shown


def test_a_refused_form_writes_nothing_and_says_why(
    client: TestClient, cast: Cast, count: Callable[[type[Base]], int]
) -> None:
    token = sign_in(client, "clinician")
    care = f"/patients/{cast.home_patient_id}/care"
    bad_goal = client.post(
        f"{care}/goals",
        data={"csrf_token": token, "kind": "peg_max", "target": "11", "start_date": "2026-01-05"},
    )
    assert bad_goal.status_code == 422
    assert "target" in bad_goal.text
    assert "between 0 and 10" in bad_goal.text
    assert count(CarePlanGoal) == 0

    activity = client.post(
        f"{care}/activities", data={"csrf_token": token, "therapy": "cbt"}, follow_redirects=False
    )
    assert activity.status_code == 303
    stop = client.post(
        f"{care}/activities/1", data={"csrf_token": token, "status": "stopped", "reason": ""}
    )
    assert stop.status_code == 422
    assert "needs a reason" in stop.text
    assert count(CarePlanActivity) == 1


def test_the_patient_sees_their_plan_and_what_is_due(
    client: TestClient, cast: Cast, clinician: Headers
) -> None:
    plan = f"/api/patients/{cast.home_patient_id}/care-plan"
    client.post(
        f"{plan}/goals",
        json={"kind": "daily_steps_min", "start_date": "2026-01-05"},
        headers=clinician,
    )
    activity = client.post(f"{plan}/activities", json={"therapy": "cbt"}, headers=clinician).json()
    client.post(
        f"{plan}/activities/{activity['id']}/sessions",
        json={"template": "cbt_weekly", "first_day": "2030-01-07"},
        headers=clinician,
    )
    sign_in(client, "patient")
    home = client.get("/me").text
    assert f'href="/patients/{cast.home_patient_id}/care"' in home
    page = client.get(f"/patients/{cast.home_patient_id}/care")
    assert page.status_code == 200
    assert "My care plan" in page.text
    assert "Walk 6,000 steps a day on at least 5 days a week" in page.text
    assert "Cognitive behavioural therapy for pain: session 1 of 8 on Monday 7 January 2030" in (
        page.text
    )
    assert "Care suggestions" not in page.text  # suggestions are for the care team
    assert "csrf_token" not in page.text.split("<main", 1)[1].split("</main>")[0]  # no forms
