"""The care-plan API on SQLite and PostgreSQL: building a plan, the lifecycles, refusals that
write nothing, courses that complete from attendance, `tried`, and the audit of every call."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.db.base import Base
from painpath.models.audit_event import AuditEvent, AuditOutcome
from painpath.models.care_plan import CarePlan, CarePlanActivity, CarePlanGoal, CarePlanSession
from painpath.services.care.plans.tried import tried_from_plan
from tests.support.cohort import Cast

Headers = dict[str, str]


def _events(app: FastAPI, resource_type: str) -> list[AuditEvent]:
    with app.state.session_factory() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.resource_type == resource_type)
                .order_by(AuditEvent.id)
            )
        )


def test_a_clinician_builds_a_plan_and_the_patient_reads_it(
    client: TestClient, clinician: Headers, patient: Headers, plan_url: str
) -> None:
    created = client.post(
        plan_url, json={"title": "Back pain plan", "status": "active"}, headers=clinician
    )
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "active"

    goal = client.post(
        f"{plan_url}/goals",
        json={"kind": "daily_steps_min", "start_date": "2026-03-01"},
        headers=clinician,
    )
    assert goal.status_code == 201, goal.text
    assert goal.json()["target"] == 6000
    assert goal.json()["description"] == "Walk 6,000 steps a day on at least 5 days a week"
    assert goal.json()["achievement_status"] is None  # no data yet

    activity = client.post(
        f"{plan_url}/activities",
        json={"therapy": "cbt", "basis": "first line (ACP 2017)"},
        headers=clinician,
    )
    assert activity.status_code == 201, activity.text
    assert activity.json()["family"] == "complementary"
    assert activity.json()["status"] == "proposed"

    plan = client.get(plan_url, headers=patient)
    assert plan.status_code == 200, plan.text
    body = plan.json()
    assert [g["kind"] for g in body["goals"]] == ["daily_steps_min"]
    assert [a["therapy"] for a in body["activities"]] == ["cbt"]

    refused = client.post(f"{plan_url}/activities", json={"therapy": "yoga"}, headers=patient)
    assert refused.status_code == 403


def test_a_course_completes_when_its_sessions_are_done(
    client: TestClient, clinician: Headers, plan_url: str
) -> None:
    activity = client.post(
        f"{plan_url}/activities", json={"therapy": "mbsr"}, headers=clinician
    ).json()
    booked = client.post(
        f"{plan_url}/activities/{activity['id']}/sessions",
        json={"template": "mbsr_8_weeks", "first_day": "2026-01-05"},
        headers=clinician,
    )
    assert booked.status_code == 201, booked.text
    sessions = booked.json()
    assert [s["scheduled_on"] for s in sessions][:3] == ["2026-01-05", "2026-01-12", "2026-01-19"]
    assert len(sessions) == 8

    first = client.patch(
        f"{plan_url}/sessions/{sessions[0]['id']}", json={"status": "attended"}, headers=clinician
    )
    assert first.status_code == 200, first.text
    plan = client.get(plan_url, headers=clinician).json()
    started = plan["activities"][0]
    assert (started["status"], started["start_date"]) == ("active", "2026-01-05")

    for index, row in enumerate(sessions[1:], start=1):
        status = "missed" if index == 3 else "attended"
        done = client.patch(
            f"{plan_url}/sessions/{row['id']}", json={"status": status}, headers=clinician
        )
        assert done.status_code == 200, done.text
    finished = client.get(plan_url, headers=clinician).json()["activities"][0]
    assert finished["status"] == "completed"
    assert finished["stop_date"] == "2026-02-23"
    assert [s["status"] for s in finished["sessions"]].count("attended") == 7


def test_stopping_needs_a_reason_and_feeds_tried(
    app: FastAPI,
    client: TestClient,
    cast: Cast,
    clinician: Headers,
    plan_url: str,
    count: Callable[[type[Base]], int],
) -> None:
    activity = client.post(
        f"{plan_url}/activities",
        json={"therapy": "duloxetine", "status": "active", "start_date": "2026-01-01"},
        headers=clinician,
    ).json()
    url = f"{plan_url}/activities/{activity['id']}"
    before = count(AuditEvent)

    no_reason = client.patch(url, json={"status": "stopped"}, headers=clinician)
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    backwards = client.patch(url, json={"status": "proposed"}, headers=clinician)
    assert backwards.status_code == 409
    assert "cannot go from 'active' to 'proposed'" in backwards.json()["detail"]
    with app.state.session_factory() as session:
        row = session.get_one(CarePlanActivity, activity["id"])
        assert row.status.value == "active"
        assert row.stop_reason is None
    failures = [e for e in _events(app, "CarePlanActivity") if e.outcome == AuditOutcome.failure]
    assert len(failures) == 2  # each refusal is audited
    assert count(AuditEvent) == before + 2

    stopped = client.patch(
        url,
        json={
            "status": "stopped",
            "reason": "inadequate_response",
            "effective_date": "2026-03-26",
        },
        headers=clinician,
    )
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["stop_reason"] == "inadequate_response"
    with app.state.session_factory() as session:
        tried = tried_from_plan(session, cast.home_patient_id)
    assert tried == [{"therapy": "duloxetine", "outcome": "inadequate_response", "weeks": 12}]

    final = client.patch(url, json={"status": "active"}, headers=clinician)
    assert final.status_code == 409
    assert "none (it is final)" in final.json()["detail"]


def test_bad_input_names_the_field_and_writes_nothing(
    client: TestClient,
    clinician: Headers,
    plan_url: str,
    count: Callable[[type[Base]], int],
) -> None:
    tables = (CarePlan, CarePlanGoal, CarePlanActivity, CarePlanSession)
    before = [count(table) for table in tables]
    cases = [
        ("activities", {"therapy": "snake_oil"}, "therapy"),
        ("goals", {"kind": "run_a_marathon", "start_date": "2026-01-01"}, "kind"),
        ("goals", {"kind": "peg_max", "target": 11, "start_date": "2026-01-01"}, "target"),
        ("goals", {"kind": "custom", "start_date": "2026-01-01"}, "body"),
        (
            "goals",
            {"kind": "peg_max", "start_date": "2026-02-01", "due_date": "2026-01-01"},
            "body",
        ),
        ("activities", {"therapy": "cbt", "status": "completed"}, "status"),
    ]
    for path, body, field in cases:
        response = client.post(f"{plan_url}/{path}", json=body, headers=clinician)
        assert response.status_code == 422, (path, body, response.text)
        fields = [error["field"] for error in response.json()["errors"]]
        assert any(field in f for f in fields), (body, fields)
    assert [count(table) for table in tables] == before


def test_sessions_refuse_a_template_for_another_therapy(
    client: TestClient, clinician: Headers, plan_url: str, count: Callable[[type[Base]], int]
) -> None:
    activity = client.post(
        f"{plan_url}/activities", json={"therapy": "acupuncture"}, headers=clinician
    ).json()
    wrong = client.post(
        f"{plan_url}/activities/{activity['id']}/sessions",
        json={"template": "prp_series", "first_day": "2026-01-05"},
        headers=clinician,
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "template"
    too_many = client.post(
        f"{plan_url}/activities/{activity['id']}/sessions",
        json={"template": "acupuncture_course", "first_day": "2026-01-05", "count": 11},
        headers=clinician,
    )
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "count"
    assert count(CarePlanSession) == 0


def test_every_read_and_change_is_audited(
    app: FastAPI, client: TestClient, clinician: Headers, patient: Headers, plan_url: str
) -> None:
    client.post(plan_url, json={}, headers=clinician)
    goal = client.post(
        f"{plan_url}/goals", json={"kind": "peg_max", "start_date": "2026-01-01"}, headers=clinician
    ).json()
    client.patch(
        f"{plan_url}/goals/{goal['id']}", json={"lifecycle_status": "on-hold"}, headers=clinician
    )
    client.get(plan_url, headers=patient)
    client.get(f"{plan_url}/fhir", headers=patient)

    plans = [(e.action, e.outcome) for e in _events(app, "CarePlan")]
    goals = [(e.action, e.outcome, e.resource_id) for e in _events(app, "Goal")]
    assert plans == [
        ("create", AuditOutcome.success),
        ("read", AuditOutcome.success),
        ("read", AuditOutcome.success),
    ]
    assert goals == [
        ("create", AuditOutcome.success, str(goal["id"])),
        ("update", AuditOutcome.success, str(goal["id"])),
    ]

    activity = client.post(
        f"{plan_url}/activities", json={"therapy": "acupuncture"}, headers=clinician
    ).json()
    booked = client.post(
        f"{plan_url}/activities/{activity['id']}/sessions",
        json={"template": "acupuncture_course", "first_day": "2026-01-05", "count": 5},
        headers=clinician,
    ).json()
    client.patch(
        f"{plan_url}/sessions/{booked[0]['id']}", json={"status": "attended"}, headers=clinician
    )
    client.patch(
        f"{plan_url}/activities/{activity['id']}",
        json={"status": "stopped", "reason": "patient_declined", "effective_date": "2026-01-06"},
        headers=clinician,
    )
    activities = [(e.action, e.resource_id, e.detail) for e in _events(app, "CarePlanActivity")]
    assert activities == [
        ("create", str(activity["id"]), "activity acupuncture added as proposed"),
        (
            "update",
            str(activity["id"]),
            "activity acupuncture: proposed → active: first session attended",
        ),
        (
            "update",
            str(activity["id"]),
            "activity acupuncture: active → stopped (patient_declined)",
        ),
    ]
    stopped = client.get(plan_url, headers=clinician).json()["activities"][0]
    # The stopped course's remaining bookings are cancelled: nothing stays due.
    assert [row["status"] for row in stopped["sessions"]] == ["attended"] + ["cancelled"] * 4
    sessions = [(e.action, e.detail) for e in _events(app, "CarePlanSession")]
    assert sessions == [
        ("create", "5 sessions booked for acupuncture"),
        ("update", "session 1 of acupuncture: attended"),
    ]


def test_staff_outside_the_care_team_are_refused_and_audited(
    app: FastAPI, client: TestClient, cast: Cast, clinician: Headers
) -> None:
    url = f"/api/patients/{cast.foreign_patient_id}/care-plan"
    assert client.get(url, headers=clinician).status_code == 403
    assert (
        client.post(f"{url}/activities", json={"therapy": "cbt"}, headers=clinician).status_code
        == 403
    )
    denied = [e for e in _events(app, "CarePlan") if e.outcome == AuditOutcome.denied]
    denied += [e for e in _events(app, "CarePlanActivity") if e.outcome == AuditOutcome.denied]
    assert len(denied) == 2
