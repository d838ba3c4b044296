"""The alert rules run on stored data: each rule fires from the rows the app keeps (diary
entries, observations, questionnaire responses, dose logs, fills), once per episode."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.models import Alert, AuditEvent, Patient
from painpath.models.medication import PeriodUnit
from painpath.services.monitoring.evaluation import build_snapshot
from tests.monitoring_api.conftest import Headers
from tests.monitoring_api.stored import (
    at,
    by_rule,
    daily_steps,
    days,
    diary,
    dose,
    evaluate,
    fill,
    observation,
    prescription,
    response,
    stored,
)
from tests.support.cohort import Cast

TODAY = date(2026, 11, 30)
OXYCODONE, DULOXETINE = "7804", "72625"


def two_weeks_of_pain(app: FastAPI, patient_id: int) -> None:
    """A baseline week at 4/10 (Nov 11-17), then a week at 7/10 (Nov 24-30)."""
    with stored(app) as session:
        for day in days(date(2026, 11, 11), 7):
            diary(session, patient_id, day, 4)
        for day in days(date(2026, 11, 24), 7):
            diary(session, patient_id, day, 7)


def test_pain_worsening_fires_from_two_weeks_of_diary_entries(app: FastAPI, cast: Cast) -> None:
    patient_id = cast.home_patient_id
    two_weeks_of_pain(app, patient_id)
    [alert] = by_rule(evaluate(app, patient_id, TODAY), "pain_worsening")
    assert alert["severity"] == "moderate"
    assert alert["window"] == (date(2026, 11, 24), TODAY)
    evidence = alert["evidence"]
    assert (evidence["mean"], evidence["baseline"], evidence["rise_points"]) == (7.0, 4.0, 3.0)
    assert evidence["rise_percent"] == 75.0
    assert evidence["baseline_source"] == "mean of 2026-11-11..2026-11-17"
    # The run of days on which the rule holds began when the new week had 4 entries (Nov 27).
    assert alert["dedup_key"] == f"{patient_id}:pain_worsening:2026-11-27"


def test_re_evaluating_the_next_day_adds_no_duplicate(app: FastAPI, cast: Cast) -> None:
    patient_id = cast.home_patient_id
    two_weeks_of_pain(app, patient_id)
    first = evaluate(app, patient_id, TODAY)
    assert by_rule(first, "pain_worsening")
    assert evaluate(app, patient_id, TODAY) == []
    assert evaluate(app, patient_id, TODAY + timedelta(days=1)) == []
    with app.state.session_factory() as session:
        keys = session.scalars(select(Alert.dedup_key).where(Alert.patient_id == patient_id))
        assert sorted(keys) == sorted(a["dedup_key"] for a in first)


def test_a_resolved_episode_is_not_reopened_by_the_next_sweep(
    app: FastAPI, client: TestClient, clinician: Headers, cast: Cast, home: str
) -> None:
    patient_id = cast.home_patient_id
    two_weeks_of_pain(app, patient_id)
    [alert] = by_rule(evaluate(app, patient_id, TODAY), "pain_worsening")
    with app.state.session_factory() as session:
        alert_id = session.scalar(select(Alert.id).where(Alert.dedup_key == alert["dedup_key"]))
    resolved = client.post(f"{home}/alerts/{alert_id}/resolve", json={}, headers=clinician)
    assert resolved.status_code == 200, resolved.text
    assert by_rule(evaluate(app, patient_id, TODAY + timedelta(days=1)), "pain_worsening") == []


def test_pain_from_every_source_is_the_days_mean(app: FastAPI, cast: Cast) -> None:
    """Diary 6, NRS observation 8 and a PEG whose pain item is 7 on one day: 7. The observation
    at 23:30 local is 05:30 UTC the next day, and still counts for its local day."""
    patient_id = cast.home_patient_id
    day = date(2026, 11, 20)
    with stored(app) as session:
        diary(session, patient_id, day, 6)
        observation(session, patient_id, "72514-3", 8, at(day, 23, 30))
        response(session, patient_id, "peg", [7, 2, 3], at(day, 9))
        response(session, patient_id, "nrs", [5], at(day + timedelta(days=1), 9))
        patient = session.get(Patient, patient_id)
        assert patient is not None
        snapshot = build_snapshot(session, patient, TODAY)
    assert dict(snapshot.daily_pain()) == {day: 7.0, day + timedelta(days=1): 5.0}


def test_phq9_item_9_raises_an_urgent_alert_whatever_the_total(
    app: FastAPI, client: TestClient, clinician: Headers, cast: Cast, home: str
) -> None:
    patient_id = cast.home_patient_id
    with stored(app) as session:
        response_id = response(
            session, patient_id, "phq-9", [0, 0, 0, 0, 0, 0, 0, 0, 1], at(date(2026, 11, 25), 9)
        )
    [alert] = by_rule(evaluate(app, patient_id, TODAY), "phq9_item9")
    assert alert["severity"] == "urgent"
    assert alert["dedup_key"] == f"{patient_id}:phq9_item9:{response_id}"
    assert alert["evidence"]["score"] == 1
    assert alert["evidence"]["flags"] == ["phq9_item9_positive"]
    assert evaluate(app, patient_id, TODAY + timedelta(days=1)) == []


def test_activity_drop_fires_from_daily_step_observations(app: FastAPI, cast: Cast) -> None:
    """8,000 steps a day for a week, then 4,000: down 50 %. A synced 41950-7 reading on a day
    the importer aggregated does not replace the aggregate."""
    patient_id = cast.home_patient_id
    with stored(app) as session:
        for day in days(date(2026, 11, 17), 7):
            daily_steps(session, patient_id, day, 8000, name="steps")
        for day in days(date(2026, 11, 24), 7):
            daily_steps(session, patient_id, day, 4000)
        observation(
            session, patient_id, "41950-7", 12000, at(TODAY, 21), client_id="phone:steps:1130"
        )
        # A day without an aggregate takes the largest synced reading of the day.
        observation(session, patient_id, "41950-7", 3000, at(date(2026, 11, 10), 21))
        observation(session, patient_id, "41950-7", 3500, at(date(2026, 11, 10), 22))
    [alert] = by_rule(evaluate(app, patient_id, TODAY), "activity_drop")
    evidence = alert["evidence"]
    assert (evidence["mean_week_before"], evidence["mean_this_week"]) == (8000.0, 4000.0)
    assert evidence["drop_percent"] == 50.0
    with app.state.session_factory() as session:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        steps = build_snapshot(session, patient, TODAY).daily_steps()
    assert steps[date(2026, 11, 10)] == 3500.0
    assert steps[TODAY] == 4000.0


def test_low_pdc_fires_from_fills(app: FastAPI, cast: Cast) -> None:
    """Duloxetine 30-day fills on Jun 1, Jul 15, Sep 1 and Oct 15: 120 of the 183 days from the
    index fill to Nov 30 covered, PDC 0.6557."""
    patient_id = cast.home_patient_id
    with stored(app) as session:
        for day in (date(2026, 6, 1), date(2026, 7, 15), date(2026, 9, 1), date(2026, 10, 15)):
            fill(session, patient_id, DULOXETINE, day, 30)
    [alert] = by_rule(evaluate(app, patient_id, TODAY), "pdc_low")
    evidence = alert["evidence"]
    assert (evidence["covered_days"], evidence["treatment_days"]) == (120, 183)
    assert evidence["pdc"] == 0.6557
    assert evidence["index_date"] == "2026-06-01"
    assert alert["dedup_key"] == f"{patient_id}:pdc_low:snri:2026-06-01"
    assert evaluate(app, patient_id, TODAY + timedelta(days=1)) == []


def test_pdc_is_not_judged_for_as_needed_fills_or_short_treatment(app: FastAPI, cast: Cast) -> None:
    patient_id = cast.home_patient_id
    with stored(app) as session:
        prn = prescription(session, patient_id, OXYCODONE, frequency=4, as_needed=True)
        fill(session, patient_id, OXYCODONE, date(2026, 3, 1), 7, request_id=prn)
        fill(session, patient_id, OXYCODONE, date(2026, 6, 1), 7, request_id=prn)
        # 2 fills, but only 31 days from the index fill: under PQA's 91.
        fill(session, patient_id, DULOXETINE, date(2026, 10, 31), 10)
        fill(session, patient_id, DULOXETINE, date(2026, 11, 20), 10)
    assert by_rule(evaluate(app, patient_id, TODAY), "pdc_low") == []


def test_prn_overuse_fires_from_dose_logs(app: FastAPI, cast: Cast) -> None:
    """Oxycodone up to every 6 hours as needed (4 a day); 6 doses logged on Nov 29."""
    patient_id = cast.home_patient_id
    with stored(app) as session:
        order = prescription(
            session,
            patient_id,
            OXYCODONE,
            frequency=1,
            period=6,
            unit=PeriodUnit.hour,
            as_needed=True,
        )
        for hour in (6, 9, 12, 15, 18, 21):
            dose(session, patient_id, order, at(date(2026, 11, 29), hour), as_needed=True)
        for hour in (8, 14):
            dose(session, patient_id, order, at(date(2026, 11, 28), hour), as_needed=True)
    [alert] = by_rule(evaluate(app, patient_id, TODAY), "opioid_prn_overuse")
    assert alert["severity"] == "high"
    assert alert["evidence"]["days_over"] == [{"day": "2026-11-29", "doses": 6, "max_per_day": 4}]
    assert alert["dedup_key"] == f"{patient_id}:opioid_prn_overuse:oxycodone:2026-11-29"
    assert evaluate(app, patient_id, TODAY + timedelta(days=1)) == []


def test_opioid_early_refill_fires_from_fills(app: FastAPI, cast: Cast) -> None:
    """A 30-day oxycodone fill on Nov 1, refilled Nov 20: 19 of 30 days (63 %) elapsed."""
    patient_id = cast.home_patient_id
    with stored(app) as session:
        fill(session, patient_id, "1049621", date(2026, 11, 1), 30)
        fill(session, patient_id, OXYCODONE, date(2026, 11, 20), 30)
    [alert] = by_rule(evaluate(app, patient_id, TODAY), "opioid_early_refill")
    evidence = alert["evidence"]
    assert (evidence["days_elapsed"], evidence["previous_days_supply"]) == (19, 30)
    assert evidence["share_elapsed"] == 0.6333
    assert alert["dedup_key"] == f"{patient_id}:opioid_early_refill:oxycodone:2026-11-20"


def test_no_data_for_three_days(app: FastAPI, cast: Cast) -> None:
    """Last entry on Nov 26: Nov 27, 28 and 29 are silent, so on Nov 30 the rule fires."""
    patient_id = cast.home_patient_id
    with stored(app) as session:
        diary(session, patient_id, date(2026, 11, 26), 5)
    assert by_rule(evaluate(app, patient_id, date(2026, 11, 29)), "no_data") == []
    [alert] = by_rule(evaluate(app, patient_id, TODAY), "no_data")
    assert alert["severity"] == "info"
    assert alert["evidence"] == alert["evidence"] | {
        "last_data_day": "2026-11-26",
        "days_without": 3,
    }
    assert evaluate(app, patient_id, TODAY + timedelta(days=1)) == []


def test_a_sweep_evaluation_is_audited_as_painpath_itself(app: FastAPI, cast: Cast) -> None:
    two_weeks_of_pain(app, cast.home_patient_id)
    evaluate(app, cast.home_patient_id, TODAY)
    with app.state.session_factory() as session:
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.patient_id == cast.home_patient_id,
                AuditEvent.resource_type.in_(("AlertEvaluation", "Alert")),
            )
        ).all()
    assert {(e.resource_type, e.action, e.user_id) for e in events} == {
        ("AlertEvaluation", "read", None),
        ("Alert", "create", None),
    }
