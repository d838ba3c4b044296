"""Therapies a patient has had, and how each ended: recorded, listed, marked entered in error.

`tried_for_patient` is the single entry point the suggestion engine's `tried` input comes from
(services.care.suggestions.record_request): every other source of "tried" (therapy courses,
care plans) is added there. Stored rows are read as hostile: one whose therapy id or outcome
the knowledge does not know, or whose weeks are out of range, is left out and named in the
notes rather than failing the suggestions. Nothing is deleted: a wrong entry is marked
`entered-in-error` with a reason, audited, and no longer used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.care import knowledge
from painpath.care.inputs import MAX_TRIAL_WEEKS, TherapyOutcome
from painpath.care.knowledge import TherapyFamily
from painpath.kit.clock import time_zone, utcnow
from painpath.models.care_therapy_tried import CareTherapyTried, TherapyTriedStatus
from painpath.schemas.care_tried import TherapyTriedCreate
from painpath.services.access import PatientAccess
from painpath.services.care.plans.tried import tried_from_plan
from painpath.services.care.therapies.courses import tried_from_courses
from painpath.services.errors import Conflict, InvalidInput, NotFound
from painpath.services.recording import recorder

#: the request's `tried` list takes at most this many entries (painpath.care.inputs)
MAX_TRIED = 100
_OUTCOMES = frozenset(o.value for o in TherapyOutcome)


@dataclass(frozen=True, slots=True)
class TriedEntry:
    """A stored row with what the knowledge says of it; `problem` when it cannot be used."""

    row: CareTherapyTried
    therapy_name: str | None
    family: TherapyFamily | None
    outcome: TherapyOutcome | None
    problem: str | None


def describe(row: CareTherapyTried) -> TriedEntry:
    """The row with what the knowledge says of it."""
    therapy = knowledge().therapies.get(row.therapy)
    outcome = TherapyOutcome(row.outcome) if row.outcome in _OUTCOMES else None
    problem = None
    if therapy is None:
        problem = f"therapy {row.therapy[:60]!r} is not in the care knowledge"
    elif outcome is None:
        problem = f"outcome {row.outcome[:40]!r} is not a known outcome"
    elif row.weeks is not None and not 0 <= row.weeks <= MAX_TRIAL_WEEKS:
        problem = f"weeks {row.weeks} is out of range"
    return TriedEntry(
        row=row,
        therapy_name=therapy.name if therapy else None,
        family=therapy.family if therapy else None,
        outcome=outcome,
        problem=problem,
    )


def _rows(session: Session, access: PatientAccess, *, active_only: bool) -> list[CareTherapyTried]:
    query = select(CareTherapyTried).where(CareTherapyTried.patient_id == access.patient_id)
    if active_only:
        query = query.where(CareTherapyTried.status == TherapyTriedStatus.active)
    newest_first = (
        CareTherapyTried.ended_on.desc().nulls_last(),
        CareTherapyTried.id.desc(),
    )
    return list(session.scalars(query.order_by(*newest_first)))


def list_tried(
    session: Session, *, access: PatientAccess, include_entered_in_error: bool = True
) -> list[TriedEntry]:
    """The patient's therapies tried, most recently ended first."""
    return [describe(r) for r in _rows(session, access, active_only=not include_entered_in_error)]


def record_tried(
    session: Session, *, access: PatientAccess, data: TherapyTriedCreate, today: date | None = None
) -> CareTherapyTried:
    """Store one therapy tried. `ended_on` may not pass `today`, the patient's local date (by
    default from the clock in the patient's time zone)."""
    if today is None:
        today = utcnow().astimezone(time_zone(access.patient.time_zone)).date()
    if data.ended_on is not None:
        if data.ended_on > today:
            raise InvalidInput("ended_on is in the future", field="ended_on")
        if data.ended_on < access.patient.birth_date:
            raise InvalidInput("ended_on is before the patient's birth date", field="ended_on")
    row = CareTherapyTried(
        patient_id=access.patient_id,
        therapy=data.therapy,
        outcome=data.outcome.value,
        weeks=data.weeks,
        ended_on=data.ended_on,
        note=data.note or None,
        status=TherapyTriedStatus.active,
        **recorder(access.actor),
    )
    session.add(row)
    session.flush()
    access.note_resource(row.id)
    access.event.detail = f"therapy tried recorded: {data.therapy} ({data.outcome.value})"
    return row


def mark_entered_in_error(
    session: Session, *, access: PatientAccess, tried_id: int, reason: str
) -> CareTherapyTried:
    """Mark one entry entered in error (kept, no longer used by suggestions)."""
    row = session.get(CareTherapyTried, tried_id)
    if row is None or row.patient_id != access.patient_id:
        raise NotFound(f"therapy tried {tried_id} not found for patient {access.patient_id}")
    if row.status is TherapyTriedStatus.entered_in_error:
        raise Conflict(f"therapy tried {tried_id} is already marked entered in error")
    row.status = TherapyTriedStatus.entered_in_error
    row.status_reason = reason
    session.flush()
    access.note_resource(row.id)
    access.event.detail = "therapy tried marked entered-in-error"
    return row


def tried_for_patient(
    session: Session, access: PatientAccess, *, notes: list[str] | None = None
) -> list[dict[str, object]]:
    """The `tried` input of care suggestions from the record: `{"therapy", "outcome", "weeks"}`
    from three sources, one entry per therapy — what the care team recorded as tried (most
    recent first; it wins where sources overlap), therapy courses that ended with an outcome
    (`services.care.therapies`), and care-plan activities stopped for a coded reason
    (`services.care.plans`) — at most MAX_TRIED. Entries that cannot be used are named in
    `notes` when given."""
    tried: list[dict[str, object]] = []
    for entry in list_tried(session, access=access, include_entered_in_error=False):
        if entry.problem is not None or entry.outcome is None:
            if notes is not None:
                notes.append(f"Therapy tried entry {entry.row.id} is not used: {entry.problem}.")
            continue
        tried.append(
            {"therapy": entry.row.therapy, "outcome": entry.outcome.value, "weeks": entry.row.weeks}
        )
    patient_id = access.patient.id
    seen = {str(item["therapy"]) for item in tried}
    for item in tried_from_courses(session, patient_id) + tried_from_plan(session, patient_id):
        if item["therapy"] not in seen:
            seen.add(str(item["therapy"]))
            tried.append(dict(item))
    if len(tried) > MAX_TRIED:
        if notes is not None:
            notes.append(
                f"Only the {MAX_TRIED} most recent of {len(tried)} therapies tried are used."
            )
        tried = tried[:MAX_TRIED]
    return tried
