"""Goals that update themselves, end to end through the API on SQLite and PostgreSQL: an Apple
Health export with enough steps completes a steps goal; PEG answers scoring 4 or less complete
a PEG goal. Each change is audited with what moved it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.models.audit_event import AuditEvent
from tests.support.cohort import Cast

Headers = dict[str, str]
HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<HealthData locale="en_US">
 <ExportDate value="2026-03-10 08:00:00 -0600"/>
"""
WATCH = 'sourceName="Watch" device="&lt;&lt;HKDevice: 0x1&gt;, name:Apple Watch, model:Watch&gt;"'


def apple_export(path: Path, first: date, steps: list[int]) -> Path:
    """One watch step record a day at 10:00-11:00 Chicago time (CST, -0600), `steps[i]` each."""
    records = []
    for offset, count in enumerate(steps):
        day = (first + timedelta(days=offset)).isoformat()
        records.append(
            f' <Record type="HKQuantityTypeIdentifierStepCount" {WATCH} unit="count" '
            f'startDate="{day} 10:00:00 -0600" endDate="{day} 11:00:00 -0600" value="{count}"/>'
        )
    path.write_text(HEAD + "\n".join(records) + "\n</HealthData>\n", encoding="utf-8")
    return path


def upload(client: TestClient, cast: Cast, headers: Headers, path: Path) -> None:
    with path.open("rb") as handle:
        response = client.post(
            f"/api/patients/{cast.home_patient_id}/wearables/imports",
            files={"file": ("export.xml", handle, "text/xml")},
            headers=headers,
        )
    assert response.status_code == 201, response.text


def goal_events(app: FastAPI, goal_id: int) -> list[str]:
    with app.state.session_factory() as session:
        return [
            e.detail or ""
            for e in session.scalars(
                select(AuditEvent).where(
                    AuditEvent.resource_type == "Goal", AuditEvent.resource_id == str(goal_id)
                )
            )
        ]


def test_an_apple_health_export_with_enough_steps_completes_a_steps_goal(
    app: FastAPI,
    client: TestClient,
    cast: Cast,
    clinician: Headers,
    patient: Headers,
    plan_url: str,
    tmp_path: Path,
) -> None:
    goal = client.post(
        f"{plan_url}/goals",
        json={"kind": "daily_steps_min", "target": 6000, "start_date": "2026-03-02"},
        headers=clinician,
    ).json()
    # Four days of the first week reach 6,000: not yet 5 of 7.
    upload(
        client,
        cast,
        patient,
        apple_export(
            tmp_path / "week1.xml", date(2026, 3, 2), [6500, 7000, 3000, 6100, 2000, 9000]
        ),
    )
    first = client.get(plan_url, headers=patient).json()["goals"][0]
    assert first["lifecycle_status"] == "active"
    assert first["achievement_status"] == "in-progress"
    assert first["latest_value"] == 4

    upload(
        client, cast, patient, apple_export(tmp_path / "week2.xml", date(2026, 3, 8), [6200, 6800])
    )
    # The import itself evaluated the goal: the stored row is completed before any plan read.
    with app.state.session_factory() as session:
        from painpath.models.care_plan import CarePlanGoal

        stored = session.get_one(CarePlanGoal, goal["id"])
        assert stored.lifecycle_status.value == "completed"
        assert stored.achievement_status is not None
        assert stored.achievement_status.value == "achieved"
        assert stored.achieved_on == date(2026, 3, 9)
        assert stored.latest_value == 5  # 3 Mar, 5 Mar, 7 Mar, 8 Mar, 9 Mar
    details = goal_events(app, goal["id"])
    assert any("after a wearable import" in d and "→ achieved" in d for d in details)


def test_peg_answers_scoring_four_or_less_complete_a_peg_goal(
    app: FastAPI,
    client: TestClient,
    cast: Cast,
    clinician: Headers,
    patient: Headers,
    plan_url: str,
) -> None:
    goal = client.post(
        f"{plan_url}/goals",
        json={"kind": "peg_max", "start_date": "2026-02-01"},
        headers=clinician,
    ).json()
    assert goal["target"] == 4
    responses = f"/api/patients/{cast.home_patient_id}/questionnaire-responses"

    def answer(answers: list[int], when: str) -> None:
        response = client.post(
            responses,
            json={"instrument": "peg", "answers": answers, "authored_at": when},
            headers=patient,
        )
        assert response.status_code == 201, response.text

    answer([7, 6, 6], "2026-02-03T15:00:00Z")  # mean 6.33
    answer([5, 5, 4], "2026-02-17T15:00:00Z")  # mean 4.67: better, not there yet
    middle = client.get(plan_url, headers=patient).json()["goals"][0]
    assert (middle["lifecycle_status"], middle["achievement_status"]) == ("active", "improving")

    answer([4, 4, 3], "2026-03-03T15:00:00Z")  # mean 3.67
    with app.state.session_factory() as session:
        from painpath.models.care_plan import CarePlanGoal

        stored = session.get_one(CarePlanGoal, goal["id"])
        assert stored.lifecycle_status.value == "completed"
        assert stored.achieved_on == date(2026, 3, 3)
        assert stored.latest_value is not None
        assert round(stored.latest_value, 2) == 3.67
    assert any("after a peg response" in d for d in goal_events(app, goal["id"]))


def test_peg_responses_before_the_goal_started_do_not_count(
    client: TestClient, cast: Cast, clinician: Headers, patient: Headers, plan_url: str
) -> None:
    client.post(
        f"/api/patients/{cast.home_patient_id}/questionnaire-responses",
        json={"instrument": "peg", "answers": [2, 2, 2], "authored_at": "2026-01-10T15:00:00Z"},
        headers=patient,
    )
    goal = client.post(
        f"{plan_url}/goals",
        json={"kind": "peg_max", "start_date": "2026-02-01"},
        headers=clinician,
    ).json()
    assert goal["lifecycle_status"] == "active"
    assert goal["achievement_status"] is None


def test_the_daily_sweep_evaluates_goals_data_reached_without_a_hook(
    app: FastAPI, client: TestClient, cast: Cast, clinician: Headers, plan_url: str
) -> None:
    """Days written by a path that does not evaluate goals (here: straight into the table) are
    still read by the sweep, which painpath runs as itself."""
    from painpath.models.care_plan import CarePlanGoal
    from painpath.models.wearable import WearableDay
    from painpath.services.monitoring.sweep import sweep
    from painpath.services.transaction import unit_of_work

    goal = client.post(
        f"{plan_url}/goals",
        json={"kind": "active_minutes_min", "start_date": "2026-04-01"},
        headers=clinician,
    ).json()
    with unit_of_work(app.state.session_factory) as session:
        session.add_all(
            WearableDay(patient_id=cast.home_patient_id, day=date(2026, 4, day), active_minutes=35)
            for day in range(1, 6)
        )
    sweep(app.state.session_factory, today=date(2026, 4, 6))
    with app.state.session_factory() as session:
        stored = session.get_one(CarePlanGoal, goal["id"])
        assert stored.lifecycle_status.value == "completed"
        assert stored.achieved_on == date(2026, 4, 5)
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.resource_type == "Goal", AuditEvent.resource_id == str(goal["id"])
            )
        ).all()
    swept = [e for e in events if "after the daily sweep" in (e.detail or "")]
    assert len(swept) == 1
    assert swept[0].user_id is None  # painpath itself
