"""Questionnaire schedules in the patient's own time zone: openings keep their wall-clock time
across daylight-saving changes, and occurrences that close unanswered are logged as missed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy.orm import Session

from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.kit.clock import time_zone
from painpath.models import OccurrenceEvent, Recurrence, User
from painpath.schemas.monitoring_questionnaires import AssignmentCreate
from painpath.services.access import PatientAccess, open_patient
from painpath.services.monitoring import occurrences as monitoring_occurrences
from painpath.services.monitoring import schedule as monitoring_schedule
from painpath.services.transaction import unit_of_work
from tests.support.cohort import Cast

CHICAGO = time_zone("America/Chicago")


def grant(session: Session, cast: Cast) -> PatientAccess:
    user = session.get(User, cast.user_ids["clinician"])
    assert user is not None
    return open_patient(
        session,
        actor=Actor.of(user),
        patient_id=cast.home_patient_id,
        permission=Permission.questionnaire_assign,
        action="create",
        resource_type="QuestionnaireAssignment",
    )


def test_a_daily_opening_keeps_its_local_time_across_the_end_of_daylight_saving(
    app: FastAPI, cast: Cast
) -> None:
    # 2026-11-01 02:00 CDT → 01:00 CST in Chicago.
    start = datetime(2026, 10, 30, 9, 0, tzinfo=CHICAGO)
    with unit_of_work(app.state.session_factory) as session:
        plan = AssignmentCreate(instrument="nrs", recurrence=Recurrence.daily, starts_at=start)
        assignment = monitoring_schedule.create_assignment(
            session, access=grant(session, cast), data=plan
        )
        openings = [monitoring_occurrences.opens_at(assignment, i, CHICAGO) for i in range(4)]
        moment = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)  # 09:30 CST
        index = monitoring_occurrences.latest_index(assignment, moment, CHICAGO)
    assert [o.astimezone(CHICAGO).hour for o in openings] == [9, 9, 9, 9]
    assert [o.hour for o in openings] == [14, 14, 15, 15]
    assert index == 3


def test_occurrences_that_close_unanswered_are_logged_as_missed(app: FastAPI, cast: Cast) -> None:
    created = datetime.now(UTC).replace(microsecond=0)
    with unit_of_work(app.state.session_factory) as session:
        access = grant(session, cast)
        plan = AssignmentCreate(
            instrument="peg",
            recurrence=Recurrence.every_n_days,
            interval_days=2,
            starts_at=created - timedelta(hours=1),
            window_minutes=120,
        )
        assignment = monitoring_schedule.create_assignment(session, access=access, data=plan)
        later = created + timedelta(days=4, minutes=-30)
        due = monitoring_schedule.due_occurrences(session, access=access, now=later)
        log = monitoring_schedule.occurrence_log(
            session, access=access, assignment_id=assignment.id
        )
    assert [(d.index, d.status, d.due_now) for d in due] == [(2, OccurrenceEvent.scheduled, True)]
    assert [(row.occurrence, row.event) for row in log] == [
        (0, OccurrenceEvent.scheduled),
        (0, OccurrenceEvent.missed),
        (1, OccurrenceEvent.scheduled),
        (1, OccurrenceEvent.missed),
        (2, OccurrenceEvent.scheduled),
    ]


def test_a_one_off_assignment_has_one_occurrence(app: FastAPI, cast: Cast) -> None:
    start = datetime(2026, 11, 2, 9, 0, tzinfo=CHICAGO)
    with unit_of_work(app.state.session_factory) as session:
        plan = AssignmentCreate(instrument="odi", recurrence=Recurrence.once, starts_at=start)
        assignment = monitoring_schedule.create_assignment(
            session, access=grant(session, cast), data=plan
        )
        before = monitoring_occurrences.latest_index(assignment, start - timedelta(days=1), CHICAGO)
        after = monitoring_occurrences.latest_index(assignment, start + timedelta(days=30), CHICAGO)
    assert (before, after) == (-1, 0)
