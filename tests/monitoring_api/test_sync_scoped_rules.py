"""A sync batch runs only the alert rules that read what it added; the daily sweep runs them all.

Before this, every sync ran every rule on the patient's whole history. The tests feed a history
in which every rule has something to say, post a batch, and compare with what a full evaluation
of the same data raises (what the sync used to raise): the sync raises exactly the full
evaluation's alerts of the rules its items feed, the sweep raises the rest, and no alert is
lost or opened twice. Dates are the patient's local days (America/Chicago), as the sync's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.models import Alert, Patient
from painpath.monitoring.alerts import ALL_INPUTS, SnapshotInput, evaluate_alerts, rules_reading
from painpath.monitoring.alerts.rules import RULES
from painpath.services.monitoring.evaluation import build_snapshot
from painpath.services.monitoring.sweep import sweep
from painpath.services.monitoring.thresholds import settings_for
from tests.monitoring_api.conftest import Headers
from tests.monitoring_api.stored import (
    CHICAGO,
    at,
    daily_steps,
    days,
    diary,
    fill,
    response,
    stored,
)
from tests.monitoring_api.test_sync_statements import statements
from tests.support.cohort import Cast

OXYCODONE_5MG = "1049621"
PHQ9_ITEM9_POSITIVE = [1, 1, 1, 1, 1, 1, 1, 1, 2]


@pytest.fixture
def today() -> Iterator[date]:
    """The patient's local today; a test that would straddle local midnight is skipped."""
    day = datetime.now(CHICAGO).date()
    yield day
    if datetime.now(CHICAGO).date() != day:
        pytest.skip("local midnight passed during the test: the sync and sweep saw two days")


def full_evaluation(app: FastAPI, patient_id: int, today: date) -> set[str]:
    """The dedup keys every rule raises on the stored data (what a sync raised before)."""
    with app.state.session_factory() as session:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        settings = settings_for(session, patient_id)
        snapshot = build_snapshot(session, patient, today, settings)
        return {c.dedup_key for c in evaluate_alerts(snapshot, today, overrides=settings.overrides)}


def alerts_of(app: FastAPI, patient_id: int) -> list[tuple[str, str]]:
    with app.state.session_factory() as session:
        rows = session.scalars(select(Alert).where(Alert.patient_id == patient_id)).all()
        return sorted((row.rule_id, row.dedup_key) for row in rows)


def rule_of(dedup_key: str) -> str:
    return dedup_key.split(":")[1]


def history(app: FastAPI, patient_id: int, today: date) -> None:
    """Data on which every data-driven rule holds today, none of it yet evaluated: a pain
    baseline week at 3/10, a week of 8 000 steps then one of 2 000, a PHQ-9 with item 9
    answered 2 yesterday, an oxycodone refill after a third of a 30-day supply."""
    with stored(app) as session:
        for day in days(today - timedelta(days=30), 7):
            diary(session, patient_id, day, 3)
        for day in days(today - timedelta(days=14), 7):
            daily_steps(session, patient_id, day, 8000)
        for day in days(today - timedelta(days=7), 7):
            daily_steps(session, patient_id, day, 2000)
        response(session, patient_id, "phq9", PHQ9_ITEM9_POSITIVE, at(today - timedelta(days=1)))
        fill(session, patient_id, OXYCODONE_5MG, today - timedelta(days=20), 30)
        fill(session, patient_id, OXYCODONE_5MG, today - timedelta(days=10), 30)


def worse_week_and_prn_overuse(prescription_id: int, today: date) -> dict[str, Any]:
    """A week of diary entries at 8/10 and six as-needed oxycodone doses yesterday (four a
    day prescribed): the pain rule and the as-needed rule."""
    entries = [
        {"kind": "pain_diary_entry", "client_id": f"d-{d}", "local_date": d.isoformat(), "pain": 8}
        for d in days(today - timedelta(days=6), 7)
    ]
    yesterday = today - timedelta(days=1)
    doses = [
        {
            "kind": "dose_log",
            "client_id": f"m-{hour}",
            "medication_request_id": prescription_id,
            "effective_at": at(yesterday, hour).isoformat(),
            "as_needed": True,
        }
        for hour in (6, 9, 12, 15, 18, 21)
    ]
    return {"batch_id": "worse", "items": entries + doses}


