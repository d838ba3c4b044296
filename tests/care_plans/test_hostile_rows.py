"""Stored care-plan rows are hostile: a goal kind or a therapy this release does not know (an
older or newer knowledge version wrote it) must not break the plan's pages, API or export."""

from __future__ import annotations

import re
from datetime import date

from fastapi import FastAPI
from fastapi.testclient import TestClient

from painpath.models.care_plan import (
    CareActivityStatus,
    CareGoalLifecycle,
    CarePlan,
    CarePlanActivity,
    CarePlanGoal,
    CareStopReason,
)
from painpath.services.care.plans.tried import tried_from_plan
from painpath.services.transaction import unit_of_work
from tests.support.cohort import PASSWORD, Cast

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
Headers = dict[str, str]


def test_unknown_goal_kinds_and_therapies_are_shown_not_fatal(
    app: FastAPI, client: TestClient, cast: Cast, clinician: Headers, plan_url: str
) -> None:
    patient_id = cast.home_patient_id
    with unit_of_work(app.state.session_factory) as session:
        plan = CarePlan(patient_id=patient_id, title="Older plan")
        session.add(plan)
        session.flush()
        session.add_all(
            [
                CarePlanGoal(
                    patient_id=patient_id,
                    plan_id=plan.id,
                    kind="koos_jr_min",
                    description="KOOS JR above 70",
                    target=70,
                    start_date=date(2026, 1, 5),
                    lifecycle_status=CareGoalLifecycle.active,
                ),
                CarePlanActivity(
                    patient_id=patient_id,
                    plan_id=plan.id,
                    therapy="retired_therapy",
                    family="complementary",
                    title="A therapy the knowledge dropped",
                    status=CareActivityStatus.stopped,
                    stop_reason=CareStopReason.intolerance,
                    start_date=date(2026, 1, 1),
                    stop_date=date(2026, 2, 1),
                ),
            ]
        )
    read = client.get(plan_url, headers=clinician)
    assert read.status_code == 200, read.text
    assert read.json()["goals"][0]["achievement_status"] is None
    assert client.get(f"{plan_url}/fhir", headers=clinician).status_code == 200
    assert client.post(f"{plan_url}/goals/evaluate", headers=clinician).status_code == 200
    with app.state.session_factory() as session:
        assert tried_from_plan(session, patient_id) == []

    token = CSRF_FIELD.search(client.get("/login").text)
    assert token
    form = {"username": "clinician", "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    page = client.get(f"/patients/{patient_id}/care")
    assert page.status_code == 200
    assert "KOOS JR above 70" in page.text
    assert "A therapy the knowledge dropped" in page.text
