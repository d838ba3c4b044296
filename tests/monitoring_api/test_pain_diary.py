"""The pain diary: quick entries with body-map regions from a fixed list, corrections, deletion,
and listing by the patient's local days, page by page."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.models import AuditEvent
from tests.monitoring_api.conftest import Headers
from tests.support.cohort import Cast
from tests.support.walk import pain_diary_body


def test_patient_records_a_day_and_corrects_it(
    client: TestClient, patient: Headers, home: str
) -> None:
    created = client.post(f"{home}/pain-diary", json=pain_diary_body(), headers=patient)
    assert created.status_code == 201, created.text
    entry = created.json()
    assert entry["body_regions"] == ["lower-back", "hip-left"]
    url = f"{home}/pain-diary/{entry['id']}"
    fixed = client.patch(url, json={"pain": 4, "mood": None}, headers=patient)
    assert (fixed.json()["pain"], fixed.json()["mood"], fixed.json()["notes"]) == (
        4,
        None,
        "Stiff in the morning",
    )
    assert client.get(url, headers=patient).json()["pain"] == 4
    assert client.delete(url, headers=patient).status_code == 204
    assert client.get(url, headers=patient).status_code == 404


def test_a_resent_entry_is_stored_once(client: TestClient, patient: Headers, home: str) -> None:
    body = pain_diary_body(client_id="phone-7")
    first = client.post(f"{home}/pain-diary", json=body, headers=patient)
    again = client.post(f"{home}/pain-diary", json=body, headers=patient)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]


def test_entries_list_by_local_day_newest_first_in_pages(
    client: TestClient, patient: Headers, home: str
) -> None:
    for day in range(1, 8):
        body = pain_diary_body(local_date=f"2026-11-0{day}", pain=day)
        assert client.post(f"{home}/pain-diary", json=body, headers=patient).status_code == 201
    params = {"start": "2026-11-02", "end": "2026-11-06", "limit": 2}
    first = client.get(f"{home}/pain-diary", params=params, headers=patient).json()
    second = client.get(f"{home}/pain-diary", params=params | {"offset": 2}, headers=patient).json()
    assert first["total"] == 5
    assert [e["local_date"] for e in first["items"] + second["items"]] == [
        "2026-11-06",
        "2026-11-05",
        "2026-11-04",
        "2026-11-03",
    ]
    backwards = client.get(
        f"{home}/pain-diary", params={"start": "2026-11-05", "end": "2026-11-01"}, headers=patient
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "end"


def test_bad_entries_are_refused_naming_the_field(
    client: TestClient, patient: Headers, home: str
) -> None:
    cases = {
        "body_regions": pain_diary_body(body_regions=["left-elbow"]),
        "qualities": pain_diary_body(qualities=["aching", "aching"]),
        "pain": pain_diary_body(pain=-1),
        "sleep_hours": pain_diary_body(sleep_hours=25),
        "local_date": pain_diary_body(local_date="2099-01-01"),
    }
    for field, body in cases.items():
        response = client.post(f"{home}/pain-diary", json=body, headers=patient)
        assert response.status_code == 422, field
        assert [e["field"] for e in response.json()["errors"]] == [field]
    before_birth = client.post(
        f"{home}/pain-diary", json=pain_diary_body(local_date="1960-01-01"), headers=patient
    )
    assert before_birth.json()["errors"][0]["field"] == "local_date"


def test_diary_reads_are_audited_and_strangers_refused(
    app: FastAPI, client: TestClient, patient: Headers, home: str, cast: Cast
) -> None:
    entry = client.post(f"{home}/pain-diary", json=pain_diary_body(), headers=patient).json()
    client.get(f"{home}/pain-diary/{entry['id']}", headers=patient)
    stranger = cast.headers(client, "other_clinician")
    assert client.get(f"{home}/pain-diary", headers=stranger).status_code == 403
    with app.state.session_factory() as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.resource_type == "PainDiaryEntry")
            .order_by(AuditEvent.id)
        ).all()
    assert [(e.action, e.resource_id, e.outcome, e.username) for e in events] == [
        ("create", str(entry["id"]), "success", "patient"),
        ("read", str(entry["id"]), "success", "patient"),
        ("read", None, "denied", "other_clinician"),
    ]
