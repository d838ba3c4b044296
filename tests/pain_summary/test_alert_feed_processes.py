"""The live alert feed across server processes: two `painpath serve` processes on one database;
a stream opened on process B delivers an alert raised through process A, without a reload.

On PostgreSQL the wake-up is LISTEN/NOTIFY (the alerts trigger notifies in the writing
transaction; each process listens once); on SQLite it is each process's one poll."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from tests.monitoring_api.test_alerts import sse_events
from tests.support.cohort import PASSWORD, Cast
from tests.support.server_processes import server_processes

#: A guard so a broken feed fails the test instead of hanging it (not a speed assertion).
READ_SECONDS = 60


def _token(client: httpx.Client, base_url: str, username: str) -> dict[str, str]:
    answer = client.post(
        f"{base_url}/api/auth/token", json={"username": username, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_an_alert_raised_through_one_process_reaches_a_stream_on_another(
    app: FastAPI, cast: Cast, database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("postgresql"):
        with app.state.engine.connect() as connection:
            triggers = connection.scalar(
                text("SELECT count(*) FROM pg_trigger WHERE tgname = 'alerts_notify'")
            )
        assert triggers == 1
    app.state.engine.dispose()  # the servers have the database to themselves
    timeout = httpx.Timeout(READ_SECONDS, connect=10.0)
    with (
        server_processes(database_url, tmp_path, 2) as (a, b),
        httpx.Client(timeout=timeout) as client,
    ):
        clinician_on_b = _token(client, b, "clinician")
        patient_on_a = _token(client, a, "patient")
        with client.stream(
            "GET", f"{b}/api/monitoring/alerts/stream", headers=clinician_on_b
        ) as stream:
            assert stream.status_code == 200
            events = sse_events(stream)
            assert next(events) == {"retry": "3000"}
            phq9 = {
                "instrument": "phq-9",
                "answers": [0, 1, 1, 0, 0, 0, 0, 0, 2],
                "authored_at": "2026-12-01T20:00:00-06:00",
            }
            posted = client.post(
                f"{a}/api/patients/{cast.home_patient_id}/questionnaire-responses",
                json=phq9,
                headers=patient_on_a,
            )
            assert posted.status_code == 201, posted.text
            alert: dict[str, Any] | None = None
            for event in events:
                if event.get("event") == "alert":
                    alert = json.loads(event["data"])
                    break
    assert alert is not None, "the stream on process B ended without the alert"
    assert alert["patient_id"] == cast.home_patient_id
    assert alert["rule_id"] == "phq9_item9"
    assert alert["severity"] == "urgent"
