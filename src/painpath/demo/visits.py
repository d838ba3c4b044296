"""Demo telehealth: the demo clinicians' zones, e-mail addresses (reserved .invalid domain) and
weekday availability, and for the first patients with a login an upcoming video visit with
their primary clinician; the first also has a completed visit with a SOAP note whose minutes
are in the RPM/RTM ledger. Dates follow the cohort's as-of day, so a seed is reproducible."""

from __future__ import annotations

import base64
import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from painpath.demo import staff
from painpath.demo.cohort import PatientDraft
from painpath.models import (
    AvailabilityTemplate,
    ClinicianTimeEntry,
    MonitoringProgram,
    User,
    Visit,
    VisitStatus,
)

#: Each demo clinician works in a different zone, so the demo shows times on each side's clock.
CLINICIAN_ZONES = ("America/New_York", "America/Denver", "Europe/Stockholm")
#: Monday to Friday, 09:00-12:00 and 13:00-16:00 local, 30-minute visits.
WINDOWS = ((9 * 60, 12 * 60), (13 * 60, 16 * 60))
SLOT_MINUTES = 30
VISITING_PATIENTS = 3


def _weekday_after(day: date, days: int) -> date:
    found = day + timedelta(days=days)
    while found.weekday() >= 5:
        found += timedelta(days=1)
    return found


def _visit(
    rng: random.Random, patient_id: int, clinician_id: int, start: datetime
) -> dict[str, object]:
    return {
        "patient_id": patient_id,
        "clinician_id": clinician_id,
        "starts_at": start,
        "ends_at": start + timedelta(minutes=SLOT_MINUTES),
        "status": VisitStatus.booked,
        # From the cohort's seed, so a demo database is reproducible; real visits draw room
        # names from `secrets` (services.telehealth.booking).
        "room": base64.urlsafe_b64encode(rng.randbytes(24)).decode(),
        "calendar_uid": f"{rng.randbytes(16).hex()}@painpath",
        "sequence": 0,
        "reason": "Chronic pain follow-up",
        "booked_by_id": clinician_id,
    }


def seed_visits(
    session: Session,
    *,
    drafts: Sequence[PatientDraft],
    patient_ids: Sequence[int],
    user_ids: dict[str, int],
    as_of: date,
    seed: int,
) -> int:
    """Availability for every demo clinician and a few visits; returns the visits written."""
    for login, zone_name in zip(staff.CLINICIANS, CLINICIAN_ZONES, strict=True):
        session.execute(
            update(User)
            .where(User.id == user_ids[login.username])
            .values(time_zone=zone_name, email=f"{login.username}@demo.painpath.invalid")
        )
        session.execute(
            insert(AvailabilityTemplate),
            [
                {
                    "clinician_id": user_ids[login.username],
                    "weekday": weekday,
                    "start_minute": start,
                    "end_minute": end,
                    "slot_minutes": SLOT_MINUTES,
                }
                for weekday in range(5)
                for start, end in WINDOWS
            ],
        )
    rng = random.Random(f"visits-{seed}")
    zones = dict(zip((c.username for c in staff.CLINICIANS), CLINICIAN_ZONES, strict=True))
    visits = []
    completed_for: tuple[int, int, datetime] | None = None
    with_login = [
        (draft, patient_id)
        for draft, patient_id in zip(drafts, patient_ids, strict=True)
        if draft.account_username
    ][:VISITING_PATIENTS]
    for index, (draft, patient_id) in enumerate(with_login):
        clinician = draft.clinicians[0]
        zone = ZoneInfo(zones[clinician])
        day = _weekday_after(as_of, 2 + index)
        start = datetime.combine(day, time(10, 0), zone)
        visits.append(_visit(rng, patient_id, user_ids[clinician], start))
        if index == 0:
            past_day = _weekday_after(as_of - timedelta(days=9), 0)
            past = datetime.combine(past_day, time(9, 30), zone)
            completed_for = (patient_id, user_ids[clinician], past)
    if completed_for is not None:
        patient_id, clinician_id, past = completed_for
        done = _visit(rng, patient_id, clinician_id, past)
        done.update(
            status=VisitStatus.completed,
            subjective="Low back pain 5/10 most days; walking 20 minutes daily.",
            objective="Video exam: full forward flexion with discomfort; gait normal.",
            assessment="Chronic low back pain, improving with exercise therapy.",
            plan="Continue the home exercise programme; review in four weeks.",
            note_updated_at=past + timedelta(minutes=25),
            completed_at=past + timedelta(minutes=25),
            minutes=20,
        )
        visits.append(done)
    if not visits:
        return 0
    ids = list(
        session.scalars(
            insert(Visit).returning(Visit.id, sort_by_parameter_order=True),
            visits,
        )
    )
    if completed_for is not None:
        patient_id, clinician_id, past = completed_for
        session.execute(
            insert(ClinicianTimeEntry),
            [
                {
                    "patient_id": patient_id,
                    "clinician_id": clinician_id,
                    "started_at": past,
                    "minutes": 20,
                    "interactive": True,
                    "program": MonitoringProgram.rtm_msk,
                    "note": f"video visit {ids[-1]}",
                    "visit_id": ids[-1],
                }
            ],
        )
    return len(ids)
