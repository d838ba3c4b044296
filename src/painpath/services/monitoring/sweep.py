"""The daily sweep: evaluate the alert rules for every active patient, one transaction each, so
one patient's failure neither hides nor rolls back the others' alerts."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from painpath.models.patient import Patient
from painpath.services.care.plans.goals import evaluate_goals
from painpath.services.monitoring.evaluation import evaluate_patient, patient_ids
from painpath.services.transaction import unit_of_work

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class SweepReport:
    today: date | None
    patients: int = 0
    opened: Counter[str] = field(default_factory=Counter)
    failed: dict[int, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "today": None if self.today is None else self.today.isoformat(),
            "patients": self.patients,
            "alerts_opened": sum(self.opened.values()),
            "by_rule": dict(sorted(self.opened.items())),
            "failed": {str(k): v for k, v in sorted(self.failed.items())},
        }


def sweep(session_factory: sessionmaker[Session], today: date | None = None) -> SweepReport:
    """Evaluate every active patient on `today` (None: each patient's own local today)."""
    report = SweepReport(today)
    with session_factory() as session:
        ids = patient_ids(session)
    for patient_id in ids:
        try:
            with unit_of_work(session_factory) as session:
                patient = session.get(Patient, patient_id)
                if patient is None:  # deleted since the list was read
                    continue
                opened = evaluate_patient(session, patient, today)
                evaluate_goals(session, patient, trigger="the daily sweep", today=today)
                report.opened.update(alert.rule_id for alert in opened)
        except Exception as error:  # one patient's failure must not stop the sweep
            logger.exception("alert evaluation failed for patient %s", patient_id)
            report.failed[patient_id] = f"{type(error).__name__}: {error}"[:300]
            continue
        report.patients += 1
    return report
