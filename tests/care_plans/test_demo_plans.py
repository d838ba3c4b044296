"""The demo seeds care plans for its first patients: goals, a course with attendance, `tried`."""

from __future__ import annotations

from sqlalchemy import select

from painpath.db.engine import make_engine, make_session_factory
from painpath.models import Patient
from painpath.models.care_plan import CarePlan, CarePlanActivity, CarePlanGoal, CarePlanSession
from painpath.services.care.plans.tried import tried_from_plan
from tests.demo.helpers import seed_into


def test_the_first_demo_patients_have_a_plan_with_goals_courses_and_tried(
    database_url: str,
) -> None:
    seed_into(database_url, patients=14, seed=7)
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            first = session.scalars(select(Patient.id).order_by(Patient.id)).first()
            plans = list(session.scalars(select(CarePlan)))
            assert len(plans) == 12
            assert {plan.status.value for plan in plans} == {"active"}
            goals = session.scalars(select(CarePlanGoal).where(CarePlanGoal.patient_id == first))
            assert sorted(g.kind for g in goals) == [
                "active_minutes_min",
                "daily_steps_min",
                "peg_max",
            ]
            course = session.scalars(
                select(CarePlanActivity).where(
                    CarePlanActivity.patient_id == first, CarePlanActivity.schedule.is_not(None)
                )
            ).one()
            sessions = session.scalars(
                select(CarePlanSession).where(CarePlanSession.activity_id == course.id)
            )
            statuses = [s.status.value for s in sessions]
            assert statuses[:4] == ["attended", "attended", "missed", "attended"]
            assert set(statuses[4:]) == {"scheduled"}
            assert first is not None
            assert tried_from_plan(session, first) == [
                {"therapy": "duloxetine", "outcome": "inadequate_response", "weeks": 12}
            ]
    finally:
        engine.dispose()
