"""Telehealth fixtures: settings with a video provider, a clinician in Europe/Berlin with weekday
mornings free, and the cast's patient in America/Chicago."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from painpath.config import Environment, Settings
from painpath.kit.clock import utcnow
from tests.monitoring_api.conftest import live_url  # noqa: F401  (fixture)
from tests.support.cohort import Cast

Headers = dict[str, str]
TEMPLATE = "https://meet.example.org/painpath-{room}"
CLINICIAN_ZONE = "Europe/Berlin"
PATIENT_ZONE = ZoneInfo("America/Chicago")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        environment=Environment.test,
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        login_max_failures=50,
        video_room_url_template=TEMPLATE,
        visit_booking_lead_minutes=60,
    )


@pytest.fixture
def clinician(client: TestClient, cast: Cast) -> Headers:
    return cast.headers(client, "clinician")


@pytest.fixture
def patient(client: TestClient, cast: Cast) -> Headers:
    return cast.headers(client, "patient")


@pytest.fixture
def home(cast: Cast) -> str:
    return f"/api/patients/{cast.home_patient_id}"


def weekday_mornings() -> dict[str, object]:
    return {
        "time_zone": CLINICIAN_ZONE,
        "weekly": [
            {"weekday": day, "start_minute": 9 * 60, "end_minute": 12 * 60, "slot_minutes": 30}
            for day in range(5)
        ],
    }


@pytest.fixture
def available(client: TestClient, clinician: Headers) -> None:
    response = client.put("/api/me/availability", json=weekday_mornings(), headers=clinician)
    assert response.status_code == 200, response.text


def next_weekday() -> date:
    """A weekday a week or more ahead on the patient's own calendar."""
    day = utcnow().astimezone(PATIENT_ZONE).date() + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture
def day() -> date:
    return next_weekday()


def first_slot(client: TestClient, home: str, headers: Headers, day: date) -> dict[str, Any]:
    response = client.get(
        f"{home}/visit-slots",
        params={"first": day.isoformat(), "last": day.isoformat()},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    [found] = response.json()["clinicians"]
    assert found["slots"], "no free slot"
    return dict(found["slots"][0], clinician_id=found["clinician_id"])


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment)
