"""Synthetic therapies tried for the demo cohort, so the care suggestions and the therapies-tried
page show a history: a plausible earlier treatment per primary pain condition, and how it ended.

Deterministic (every other patient with a listed condition gets one); therapy ids and outcomes
come from the care knowledge, so a renamed therapy fails the demo seed rather than storing an
id the engine does not know.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from painpath.care import knowledge
from painpath.care.codes import condition_for
from painpath.care.inputs import TherapyOutcome
from painpath.demo.cohort import PatientDraft
from painpath.models.care_therapy_tried import CareTherapyTried, TherapyTriedStatus
from painpath.models.enums import Role

#: condition id -> (therapy id, outcome, weeks, note)
HISTORY: dict[str, tuple[str, TherapyOutcome, int, str]] = {
    "chronic_low_back_pain": ("duloxetine", TherapyOutcome.inadequate_response, 12, "no change"),
    "knee_osteoarthritis": ("nsaid_oral", TherapyOutcome.intolerance, 3, "dyspepsia"),
    "hip_osteoarthritis": ("nsaid_oral", TherapyOutcome.intolerance, 4, "dyspepsia"),
    "painful_diabetic_neuropathy": ("pregabalin", TherapyOutcome.intolerance, 5, "dizziness"),
    "postherpetic_neuralgia": ("amitriptyline", TherapyOutcome.intolerance, 4, "drowsiness"),
    "fibromyalgia": ("amitriptyline", TherapyOutcome.inadequate_response, 10, "no change"),
    "episodic_migraine": ("topiramate", TherapyOutcome.intolerance, 6, "paraesthesia"),
    "chronic_migraine": ("topiramate", TherapyOutcome.inadequate_response, 12, "no change"),
    "chronic_neck_pain": ("exercise_therapy", TherapyOutcome.inadequate_response, 8, "home plan"),
}


def seed_therapies_tried(
    session: Session,
    drafts: Sequence[PatientDraft],
    patient_ids: Sequence[int],
    clinician_ids: Sequence[int],
    as_of: date,
) -> int:
    """Insert the demo history; returns the number of rows."""
    therapies = knowledge().therapies
    rows: list[dict[str, Any]] = []
    for draft, patient_id, clinician_id in zip(drafts, patient_ids, clinician_ids, strict=True):
        if draft.index % 2:
            continue
        found = (condition_for(c.code) for c in draft.conditions)
        condition = next((c for c in found if c in HISTORY), None)
        if condition is None:
            continue
        therapy, outcome, weeks, note = HISTORY[condition]
        assert therapy in therapies, therapy
        rows.append(
            {
                "patient_id": patient_id,
                "therapy": therapy,
                "outcome": outcome.value,
                "weeks": weeks,
                "ended_on": as_of - timedelta(days=90 + 7 * (draft.index % 20)),
                "note": note,
                "status": TherapyTriedStatus.active.value,
                "recorder_id": clinician_id,
                "recorder_role": Role.clinician.value,
            }
        )
    if rows:
        session.execute(insert(CareTherapyTried), rows)
    return len(rows)