@dataclass(frozen=True)
class Scene:
    """The home patient's app posting sync batches, on the patient's local today."""

    app: FastAPI
    client: TestClient
    patient: Headers
    home: str
    patient_id: int
    prescription_id: int
    today: date

    def sync(self, body: dict[str, Any]) -> dict[str, Any]:
        posted = self.client.post(f"{self.home}/sync", json=body, headers=self.patient)
        assert posted.status_code == 200, posted.text
        answer: dict[str, Any] = posted.json()
        return answer


@pytest.fixture
def scene(
    app: FastAPI,
    client: TestClient,
    patient: Headers,
    cast: Cast,
    home: str,
    prescription_id: int,
    today: date,
) -> Scene:
    return Scene(app, client, patient, home, cast.home_patient_id, prescription_id, today)


def test_a_sync_raises_its_rules_alerts_and_the_sweep_the_rest_none_lost_none_twice(
    scene: Scene,
) -> None:
    app, patient_id, today = scene.app, scene.patient_id, scene.today
    history(app, patient_id, today)
    body = worse_week_and_prn_overuse(scene.prescription_id, today)
    scene.sync(body)
    expected = full_evaluation(app, patient_id, today)
    fed = set(rules_reading({SnapshotInput.pain, SnapshotInput.prn}))
    assert fed == {"pain_worsening", "opioid_prn_overuse"}
    # Every rule the history was built for has something to say: the comparison covers them.
    assert {rule_of(key) for key in expected} >= {
        "pain_worsening",
        "opioid_prn_overuse",
        "activity_drop",
        "phq9_item9",
        "opioid_early_refill",
    }
    after_sync = alerts_of(app, patient_id)
    assert {key for _, key in after_sync} == {key for key in expected if rule_of(key) in fed}

    report = sweep(app.state.session_factory)
    assert not report.failed
    after_sweep = alerts_of(app, patient_id)
    assert [key for _, key in after_sweep] == sorted(expected, key=lambda k: (rule_of(k), k))
    assert len(after_sweep) == len(set(after_sweep))  # nothing opened twice

    # The same again, then another sync and sweep: nothing new, nothing doubled.
    again = scene.sync(body | {"batch_id": "resent"})
    assert again["duplicates"] == len(body["items"])
    sweep(app.state.session_factory)
    assert alerts_of(app, patient_id) == after_sweep


def test_no_data_is_raised_by_the_sweep_not_by_a_late_sync(scene: Scene) -> None:
    """A dose log from 9 days ago arrives late: the full evaluation says "no data for 8 days";
    the sync (a dose log feeds only the as-needed rule) leaves it to the sweep, which raises
    it once."""
    app, patient_id, today = scene.app, scene.patient_id, scene.today
    with stored(app) as session:
        diary(session, patient_id, today - timedelta(days=12), 4)
    late = {
        "kind": "dose_log",
        "client_id": "late",
        "medication_request_id": scene.prescription_id,
        "effective_at": at(today - timedelta(days=9), 8).isoformat(),
    }
    scene.sync({"batch_id": "late", "items": [late]})
    expected = full_evaluation(app, patient_id, today)
    assert [rule_of(key) for key in expected] == ["no_data"]
    assert alerts_of(app, patient_id) == []
    sweep(app.state.session_factory)
    sweep(app.state.session_factory)
    assert alerts_of(app, patient_id) == [("no_data", key) for key in expected]


def test_a_batch_with_nothing_any_rule_reads_runs_no_rule(scene: Scene) -> None:
    """A blood-pressure reading feeds no rule: no snapshot is read at all."""
    reading = {
        "kind": "observation",
        "client_id": "bp",
        "category": "vital-signs",
        "loinc_code": "8480-6",
        "display": "Systolic blood pressure",
        "value": 120,
        "unit": "mm[Hg]",
        "effective_at": "2026-11-30T08:00:00-06:00",
    }
    with statements(scene.app) as seen:
        scene.sync({"batch_id": "bp", "items": [reading]})
    rule_reads = [s for s in seen if "alert_threshold" in s or "pain_diary_entries" in s]
    assert not rule_reads, rule_reads


def test_every_rule_names_what_it_reads() -> None:
    assert rules_reading(ALL_INPUTS) == tuple(RULES)
    assert rules_reading(()) == ()
