"""Therapies tried through the API: recorded, listed, marked entered-in-error (never deleted),
gated by the care team and audited, refused with the field named and nothing written, and read
by the stored-record suggestions route, which names stored rows it cannot use. Every test runs
on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from painpath.models import AuditEvent, AuditOutcome, CareTherapyTried
from tests.support.cohort import Cast
from tests.support.walk import condition_body

Headers = dict[str, str]


@pytest.fixture
def clinician(client: TestClient, cast: Cast) -> Headers:
    return cast.headers(client, "clinician")


def tried_url(cast: Cast) -> str:
    return f"/api/patients/{cast.home_patient_id}/care/therapies-tried"


def record(client: TestClient, headers: Headers, cast: Cast, **body: Any) -> dict[str, Any]:
    response = client.post(tried_url(cast), json=body, headers=headers)
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    return document


def stored_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(CareTherapyTried)) or 0


def knee_oa(client: TestClient, headers: Headers, cast: Cast) -> None:
    response = client.post(
        f"/api/patients/{cast.home_patient_id}/conditions",
        json=condition_body(code="M17.11", display="Primary osteoarthritis, right knee"),
        headers=headers,
    )
    assert response.status_code == 201, response.text


def suggestions(client: TestClient, headers: Headers, cast: Cast) -> dict[str, Any]:
    response = client.get(f"/api/patients/{cast.home_patient_id}/care/suggestions", headers=headers)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def test_a_recorded_therapy_is_listed_and_read_by_the_suggestions(
    client: TestClient, cast: Cast, clinician: Headers
) -> None:
    knee_oa(client, clinician, cast)
    entry = record(
        client,
        clinician,
        cast,
        therapy="duloxetine",
        outcome="intolerance",
        weeks=6,
        ended_on="2026-03-01",
        note="nausea",
    )
    assert entry["family"] == "medicine"
    assert entry["therapy_name"] == "Duloxetine"
    assert entry["status"] == "active"
    assert entry["recorder_role"] == "clinician"
    assert entry["problem"] is None
    listed = client.get(tried_url(cast), headers=clinician).json()
    assert [row["id"] for row in listed] == [entry["id"]]

    found = suggestions(client, clinician, cast)
    assert found["input"]["tried"] == [
        {"therapy": "duloxetine", "outcome": "intolerance", "weeks": 6}
    ]
    # ACR/AF 2019 conditionally recommends duloxetine for knee OA; it was not tolerated, so
    # it moves out with the patient's history as the reason.
    out = {item["id"]: item for item in found["not_recommended"]}
    assert "tried_failed" in {r["code"] for r in out["duloxetine"]["reasons"]}
    assert "duloxetine" not in {o["id"] for o in found["options"]}


def test_an_entry_marked_entered_in_error_is_kept_but_not_used(
    client: TestClient, cast: Cast, clinician: Headers, engine: Engine
) -> None:
    knee_oa(client, clinician, cast)
    entry = record(client, clinician, cast, therapy="duloxetine", outcome="intolerance")
    mark = f"{tried_url(cast)}/{entry['id']}/entered-in-error"
    marked = client.post(mark, json={"reason": "wrong patient"}, headers=clinician)
    assert marked.status_code == 200, marked.text
    assert marked.json()["status"] == "entered-in-error"
    assert marked.json()["status_reason"] == "wrong patient"
    again = client.post(mark, json={"reason": "twice"}, headers=clinician)
    assert again.status_code == 409
    assert stored_rows(engine) == 1  # nothing is deleted
    listed = client.get(tried_url(cast), headers=clinician).json()
    assert [row["status"] for row in listed] == ["entered-in-error"]
    found = suggestions(client, clinician, cast)
    assert found["input"]["tried"] == []
    assert "duloxetine" in {o["id"] for o in found["options"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"therapy": "unobtainium_therapy", "outcome": "intolerance"}, "therapy"),
        ({"therapy": "duloxetine", "outcome": "it_was_fine"}, "outcome"),
        ({"therapy": "duloxetine", "outcome": "intolerance", "weeks": 5000}, "weeks"),
        ({"therapy": "duloxetine", "outcome": "intolerance", "weeks": -1}, "weeks"),
        ({"therapy": "duloxetine", "outcome": "intolerance", "ended_on": "2999-01-01"}, "ended_on"),
        ({"therapy": "duloxetine", "outcome": "intolerance", "ended_on": "1960-01-01"}, "ended_on"),
        ({"therapy": "duloxetine", "outcome": "intolerance", "colour": "red"}, "colour"),
        ({"therapy": "duloxetine", "outcome": "intolerance", "note": "x" * 501}, "note"),
    ],
)
def test_bad_entries_are_refused_naming_the_field_and_nothing_is_written(
    client: TestClient,
    cast: Cast,
    clinician: Headers,
    engine: Engine,
    body: dict[str, Any],
    field: str,
) -> None:
    response = client.post(tried_url(cast), json=body, headers=clinician)
    assert response.status_code == 422, response.text
    assert field in response.text
    assert stored_rows(engine) == 0


def test_the_routes_are_gated_by_the_care_team_and_audited(
    client: TestClient, cast: Cast, clinician: Headers, engine: Engine
) -> None:
    entry = record(client, clinician, cast, therapy="tramadol", outcome="intolerance")
    away = cast.headers(client, "other_clinician")
    assert client.get(tried_url(cast), headers=away).status_code == 403
    body = {"therapy": "tramadol", "outcome": "intolerance"}
    assert client.post(tried_url(cast), json=body, headers=away).status_code == 403
    # The patient reads their own list; recording needs condition:write (clinicians).
    patient = cast.headers(client, "patient")
    assert client.get(tried_url(cast), headers=patient).status_code == 200
    assert client.post(tried_url(cast), json=body, headers=patient).status_code == 403
    pharmacist = cast.headers(client, "pharmacist")
    mark = f"{tried_url(cast)}/{entry['id']}/entered-in-error"
    assert client.post(mark, json={"reason": "x"}, headers=pharmacist).status_code == 403
    assert stored_rows(engine) == 1
    with Session(engine) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.resource_type == "TherapyTried")
        ).all()
    seen = {(e.action, e.outcome) for e in events}
    assert ("create", AuditOutcome.success.value) in seen
    assert ("create", AuditOutcome.denied.value) in seen
    assert ("read", AuditOutcome.denied.value) in seen
    created = [e for e in events if e.outcome == AuditOutcome.success.value and e.resource_id]
    assert str(entry["id"]) in {e.resource_id for e in created}


def test_an_entry_of_another_patient_cannot_be_marked(
    client: TestClient, cast: Cast, clinician: Headers
) -> None:
    away = cast.headers(client, "other_clinician")
    foreign = f"/api/patients/{cast.foreign_patient_id}/care/therapies-tried"
    response = client.post(
        foreign, json={"therapy": "yoga", "outcome": "intolerance"}, headers=away
    )
    assert response.status_code == 201
    mine = f"{tried_url(cast)}/{response.json()['id']}/entered-in-error"
    assert client.post(mine, json={"reason": "x"}, headers=clinician).status_code == 404


def test_hostile_stored_rows_are_named_in_the_notes_not_used(
    client: TestClient, cast: Cast, clinician: Headers, engine: Engine
) -> None:
    """Rows written around the API (an old import, a hand edit) are read as hostile."""
    knee_oa(client, clinician, cast)
    with Session(engine) as session:
        session.add_all(
            [
                CareTherapyTried(
                    patient_id=cast.home_patient_id, therapy="snake_oil", outcome="intolerance"
                ),
                CareTherapyTried(
                    patient_id=cast.home_patient_id, therapy="duloxetine", outcome="'; DROP"
                ),
                CareTherapyTried(
                    patient_id=cast.home_patient_id, therapy="tramadol", outcome="intolerance"
                ),
            ]
        )
        session.commit()
    found = suggestions(client, clinician, cast)
    assert found["input"]["tried"] == [
        {"therapy": "tramadol", "outcome": "intolerance", "weeks": None}
    ]
    notes = " ".join(found["notes"])
    assert "'snake_oil' is not in the care knowledge" in notes
    assert 'outcome "\'; DROP" is not a known outcome' in notes
    listed = {row["therapy"]: row for row in client.get(tried_url(cast), headers=clinician).json()}
    assert listed["snake_oil"]["family"] is None
    assert listed["snake_oil"]["problem"]
    assert listed["duloxetine"]["outcome"] is None
    assert listed["tramadol"]["problem"] is None


def test_the_families_and_outcomes_are_one_vocabulary_in_the_openapi_schema(
    client: TestClient,
) -> None:
    from painpath.care.inputs import TherapyOutcome
    from painpath.care.knowledge import TherapyFamily

    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["TherapyFamily"]["enum"] == [f.value for f in TherapyFamily]
    assert schemas["TherapyOutcome"]["enum"] == [o.value for o in TherapyOutcome]
    family = {"$ref": "#/components/schemas/TherapyFamily"}
    assert schemas["Option"]["properties"]["family"] == family
    assert schemas["Exclusion"]["properties"]["family"] == family
    outcome = schemas["TherapyTriedCreate"]["properties"]["outcome"]
    assert outcome == {"$ref": "#/components/schemas/TherapyOutcome"}


def test_suggestions_read_therapies_tried_from_courses_and_the_care_plan_too(
    client: TestClient, cast: Cast, clinician: Headers
) -> None:
    """Three sources, one `tried`: a recorded entry, a therapy course that ended with an
    outcome, and a care-plan activity stopped for a coded reason; the recorded entry wins where
    two sources name the same therapy."""
    patient = f"/api/patients/{cast.home_patient_id}"
    knee_oa(client, clinician, cast)
    record(client, clinician, cast, therapy="duloxetine", outcome="intolerance", weeks=6)
    course = client.post(f"{patient}/therapies", json={"therapy": "acupuncture"}, headers=clinician)
    assert course.status_code == 201, course.text
    course_id = course.json()["course"]["id"]
    ended = client.post(
        f"{patient}/therapies/{course_id}/end",
        json={"ended_on": "2026-02-01", "reason": "inadequate_response"},
        headers=clinician,
    )
    assert ended.status_code in (200, 201), ended.text
    assert client.post(f"{patient}/care-plan", json={}, headers=clinician).status_code == 201
    for therapy in ("cbt", "duloxetine"):
        activity = client.post(
            f"{patient}/care-plan/activities",
            json={"therapy": therapy, "status": "active", "start_date": "2026-01-05"},
            headers=clinician,
        )
        assert activity.status_code == 201, activity.text
        stopped = client.patch(
            f"{patient}/care-plan/activities/{activity.json()['id']}",
            json={
                "status": "stopped",
                "reason": "loss_of_response",
                "effective_date": "2026-03-02",
            },
            headers=clinician,
        )
        assert stopped.status_code == 200, stopped.text

    tried = {
        item["therapy"]: item["outcome"]
        for item in suggestions(client, clinician, cast)["input"]["tried"]
    }
    assert tried == {
        "duloxetine": "intolerance",  # recorded; the plan stopping it too changes nothing
        "acupuncture": "inadequate_response",  # from the ended course
        "cbt": "loss_of_response",  # from the stopped plan activity
    }
