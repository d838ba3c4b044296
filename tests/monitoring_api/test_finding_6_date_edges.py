"""Issue 10, finding 6: a bad date broke a patient's sync for good.

A questionnaire assignment starting 0001-01-01 made `/questionnaires/due` and every `/sync`
batch of the patient answer 500, even once deactivated; a sync token with a sequence of 2^63 or
more, `/adherence?end=0001-01-01`, `/wearables/days?end=0001-01-01` and
`/wearables/completeness?start=9999-12-30&end=9999-12-31` answered 500 too, and NaN was
accepted as a threshold override. Now every date in a body or a query is one bounded type
(`schemas.base.Day` / `AwareDatetime`, 1900-01-01..2199-12-31), and the schedule and the alert
snapshot skip stored rows outside that range (written here straight into the database).
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from painpath.models import PainDiaryEntry
from painpath.models.alert_thresholds import AlertThresholdOverride
from painpath.models.questionnaire_schedule import QuestionnaireAssignment, Recurrence
from tests.monitoring_api.conftest import Headers
from tests.monitoring_api.stored import observation, stored
from tests.support.cohort import Cast

YEAR_ONE = datetime(1, 1, 1, tzinfo=UTC)


def _batch(batch_id: str) -> dict[str, Any]:
    return {
        "batch_id": batch_id,
        "items": [
            {
                "kind": "pain_diary_entry",
                "client_id": f"{batch_id}-diary",
                "local_date": "2026-11-30",
                "pain": 5,
            }
        ],
    }


def _ancient_assignment(app: FastAPI, patient_id: int, *, active: bool) -> int:
    with stored(app) as session:
        row = QuestionnaireAssignment(
            patient_id=patient_id,
            instrument="phq-9",
            recurrence=Recurrence.daily,
            interval_days=1,
            starts_at=YEAR_ONE,
            window_minutes=24 * 60,
            reminder_minutes=[0],
            active=active,
        )
        session.add(row)
        session.flush()
        return row.id


@pytest.mark.parametrize("active", [True, False], ids=["active", "deactivated"])
def test_finding_6_year_one_assignment_does_not_break_sync(
    app: FastAPI, client: TestClient, patient: Headers, home: str, cast: Cast, active: bool
) -> None:
    """An assignment stored as starting 0001-01-01 is skipped by the schedule; `/due` and
    `/sync` keep answering for the patient."""
    assignment_id = _ancient_assignment(app, cast.home_patient_id, active=active)
    due = client.get(f"{home}/questionnaires/due", headers=patient)
    assert due.status_code == 200, due.text
    assert due.json() == []
    synced = client.post(f"{home}/sync", json=_batch("after-bad-row"), headers=patient)
    assert synced.status_code == 200, synced.text
    assert synced.json()["created"] == 1
    answer = {
        "kind": "questionnaire_response",
        "client_id": "phq9-answer",
        "instrument": "phq-9",
        "answers": [0, 0, 0, 0, 0, 0, 0, 0, 0],
        "authored_at": datetime.now(UTC).isoformat(),
    }
    synced = client.post(
        f"{home}/sync", json={"batch_id": "answer", "items": [answer]}, headers=patient
    )
    assert synced.status_code == 200, synced.text
    log = client.get(f"{home}/questionnaire-assignments/{assignment_id}/log", headers=patient)
    assert log.status_code == 200, log.text
    event = client.post(
        f"{home}/questionnaire-assignments/{assignment_id}/occurrences/0/events",
        json={"event": "opened"},
        headers=patient,
    )
    assert event.status_code == 404, event.text


def test_finding_6_stored_rows_outside_the_date_range_are_left_out_of_the_sweep(
    app: FastAPI, client: TestClient, patient: Headers, home: str, cast: Cast
) -> None:
    """A year-1 pain reading, a year-1 diary day and a stored window of 1e300 days do not
    stop the alert evaluation that runs with every sync batch."""
    with stored(app) as session:
        observation(session, cast.home_patient_id, "72514-3", 7, YEAR_ONE)
        observation(session, cast.home_patient_id, "41950-7", 900, YEAR_ONE)
        session.add(
            PainDiaryEntry(
                patient_id=cast.home_patient_id,
                local_date=date(1, 1, 1),
                recorded_at=YEAR_ONE,
                pain=9,
                client_id="year-one",
            )
        )
        session.add(
            AlertThresholdOverride(
                patient_id=cast.home_patient_id,
                overrides={"pain_worsening": {"window_days": 1e300, "points": 3}},
            )
        )
    synced = client.post(f"{home}/sync", json=_batch("with-bad-rows"), headers=patient)
    assert synced.status_code == 200, synced.text
    settings = client.get(f"{home}/alert-thresholds", headers=patient)
    assert settings.status_code == 200, settings.text
    with stored(app) as session:
        session.execute(
            update(PainDiaryEntry)
            .where(PainDiaryEntry.client_id == "year-one")
            .values(local_date=date(2026, 11, 29))
        )
    again = client.post(f"{home}/sync", json=_batch("after-repair"), headers=patient)
    assert again.status_code == 200, again.text


def _token(patient_id: int, seq: int) -> str:
    raw = f"painpath-sync:1:{patient_id}:{seq}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize("seq", [2**31, 2**63, 10**40])
def test_finding_6_sync_token_past_the_column_is_refused(
    client: TestClient, patient: Headers, home: str, cast: Cast, seq: int
) -> None:
    response = client.get(
        f"{home}/sync/changes", params={"since": _token(cast.home_patient_id, seq)}, headers=patient
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "since"


def test_finding_6_largest_sync_token_is_answered(
    client: TestClient, patient: Headers, home: str, cast: Cast
) -> None:
    response = client.get(
        f"{home}/sync/changes",
        params={"since": _token(cast.home_patient_id, 2**31 - 1)},
        headers=patient,
    )
    assert response.status_code == 200, response.text
    assert response.json()["changes"] == []


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("adherence", {"end": "0001-01-01"}),
        ("adherence", {"start": "9999-12-31", "end": "9999-12-31"}),
        ("wearables/days", {"end": "0001-01-01"}),
        ("wearables/completeness", {"start": "9999-12-30", "end": "9999-12-31"}),
        ("wearables/completeness", {"end": "0001-01-01"}),
        ("pain-diary", {"start": "0001-01-01", "end": "9999-12-31"}),
        ("monitoring-ledger", {"period_start": "0001-01-01"}),
        ("monitoring-ledger", {"period_start": "9999-12-31"}),
    ],
)
def test_finding_6_dates_at_the_calendar_ends_are_refused(
    client: TestClient, clinician: Headers, home: str, path: str, params: dict[str, str]
) -> None:
    """Every date query parameter is the bounded `Day`: 422 naming it, never a 500."""
    response = client.get(f"{home}/{path}", params=params, headers=clinician)
    assert response.status_code == 422, response.text
    assert "1900-01-01" in response.text


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e300"])
def test_finding_6_non_finite_threshold_override_is_refused(
    client: TestClient, clinician: Headers, home: str, value: str
) -> None:
    body = '{"overrides": {"pain_worsening": {"points": VALUE}}}'.replace("VALUE", value)
    response = client.put(
        f"{home}/alert-thresholds",
        content=body,
        headers=clinician | {"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "overrides.pain_worsening.points"
    assert client.get(f"{home}/alert-thresholds", headers=clinician).json()["overrides"] == {}


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z"])
def test_finding_6_assignment_dates_are_bounded_at_the_edge(
    client: TestClient, clinician: Headers, home: str, starts_at: str
) -> None:
    body = {"instrument": "phq-9", "recurrence": "daily", "starts_at": starts_at}
    response = client.post(f"{home}/questionnaire-assignments", json=body, headers=clinician)
    assert response.status_code == 422, response.text
    assert "1900-01-01" in response.text


def test_finding_6_an_occurrence_past_the_calendar_is_not_found(
    client: TestClient, clinician: Headers, patient: Headers, home: str
) -> None:
    """Occurrence 100,000 of a yearly assignment would open in year 102,000: 404, not a 500."""
    body = {
        "instrument": "phq-9",
        "recurrence": "every-n-days",
        "interval_days": 365,
        "starts_at": datetime.now(UTC).isoformat(),
    }
    created = client.post(f"{home}/questionnaire-assignments", json=body, headers=clinician)
    assert created.status_code == 201, created.text
    url = f"{home}/questionnaire-assignments/{created.json()['id']}/occurrences/100000/events"
    response = client.post(url, json={"event": "opened"}, headers=patient)
    assert response.status_code == 404, response.text
