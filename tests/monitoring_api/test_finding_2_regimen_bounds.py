"""Issue 10, finding 2: one stored prescription could exhaust CPU and memory.

`period` had no lower bound, and `GET .../adherence` built one entry per dose per day:
`period=1e-300` never finished (the server grew past 3.6 GB), and more than about 1,440 doses a
day gave a permanent 500. Now the edge refuses timings outside the plausible range
(`painpath.monitoring.dosing`: at most 24 doses a day, at least one a year) and a stored row
outside it — written here straight into the database, past validation — is reported as
unevaluable while the rest of the report is computed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from painpath.models.medication import PeriodUnit
from tests.monitoring_api.conftest import Headers
from tests.monitoring_api.stored import at, dose, prescription, stored
from tests.support.cohort import Cast
from tests.support.walk import medication_body

DULOXETINE, OXYCODONE = "72625", "7804"
WINDOW = {"start": "2026-01-01", "end": "2026-03-31"}


def _adherence(client: TestClient, headers: Headers, home: str) -> dict[str, Any]:
    response = client.get(f"{home}/adherence", params=WINDOW, headers=headers)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def test_finding_2_tiny_period_adherence_is_bounded(
    app: FastAPI, client: TestClient, clinician: Headers, home: str, cast: Cast
) -> None:
    """A stored `period=1e-300` (scheduled and as-needed) is reported, not expanded; the
    patient's sound prescription is still evaluated."""
    with stored(app) as session:
        tiny = prescription(
            session, cast.home_patient_id, DULOXETINE, frequency=1, period=1e-300,
            unit=PeriodUnit.hour,
        )  # fmt: skip
        tiny_prn = prescription(
            session, cast.home_patient_id, OXYCODONE, frequency=1, period=1e-300,
            unit=PeriodUnit.hour, as_needed=True,
        )  # fmt: skip
        daily = prescription(session, cast.home_patient_id, DULOXETINE, frequency=1)
        dose(session, cast.home_patient_id, daily, at(date(2026, 1, 2), 8), as_needed=False)
        dose(session, cast.home_patient_id, tiny_prn, at(date(2026, 1, 2), 9), as_needed=True)
    report = _adherence(client, clinician, home)
    unevaluable = {row["medication_request_id"]: row for row in report["unevaluable"]}
    assert set(unevaluable) == {tiny, tiny_prn}
    assert "at most 24 a day" in unevaluable[tiny]["reason"]
    assert [row["medication_request_id"] for row in report["dose_logs"]] == [daily]
    assert report["dose_logs"][0]["scheduled"] == 90  # once a day, 1 January to 31 March
    assert report["prn"] == []  # no maximum to hold the as-needed doses to


def test_finding_2_dense_schedule_adherence_is_bounded(
    app: FastAPI, client: TestClient, clinician: Headers, home: str, cast: Cast
) -> None:
    """2,000 doses a day (over the old ~1,440 that gave a permanent 500) and one dose every
    ten years are both reported as unevaluable; the alert sweep over them runs too."""
    with stored(app) as session:
        dense = prescription(session, cast.home_patient_id, DULOXETINE, frequency=2000)
        sparse = prescription(
            session, cast.home_patient_id, DULOXETINE, frequency=1, period=120,
            unit=PeriodUnit.month,
        )  # fmt: skip
    report = _adherence(client, clinician, home)
    reasons = {row["medication_request_id"]: row["reason"] for row in report["unevaluable"]}
    assert set(reasons) == {dense, sparse}
    assert "2000 doses a day" in reasons[dense]
    assert "at least one a year" in reasons[sparse]
    assert report["dose_logs"] == []


@pytest.mark.parametrize(
    ("timing", "named"),
    [
        ({"period": 1e-300, "period_unit": "h"}, "at most 24 a day"),
        ({"frequency": 48, "period": 1, "period_unit": "h"}, "at most 24 a day"),
        ({"frequency": 30, "period": 1, "period_unit": "d"}, "at most 24 a day"),
        ({"frequency": 1, "period": 365, "period_unit": "mo"}, "at least one a year"),
    ],
)
def test_finding_2_implausible_timing_is_refused_at_the_edge(
    client: TestClient, clinician: Headers, home: str, timing: dict[str, Any], named: str
) -> None:
    """The API refuses a timing outside the plausible range with 422 naming the bound."""
    body = medication_body(**timing)
    response = client.post(f"{home}/medication-requests", json=body, headers=clinician)
    assert response.status_code == 422, response.text
    assert named in response.text


def test_finding_2_plausible_timings_are_still_accepted(
    client: TestClient, clinician: Headers, home: str
) -> None:
    """Hourly (24 a day) and yearly are the ends of the range, and are accepted."""
    for timing in (
        {"frequency": 1, "period": 1, "period_unit": "h"},
        {"period": 12, "period_unit": "mo"},
    ):
        body = medication_body(**timing)
        response = client.post(f"{home}/medication-requests", json=body, headers=clinician)
        assert response.status_code == 201, response.text
