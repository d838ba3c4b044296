"""Clinician monitoring time and the RPM/RTM ledger: days with data (sensed and self-reported,
on the patient's own days), minutes by performer, and the codes the billing engine finds."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.models import AuditEvent
from tests.monitoring_api.conftest import Headers
from tests.support.cohort import Cast


def steps(client_id: str, day: str, modality: str = "sensed") -> dict[str, Any]:
    # 23:30 in Chicago is the next day in UTC: the ledger must count the patient's day.
    return {
        "kind": "observation",
        "client_id": client_id,
        "category": "activity",
        "loinc_code": "55423-8",
        "display": "Number of steps",
        "value": 5000,
        "unit": "{steps}",
        "effective_at": f"{day}T23:30:00-06:00",
        "modality": modality,
    }


def diary(client_id: str, day: str) -> dict[str, Any]:
    return {"kind": "pain_diary_entry", "client_id": client_id, "local_date": day, "pain": 5}


def minutes(started: str, count: int, *, interactive: bool, program: str = "RPM") -> dict[str, Any]:
    return {
        "started_at": started,
        "minutes": count,
        "interactive": interactive,
        "program": program,
        "note": "reviewed readings",
    }


def seed(client: TestClient, patient: Headers, home: str) -> None:
    items = [
        steps("s-1", "2026-11-28"),
        steps("s-2", "2026-11-29"),
        steps("s-3", "2026-11-30"),
        steps("s-4", "2026-11-30"),
        steps("s-5", "2026-11-27", modality="self-reported"),
        diary("d-1", "2026-11-25"),
        diary("d-2", "2026-11-26"),
    ]
    response = client.post(
        f"{home}/sync", json={"batch_id": "ledger", "items": items}, headers=patient
    )
    assert response.status_code == 200, response.text


def test_staff_log_time_and_patients_cannot(
    client: TestClient, clinician: Headers, patient: Headers, home: str, cast: Cast
) -> None:
    body = minutes("2026-11-20T10:00:00-06:00", 25, interactive=True)
    created = client.post(f"{home}/monitoring-time", json=body, headers=clinician)
    assert created.status_code == 201, created.text
    assert created.json()["clinician_id"] == cast.user_ids["clinician"]
    assert client.post(f"{home}/monitoring-time", json=body, headers=patient).status_code == 403
    too_long = client.post(f"{home}/monitoring-time", json=body | {"minutes": 0}, headers=clinician)
    assert too_long.json()["errors"][0]["field"] == "minutes"
    listed = client.get(f"{home}/monitoring-time", headers=patient).json()
    assert [(e["minutes"], e["interactive"]) for e in listed["items"]] == [(25, True)]


def test_the_rpm_ledger_counts_sensed_days_and_minutes_by_performer(
    app: FastAPI, client: TestClient, clinician: Headers, patient: Headers, home: str, cast: Cast
) -> None:
    seed(client, patient, home)
    pharmacist = cast.headers(client, "pharmacist")
    for headers, body in (
        (clinician, minutes("2026-11-20T10:00:00-06:00", 15, interactive=True)),
        (pharmacist, minutes("2026-11-21T10:00:00-06:00", 10, interactive=False)),
        (clinician, minutes("2026-11-22T10:00:00-06:00", 30, interactive=True, program="RTM-MSK")),
        (clinician, minutes("2026-10-31T10:00:00-06:00", 40, interactive=True)),
    ):
        assert client.post(f"{home}/monitoring-time", json=body, headers=headers).status_code == 201
    params = {"program": "RPM", "period_start": "2026-11-10"}
    ledger = client.get(f"{home}/monitoring-ledger", params=params, headers=clinician).json()
    assert (ledger["period_start"], ledger["period_end"]) == ("2026-11-10", "2026-12-09")
    assert (ledger["month_start"], ledger["month_end"]) == ("2026-11-01", "2026-11-30")
    assert ledger["days_with_sensed_data"] == ["2026-11-28", "2026-11-29", "2026-11-30"]
    assert ledger["days_with_self_reported_data"] == [
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
    ]
    assert ledger["qualifying_days"] == ledger["days_with_sensed_data"]
    assert ledger["minutes"] == 25
    assert [
        (p["name"], p["minutes"], p["interactive_minutes"]) for p in ledger["minutes_by_performer"]
    ] == [("Dr Home", 15, 15), ("Pharm Home", 10, 0)]
    assert ledger["interactive"] is True
    codes = {c["code"]: c["units"] for c in ledger["billing"]["codes"]}
    assert codes == {"99445": 1, "99457": 1}
    with app.state.session_factory() as session:
        read = session.scalars(
            select(AuditEvent).where(AuditEvent.resource_type == "MonitoringLedger")
        ).one()
    assert (read.action, read.patient_id, read.outcome) == ("read", cast.home_patient_id, "success")


def test_the_rtm_ledger_counts_self_reported_days_too(
    client: TestClient, clinician: Headers, patient: Headers, home: str
) -> None:
    seed(client, patient, home)
    params = {"program": "RTM-MSK", "period_start": "2026-11-10"}
    ledger = client.get(f"{home}/monitoring-ledger", params=params, headers=clinician).json()
    assert len(ledger["qualifying_days"]) == 6
    assert [c["code"] for c in ledger["billing"]["codes"]] == ["98985"]


def test_a_ledger_period_in_the_future_is_refused(
    client: TestClient, clinician: Headers, home: str
) -> None:
    params = {"period_start": "2099-01-01"}
    response = client.get(f"{home}/monitoring-ledger", params=params, headers=clinician)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "period_start"
