"""Outcomes, workflow errors, access and 'therapies tried' over the API (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from painpath.models import AuditEvent
from painpath.services.care.therapies import tried_from_courses
from tests.support.cohort import Cast
from tests.therapies.helpers import Api, days_ago


def test_a_follow_up_shows_the_responder_status_and_the_next_due_date(
    client: TestClient, cast: Cast
) -> None:
    """Migraine: >= 50 % fewer monthly migraine days (IHS 2018; AHS 2021); reviewed at 12 weeks."""
    api = Api(client, cast.headers(client, "clinician"), cast.home_patient_id)
    course = api.course("cgrp_monoclonal_antibody", product="galcanezumab")
    api.checks(
        course,
        {"pregnancy": "not_pregnant_not_planning", "cardiovascular_disease": "none"},
        days_ago(100),
    )
    api.post(f"/{course}/start", {"started_on": days_ago(90)}, expect=200)
    api.post(
        f"/{course}/assessments",
        {
            "assessed_on": days_ago(91),
            "instrument": "monthly_migraine_days",
            "timepoint": "baseline",
            "values": {"migraine_days": 12},
        },
        expect=201,
    )
    answer = api.post(
        f"/{course}/assessments",
        {
            "assessed_on": days_ago(5),
            "instrument": "monthly_migraine_days",
            "timepoint": "follow_up",
            "values": {"migraine_days": 5},
        },
        expect=201,
    ).json()["outcomes"]

    follow_up = answer["assessments"][-1]
    assert follow_up["response"]["level"] == "responder"
    assert follow_up["response"]["numbers"]["reduction_percent"] == 58.3
    assert "Tassorelli" in follow_up["response"]["source"]
    assert answer["latest_responder"] is True
    # started 90 days ago: the 12-week review (day 84) is done, the next is 12 weeks later
    from datetime import date, timedelta

    started = date.fromisoformat(days_ago(90))
    assert answer["next_due"] == (started + timedelta(weeks=24)).isoformat()


def test_outcome_values_are_bounded_and_the_instrument_must_fit_the_therapy(
    client: TestClient, cast: Cast
) -> None:
    api = Api(client, cast.headers(client, "clinician"), cast.home_patient_id)
    course = api.course("prp_injection", product="prp_leukocyte_rich")
    wrong = api.post(
        f"/{course}/assessments",
        {
            "assessed_on": days_ago(1),
            "instrument": "das28_crp",
            "timepoint": "baseline",
            "values": {},
        },
        expect=422,
    )
    assert wrong.json()["errors"][0]["field"] == "instrument"
    too_high = api.post(
        f"/{course}/assessments",
        {
            "assessed_on": days_ago(1),
            "instrument": "womac",
            "timepoint": "baseline",
            "values": {"pain": 101, "function": 50, "patient_global": 50},
        },
        expect=422,
    )
    assert too_high.json()["errors"][0]["field"] == "values.pain"
    missing = api.post(
        f"/{course}/assessments",
        {
            "assessed_on": days_ago(1),
            "instrument": "womac",
            "timepoint": "baseline",
            "values": {"pain": 60},
        },
        expect=422,
    )
    assert "required" in missing.json()["detail"]
    early = api.post(
        f"/{course}/assessments",
        {
            "assessed_on": days_ago(1),
            "instrument": "womac",
            "timepoint": "follow_up",
            "values": {"pain": 10, "function": 10, "patient_global": 10},
        },
        expect=409,
    )
    assert "baseline first" in early.json()["detail"]
    future = api.post(
        f"/{course}/assessments",
        {
            "assessed_on": days_ago(-2),
            "instrument": "pain_nrs",
            "timepoint": "baseline",
            "values": {"pain": 5},
        },
        expect=422,
    )
    assert future.json()["errors"][0]["field"] == "assessed_on"


def test_invalid_transitions_are_clear_errors(client: TestClient, cast: Cast) -> None:
    api = Api(client, cast.headers(client, "clinician"), cast.home_patient_id)
    course = api.course("cbt")
    api.post(f"/{course}/end", {"ended_on": days_ago(0), "reason": "completed"}, expect=200)
    refused = api.post(f"/{course}/start", {"started_on": days_ago(0)}, expect=409)
    assert "cannot go from ended to active" in refused.json()["detail"]
    scs = api.course("spinal_cord_stimulation")
    refused = api.post(f"/{scs}/start", {"started_on": days_ago(0)}, expect=409)
    assert "starts with its own step" in refused.json()["detail"]
    again = api.course("occipital_nerve_stimulation")
    duplicate = api.post("", {"therapy": "occipital_nerve_stimulation"}, expect=409)
    assert str(again) in duplicate.json()["detail"]
    unknown = api.post("", {"therapy": "moonbeam_therapy"}, expect=422)
    assert unknown.json()["errors"][0]["field"] == "therapy"


def test_courses_that_ended_with_an_outcome_become_therapies_tried(
    client: TestClient, cast: Cast, engine: Engine
) -> None:
    api = Api(client, cast.headers(client, "clinician"), cast.home_patient_id)
    duloxetine = api.course("duloxetine")
    api.post(f"/{duloxetine}/start", {"started_on": days_ago(100)}, expect=200)
    api.post(
        f"/{duloxetine}/end",
        {"ended_on": days_ago(16), "reason": "inadequate_response"},
        expect=200,
    )
    cbt = api.course("cbt")
    api.post(f"/{cbt}/end", {"ended_on": days_ago(0), "reason": "completed"}, expect=200)
    api.course("acupuncture")  # still open

    with Session(engine) as session:
        tried = tried_from_courses(session, cast.home_patient_id)

    assert tried == [{"therapy": "duloxetine", "outcome": "inadequate_response", "weeks": 12}]
    from painpath.care import Tried

    assert Tried.model_validate(tried[0]).outcome == "inadequate_response"


def test_the_care_team_gate_and_the_audit_trail_cover_every_course_route(
    client: TestClient, cast: Cast, engine: Engine
) -> None:
    clinician = Api(client, cast.headers(client, "clinician"), cast.home_patient_id)
    course = clinician.course("tai_chi")
    patient = Api(client, cast.headers(client, "patient"), cast.home_patient_id)
    assert patient.get(f"/{course}")["course"]["therapy"] == "tai_chi"
    assert patient.post("", {"therapy": "yoga"}).status_code == 403
    pharmacist = Api(client, cast.headers(client, "pharmacist"), cast.home_patient_id)
    assert pharmacist.post(f"/{course}/start", {"started_on": days_ago(0)}).status_code == 403
    stranger = Api(client, cast.headers(client, "other_clinician"), cast.home_patient_id)
    assert client.get(stranger.base, headers=stranger.headers).status_code == 403
    foreign = Api(client, cast.headers(client, "clinician"), cast.foreign_patient_id)
    assert client.get(f"{foreign.base}/{course}", headers=foreign.headers).status_code == 403
    other = Api(client, cast.headers(client, "other_clinician"), cast.foreign_patient_id)
    assert client.get(f"{other.base}/{course}", headers=other.headers).status_code == 404

    with Session(engine) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.resource_type == "TherapyCourse")
        ).all()
    outcomes = [(e.action, str(e.outcome), e.patient_id) for e in events]
    assert ("read", "success", cast.home_patient_id) in outcomes
    assert ("create", "denied", cast.home_patient_id) in outcomes
    assert ("read", "denied", cast.foreign_patient_id) in outcomes
    assert any(e.resource_id == str(course) and e.action == "read" for e in events)
