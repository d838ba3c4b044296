"""The demo seeds one course per workflow family for its first patients, readable through the
same services as the pages (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.db.engine import make_engine, make_session_factory
from painpath.models import Patient, TherapyCourse, User
from painpath.services.access import open_patient
from painpath.services.care.therapies import tried_from_courses, views
from tests.demo.helpers import seed_into


def test_the_demo_courses_read_back_with_their_gates_and_responses(database_url: str) -> None:
    seed_into(database_url, patients=5, seed=3)
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    with factory() as session:
        first, second, third = session.scalars(select(Patient.id).order_by(Patient.id).limit(3))
        rivera = session.scalars(select(User).where(User.username == "dr.rivera")).one()
        courses = {c.therapy: c for c in session.scalars(select(TherapyCourse))}
        assert set(courses) == {
            "prp_injection",
            "spinal_cord_stimulation",
            "tnf_inhibitor",
            "cgrp_monoclonal_antibody",
            "duloxetine",
        }
        grant = open_patient(
            session,
            actor=Actor.of(rivera),
            patient_id=first,
            permission=Permission.therapy_read,
            action="read",
            resource_type="TherapyCourse",
        )
        prp = views.course_detail(session, access=grant, course_id=courses["prp_injection"].id)
        assert len(prp.injections) == 3
        assert prp.outcomes.latest_responder is True
        scs = views.course_detail(
            session, access=grant, course_id=courses["spinal_cord_stimulation"].id
        )
        assert scs.trial is not None
        assert scs.trial.success
        assert [p.relief_percent for p in scs.programs] == [40.0, 60.0]
        assert tried_from_courses(session, third) == [
            {"therapy": "duloxetine", "outcome": "inadequate_response", "weeks": 12}
        ]
        assert courses["tnf_inhibitor"].patient_id == second
    engine.dispose()
