"""Mobile sync: a batch is all-or-nothing, retries are idempotent, client ids deduplicate across
batches, and a sync token returns exactly what changed since it was given."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.db.base import Base
from painpath.models import (
    AuditEvent,
    MedicationAdministration,
    Observation,
    PainDiaryEntry,
    QuestionnaireResponse,
    SyncBatch,
)
from tests.monitoring_api.conftest import Headers
from tests.support.cohort import Cast
from tests.support.walk import database_snapshot

Count = Callable[[type[Base]], int]
WRITTEN = (Observation, PainDiaryEntry, MedicationAdministration, QuestionnaireResponse, SyncBatch)


def steps(client_id: str, value: float = 4200) -> dict[str, Any]:
    return {
        "kind": "observation",
        "client_id": client_id,
        "category": "activity",
        "loinc_code": "55423-8",
        "display": "Number of steps",
        "value": value,
        "unit": "{steps}",
        "effective_at": "2026-11-30T00:00:00-06:00",
        "effective_end": "2026-11-30T23:59:59-06:00",
        "source_device": "Apple Watch",
        "modality": "sensed",
    }


def diary(client_id: str, pain: int = 6) -> dict[str, Any]:
    return {
        "kind": "pain_diary_entry",
        "client_id": client_id,
        "local_date": "2026-11-30",
        "pain": pain,
        "body_regions": ["lower-back"],
        "qualities": ["aching"],
    }


def dose(client_id: str, prescription_id: int, *, taken: bool = True) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kind": "dose_log",
        "client_id": client_id,
        "medication_request_id": prescription_id,
        "effective_at": "2026-11-30T09:00:00-06:00",
        "taken": taken,
    }
    if not taken:
        item["reason_not_taken"] = "felt fine"
    return item


def answers(
    client_id: str, instrument: str = "peg", values: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "kind": "questionnaire_response",
        "client_id": client_id,
        "instrument": instrument,
        "answers": values if values is not None else [6, 5, 7],
        "authored_at": "2026-11-30T20:00:00-06:00",
    }


def batch(batch_id: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {"batch_id": batch_id, "items": list(items)}


def test_a_batch_stores_every_kind_of_item_in_one_go(
    client: TestClient, patient: Headers, home: str, prescription_id: int, count: Count
) -> None:
    body = batch(
        "b-1",
        steps("s-1"),
        diary("d-1"),
        dose("m-1", prescription_id),
        dose("m-2", prescription_id, taken=False),
        answers("q-1"),
    )
    response = client.post(f"{home}/sync", json=body, headers=patient)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["duplicates"]) == (5, 0)
    assert [r["kind"] for r in result["results"]] == [
        "observation",
        "pain_diary_entry",
        "dose_log",
        "dose_log",
        "questionnaire_response",
    ]
    assert [count(model) for model in WRITTEN] == [1, 1, 2, 1, 1]
    doses = client.get(f"{home}/sync/changes", headers=patient).json()["changes"]
    logged = [c["data"] for c in doses if c["kind"] == "dose_log"]
    assert [(d["status"], d["dose_value"], d["as_needed"]) for d in logged] == [
        ("completed", 5.0, True),
        ("not-done", 5.0, True),
    ]
    scored = client.get(f"{home}/questionnaire-responses", headers=patient).json()["items"][0]
    assert scored["instrument"] == "peg"
    assert scored["score"]["score"] == 6.0


def test_a_retried_batch_gets_the_same_answer_and_adds_nothing(
    app: FastAPI, client: TestClient, patient: Headers, home: str, count: Count
) -> None:
    body = batch("b-retry", steps("s-1"), diary("d-1"))
    first = client.post(f"{home}/sync", json=body, headers=patient)
    before = database_snapshot(app.state.engine, skip=frozenset({"audit_events", "api_tokens"}))
    again = client.post(f"{home}/sync", json=body, headers=patient)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    after = database_snapshot(app.state.engine, skip=frozenset({"audit_events", "api_tokens"}))
    assert after == before


def test_the_same_batch_id_with_other_items_is_refused(
    client: TestClient, patient: Headers, home: str
) -> None:
    client.post(f"{home}/sync", json=batch("b-1", steps("s-1")), headers=patient)
    response = client.post(f"{home}/sync", json=batch("b-1", steps("s-2")), headers=patient)
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"field": "batch_id", "message": "batch 'b-1' was received with other content"}
    ]


@pytest.mark.parametrize(
    ("bad_item", "field"),
    [
        ({**steps("s-3"), "loinc_code": "55423-9"}, "items.2.observation.loinc_code"),
        ({**diary("d-3"), "body_regions": ["tail"]}, "items.2.pain_diary_entry.body_regions"),
        ({**diary("d-3"), "pain": 11}, "items.2.pain_diary_entry.pain"),
        (answers("q-3", "phq-9", [1, 2, 3, 0, 1, 2, 9, 0, 0]), "items.2.answers"),
        (answers("q-3", "no-such-scale", [1]), "items.2.instrument"),
        (dose("m-3", 999_999), "items.2.medication_request_id"),
        (steps("s-1"), "items.2.client_id"),
    ],
    ids=[
        "bad-loinc-check-digit",
        "unknown-body-region",
        "pain-above-10",
        "phq9-answer-out-of-range",
        "unknown-instrument",
        "someone-elses-prescription",
        "client-id-twice-in-one-batch",
    ],
)
def test_an_invalid_third_item_writes_nothing_and_is_named(
    app: FastAPI,
    client: TestClient,
    patient: Headers,
    home: str,
    prescription_id: int,
    bad_item: dict[str, Any],
    field: str,
) -> None:
    before = database_snapshot(app.state.engine, skip=frozenset({"audit_events", "api_tokens"}))
    body = batch("b-bad", steps("s-1"), dose("m-1", prescription_id), bad_item, diary("d-4"))
    response = client.post(f"{home}/sync", json=body, headers=patient)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    after = database_snapshot(app.state.engine, skip=frozenset({"audit_events", "api_tokens"}))
    assert after == before


def test_the_phq9_refusal_names_the_item(client: TestClient, patient: Headers, home: str) -> None:
    body = batch("b-phq", answers("q-1", "phq-9", [1, 2, 3, 0, 1, 2, 9, 0, 0]))
    detail = client.post(f"{home}/sync", json=body, headers=patient).json()["detail"]
    assert detail.startswith("item 0: PHQ-9 item 7")


def test_client_ids_deduplicate_across_batches(
    client: TestClient, patient: Headers, home: str, count: Count
) -> None:
    client.post(f"{home}/sync", json=batch("b-1", steps("s-1"), diary("d-1")), headers=patient)
    second = client.post(
        f"{home}/sync",
        json=batch("b-2", steps("s-1", value=9999), diary("d-1", pain=2), steps("s-2")),
        headers=patient,
    )
    assert second.status_code == 200, second.text
    statuses = [(r["client_id"], r["status"]) for r in second.json()["results"]]
    assert statuses == [("s-1", "duplicate"), ("d-1", "duplicate"), ("s-2", "created")]
    assert (count(Observation), count(PainDiaryEntry)) == (2, 1)


def test_the_same_client_id_in_two_kinds_is_two_records(
    client: TestClient, patient: Headers, home: str
) -> None:
    response = client.post(f"{home}/sync", json=batch("b", steps("x"), diary("x")), headers=patient)
    assert [r["status"] for r in response.json()["results"]] == ["created", "created"]


def test_the_sync_token_round_trip_returns_only_what_changed(
    client: TestClient, patient: Headers, clinician: Headers, home: str
) -> None:
    client.post(f"{home}/sync", json=batch("b-1", steps("s-1"), diary("d-1")), headers=patient)
    first = client.get(f"{home}/sync/changes", headers=patient).json()
    assert [c["kind"] for c in first["changes"]] == ["observation", "pain_diary_entry"]
    token = first["next_token"]
    assert client.get(f"{home}/sync/changes", params={"since": token}, headers=patient).json() == {
        "changes": [],
        "next_token": token,
        "has_more": False,
    }

    diary_id = first["changes"][1]["id"]
    client.patch(f"{home}/pain-diary/{diary_id}", json={"pain": 3}, headers=patient)
    client.post(f"{home}/sync", json=batch("b-2", steps("s-2")), headers=patient)
    plan = {"instrument": "phq-9", "recurrence": "once", "starts_at": "2026-12-01T09:00:00Z"}
    client.post(f"{home}/questionnaire-assignments", json=plan, headers=clinician)
    client.delete(f"{home}/pain-diary/{diary_id}", headers=patient)

    later = client.get(f"{home}/sync/changes", params={"since": token}, headers=patient).json()
    assert [(c["kind"], c["op"]) for c in later["changes"]] == [
        ("observation", "upsert"),
        ("questionnaire_assignment", "upsert"),
        ("pain_diary_entry", "delete"),
    ]
    assert later["changes"][0]["data"]["client_id"] == "s-2"
    assert later["next_token"] != token
    # The same position always gives the same token.
    again = client.get(f"{home}/sync/changes", params={"since": token}, headers=patient).json()
    assert again["next_token"] == later["next_token"]


def test_changes_come_in_pages(client: TestClient, patient: Headers, home: str) -> None:
    items = [steps(f"s-{n}", value=1000 + n) for n in range(5)]
    client.post(f"{home}/sync", json=batch("b", *items), headers=patient)
    seen: list[str] = []
    since: str | None = None
    for _ in range(4):
        params = {"limit": 2} | ({"since": since} if since else {})
        page = client.get(f"{home}/sync/changes", params=params, headers=patient).json()
        seen += [c["data"]["client_id"] for c in page["changes"]]
        since = page["next_token"]
        if not page["has_more"]:
            break
    assert seen == [f"s-{n}" for n in range(5)]


def test_a_token_from_another_patient_is_refused(
    client: TestClient, patient: Headers, home: str, cast: Cast
) -> None:
    other = cast.headers(client, "other_patient")
    away = f"/api/patients/{cast.foreign_patient_id}"
    token = client.get(f"{away}/sync/changes", headers=other).json()["next_token"]
    response = client.get(f"{home}/sync/changes", params={"since": token}, headers=patient)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "since"
    garbage = client.get(f"{home}/sync/changes", params={"since": "%%%"}, headers=patient)
    assert garbage.status_code == 422


def test_a_batch_is_audited_and_a_stranger_is_refused(
    app: FastAPI, client: TestClient, patient: Headers, cast: Cast, home: str
) -> None:
    client.post(f"{home}/sync", json=batch("b-1", steps("s-1")), headers=patient)
    away = f"/api/patients/{cast.foreign_patient_id}"
    refused = client.post(f"{away}/sync", json=batch("b-1", steps("s-1")), headers=patient)
    assert refused.status_code == 403
    with app.state.session_factory() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.resource_type == "SyncBatch")
        ).all()
    assert [(e.patient_id, e.action, e.outcome) for e in events] == [
        (cast.home_patient_id, "create", "success"),
        (cast.foreign_patient_id, "create", "denied"),
    ]
    assert events[0].resource_id is not None
