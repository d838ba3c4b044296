"""Pages that read stored questionnaire rows answer even when a row is not what this release
wrote (issue 8 item 1: a stored response naming an instrument the catalog did not know, the
demo's `peg-3`, made every staff patient summary answer 500). Stored rows are hostile."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from painpath.models import QuestionnaireResponse
from painpath.models.questionnaire_schedule import QuestionnaireAssignment, Recurrence
from painpath.services.transaction import unit_of_work
from tests.support.cohort import PASSWORD, Cast

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
UNKNOWN = "koos-jr"


def _sign_in(client: TestClient, username: str) -> None:
    token = CSRF_FIELD.search(client.get("/login").text)
    assert token
    answer = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303


def _store_response(app: FastAPI, patient_id: int, score: object) -> int:
    with unit_of_work(app.state.session_factory) as session:
        row = QuestionnaireResponse(
            patient_id=patient_id,
            questionnaire=UNKNOWN,
            status="completed",
            authored_at=datetime(2026, 1, 20, 15, tzinfo=UTC),
            answers=[1, 2, 3],
            total_score=6.0,
            score=score,
        )
        session.add(row)
        session.flush()
        return row.id


HOSTILE_SCORES = [
    None,
    ["not", "a", "score", "object"],
    {"score": 6, "band": 3, "flags": "urgent"},
    {"score": 6, "flags": [{"severity": "urgent"}, "phq9_item9_positive", 7]},
]


@pytest.mark.parametrize("score", HOSTILE_SCORES)
def test_the_summary_shows_a_stored_response_of_an_unknown_instrument(
    app: FastAPI, client: TestClient, cast: Cast, score: object
) -> None:
    _store_response(app, cast.home_patient_id, score)
    _sign_in(client, "clinician")
    response = client.get(f"/patients/{cast.home_patient_id}")
    assert response.status_code == 200, response.text
    assert UNKNOWN in response.text
    assert "Unknown instrument" in response.text


@pytest.mark.parametrize("score", HOSTILE_SCORES)
def test_the_response_page_shows_a_stored_response_of_an_unknown_instrument(
    app: FastAPI, client: TestClient, cast: Cast, score: object
) -> None:
    response_id = _store_response(app, cast.home_patient_id, score)
    _sign_in(client, "clinician")
    page = client.get(f"/patients/{cast.home_patient_id}/questionnaire-responses/{response_id}")
    assert page.status_code == 200, page.text
    assert f"{UNKNOWN} answers sent" in page.text


def test_the_due_list_leaves_out_an_assignment_of_an_unknown_instrument(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    now = datetime.now(UTC)
    with unit_of_work(app.state.session_factory) as session:
        for instrument in (UNKNOWN, "phq-9"):
            session.add(
                QuestionnaireAssignment(
                    patient_id=cast.home_patient_id,
                    instrument=instrument,
                    recurrence=Recurrence.daily,
                    interval_days=1,
                    starts_at=now - timedelta(hours=1),
                    window_minutes=24 * 60,
                    reminder_minutes=[],
                )
            )
    _sign_in(client, "patient")
    page = client.get(f"/patients/{cast.home_patient_id}/questionnaires")
    assert page.status_code == 200, page.text
    assert "PHQ-9" in page.text
    assert UNKNOWN not in page.text
