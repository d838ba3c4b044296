"""A sync batch runs the alert rules in its own transaction, and carries pharmacy fills."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.db.base import Base
from painpath.models import Alert, AuditEvent, MedicationFill
from tests.monitoring_api.conftest import Headers
from tests.monitoring_api.stored import CHICAGO, days, diary, stored
from tests.support.cohort import Cast


def local_today() -> date:
    return datetime.now(CHICAGO).date()


def diary_item(day: date, pain: int) -> dict[str, Any]:
    return {
        "kind": "pain_diary_entry",
        "client_id": f"d-{day.isoformat()}",
        "local_date": day.isoformat(),
        "pain": pain,
    }


def fill_item(client_id: str, day: str, **changes: Any) -> dict[str, Any]:
    item = {
        "kind": "medication_fill",
        "client_id": client_id,
        "rxnorm_code": "1049621",
        "fill_date": day,
        "days_supply": 7,
        "quantity": 28,
    }
    return item | changes


def test_a_batch_that_makes_pain_worse_raises_the_alert_in_the_same_request(
    app: FastAPI, client: TestClient, patient: Headers, cast: Cast, home: str
) -> None:
    today = local_today()
    with stored(app) as session:
        for day in days(today - timedelta(days=20), 7):
            diary(session, cast.home_patient_id, day, 3)
    week = [diary_item(day, 8) for day in days(today - timedelta(days=6), 7)]
    response = client.post(
        f"{home}/sync",
        json={"batch_id": "worse-week", "items": week},
        headers=patient | {"X-Request-Id": "sync-worse-week"},
    )
    assert response.status_code == 200, response.text
    with app.state.session_factory() as session:
        [alert] = session.scalars(select(Alert).where(Alert.rule_id == "pain_worsening")).all()
        created = session.scalars(
            select(AuditEvent).where(
                AuditEvent.resource_type == "Alert", AuditEvent.action == "create"
            )
        ).all()
    assert (alert.evidence["baseline"], alert.evidence["mean"]) == (3.0, 8.0)
    assert [(e.request_id, e.username, e.resource_id) for e in created] == [
        ("sync-worse-week", "patient", str(alert.id))
    ]
    listed = client.get(f"{home}/alerts", headers=patient).json()["items"]
    assert [a["rule_id"] for a in listed] == ["pain_worsening"]
    again = client.post(
        f"{home}/sync",
        json={"batch_id": "one-more", "items": [diary_item(today, 8) | {"client_id": "late"}]},
        headers=patient,
    )
    assert again.status_code == 200, again.text
    assert len(client.get(f"{home}/alerts", headers=patient).json()["items"]) == 1


def test_fills_sync_once_and_feed_the_changes_and_the_early_refill_rule(
    app: FastAPI, client: TestClient, patient: Headers, home: str, prescription_id: int
) -> None:
    today = local_today()
    first, refill = today - timedelta(days=6), today - timedelta(days=2)
    items = [
        fill_item("f-1", first.isoformat(), medication_request_id=prescription_id),
        fill_item("f-2", refill.isoformat(), rxnorm_code="7804"),
    ]
    response = client.post(
        f"{home}/sync", json={"batch_id": "fills", "items": items}, headers=patient
    )
    assert response.status_code == 200, response.text
    assert [r["kind"] for r in response.json()["results"]] == ["medication_fill"] * 2
    retry = client.post(
        f"{home}/sync", json={"batch_id": "fills-again", "items": items[:1]}, headers=patient
    )
    assert retry.json()["results"][0]["status"] == "duplicate"
    with app.state.session_factory() as session:
        rows = session.scalars(select(MedicationFill).order_by(MedicationFill.fill_date)).all()
        assert [(r.drug, r.drug_class, r.days_supply) for r in rows] == [
            ("oxycodone", "opioid", 7)
        ] * 2
        assert rows[0].medication_request_id == prescription_id
    changes = client.get(f"{home}/sync/changes", headers=patient).json()["changes"]
    fills = [c["data"] for c in changes if c["kind"] == "medication_fill"]
    assert [f["client_id"] for f in fills] == ["f-1", "f-2"]
    alerts = client.get(f"{home}/alerts", headers=patient).json()["items"]
    [early] = [a for a in alerts if a["rule_id"] == "opioid_early_refill"]
    assert early["evidence"]["days_elapsed"] == 4
    assert early["severity"] == "high"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"medication_request_id": 999_999}, "items.0.medication_request_id"),
        ({"rxnorm_code": "99999999"}, "items.0.medication_fill.rxnorm_code"),
        ({"fill_date": "2099-01-01"}, "items.0.medication_fill.fill_date"),
        ({"days_supply": 0}, "items.0.medication_fill.days_supply"),
    ],
)
def test_a_bad_fill_is_refused_naming_the_item_and_field(
    client: TestClient,
    patient: Headers,
    home: str,
    count: Callable[[type[Base]], int],
    changes: dict[str, Any],
    field: str,
) -> None:
    body = {"batch_id": "bad", "items": [fill_item("x", "2026-11-01", **changes)]}
    response = client.post(f"{home}/sync", json=body, headers=patient)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert count(MedicationFill) == 0


def test_a_fill_must_be_the_drug_its_prescription_orders(
    client: TestClient, patient: Headers, home: str, prescription_id: int
) -> None:
    item = fill_item("x", "2026-11-01", rxnorm_code="72625", medication_request_id=prescription_id)
    body = {"batch_id": "wrong-drug", "items": [item]}
    response = client.post(f"{home}/sync", json=body, headers=patient)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["items.0.rxnorm_code"]
