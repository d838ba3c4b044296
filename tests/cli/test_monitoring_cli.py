"""`painpath monitoring evaluate`: the daily sweep over every patient, audited as painpath."""

from __future__ import annotations

import json
from datetime import date

from fastapi import FastAPI
from sqlalchemy import select

from painpath.models import Alert, AuditEvent
from tests.cli.helpers import Invoke, error_line
from tests.monitoring_api.stored import days, diary, fill, stored
from tests.support.cohort import Cast


def test_the_sweep_evaluates_every_patient_once_per_episode(
    invoke: Invoke, app: FastAPI, cast: Cast
) -> None:
    with stored(app) as session:
        for day in days(date(2026, 11, 11), 7):
            diary(session, cast.home_patient_id, day, 4)
        for day in days(date(2026, 11, 24), 7):
            diary(session, cast.home_patient_id, day, 7)
        fill(session, cast.foreign_patient_id, "7804", date(2026, 11, 1), 30)
        fill(session, cast.foreign_patient_id, "7804", date(2026, 11, 10), 30)
    result = invoke("monitoring", "evaluate", "--today", "2026-11-30", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # The foreign patient has fills but no patient-made data: "no data" cannot start.
    assert report == {
        "today": "2026-11-30",
        "patients": 2,
        "alerts_opened": 2,
        "by_rule": {"opioid_early_refill": 1, "pain_worsening": 1},
        "failed": {},
    }
    with app.state.session_factory() as session:
        alerts = session.execute(select(Alert.patient_id, Alert.rule_id).order_by(Alert.id)).all()
        sweeps = session.scalars(
            select(AuditEvent).where(AuditEvent.resource_type == "AlertEvaluation")
        ).all()
    assert sorted(alerts) == sorted(
        [
            (cast.home_patient_id, "pain_worsening"),
            (cast.foreign_patient_id, "opioid_early_refill"),
        ]
    )
    assert sorted(e.patient_id for e in sweeps) == sorted(
        [cast.home_patient_id, cast.foreign_patient_id]
    )
    assert {(e.user_id, e.username, e.action) for e in sweeps} == {(None, None, "read")}
    again = invoke("monitoring", "evaluate", "--today", "2026-12-01")
    assert again.exit_code == 0, again.output
    assert "evaluated 2 patients: 0 alerts opened (none)" in again.stdout


def test_a_bad_day_or_format_is_refused(invoke: Invoke) -> None:
    assert invoke("monitoring", "evaluate", "--today", "30/11/2026").exit_code == 2
    assert "--format" in error_line(invoke("monitoring", "evaluate", "--format", "xml"))


def test_the_sweep_refuses_an_unmigrated_database(invoke_fresh: Invoke) -> None:
    assert "painpath db upgrade" in error_line(invoke_fresh("monitoring", "evaluate"))
