"""The visit's SOAP note, its completion, and its minutes in the RPM/RTM ledger.

Completing a visit records its minutes as a ClinicianTimeEntry marked interactive (the visit is
the month's real-time interactive communication) and linked to the visit (unique), so the
minutes are logged once; the ledger counts a clinician's overlapping entries once (a visit and
time logged by hand for the same stretch), see monitoring.billing.overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from painpath.fhir.encounter import VisitRecord, visit_bundle
from painpath.kit.clock import utcnow
from painpath.models.monitoring_time import ClinicianTimeEntry, MonitoringProgram
from painpath.models.telehealth import Visit, VisitStatus
from painpath.models.user import User
from painpath.services.access import PatientAccess
from painpath.services.errors import AccessDenied, Conflict, InvalidInput
from painpath.services.telehealth.booking import get_visit

MAX_SECTION_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Soap:
    subjective: str | None = None
    objective: str | None = None
    assessment: str | None = None
    plan: str | None = None


def _own_visit(session: Session, access: PatientAccess, visit_id: int) -> Visit:
    visit = get_visit(session, access=access, visit_id=visit_id)
    if visit.clinician_id != access.actor.user_id:
        raise AccessDenied("only the visit's clinician writes its note")
    return visit


def save_note(session: Session, *, access: PatientAccess, visit_id: int, note: Soap) -> Visit:
    visit = _own_visit(session, access, visit_id)
    if visit.status is VisitStatus.cancelled:
        raise Conflict("the visit was cancelled", field="status")
    if visit.status is VisitStatus.completed:
        raise Conflict("the visit is completed; its note is final", field="status")
    for name in ("subjective", "objective", "assessment", "plan"):
        text = getattr(note, name)
        if text is not None and len(text) > MAX_SECTION_CHARS:
            raise InvalidInput(f"longer than {MAX_SECTION_CHARS} characters", field=name)
        setattr(visit, name, (text.strip() or None) if text is not None else None)
    visit.note_updated_at = utcnow()
    session.flush()
    access.event.detail = "visit note saved"
    return visit


def complete(
    session: Session,
    *,
    access: PatientAccess,
    visit_id: int,
    minutes: int,
    program: MonitoringProgram,
) -> Visit:
    """Finish the visit: the note becomes final and its minutes go to the ledger, once."""
    visit = _own_visit(session, access, visit_id)
    if visit.status is not VisitStatus.booked:
        raise Conflict(f"the visit is {visit.status.value}, not booked", field="status")
    if not 1 <= minutes <= 600:
        raise InvalidInput("minutes are 1 to 600", field="minutes")
    now = utcnow()
    if visit.starts_at > now:
        raise InvalidInput("the visit has not started yet", field="status")
    if not any((visit.subjective, visit.objective, visit.assessment, visit.plan)):
        raise InvalidInput("write the note before completing the visit", field="note")
    visit.status = VisitStatus.completed
    visit.completed_at = now
    visit.minutes = minutes
    session.add(
        ClinicianTimeEntry(
            patient_id=visit.patient_id,
            clinician_id=visit.clinician_id,
            started_at=visit.starts_at,
            minutes=minutes,
            interactive=True,
            program=program,
            note=f"video visit {visit.id}",
            visit_id=visit.id,
        )
    )
    session.flush()
    access.event.detail = f"visit completed: {minutes} minutes, {program.value}"
    return visit


def fhir_export(session: Session, *, access: PatientAccess, visit_id: int) -> dict[str, Any]:
    """The visit as a FHIR Bundle: Encounter and, with a note, its DocumentReference."""
    visit = get_visit(session, access=access, visit_id=visit_id)
    clinician = session.get(User, visit.clinician_id)
    access.event.detail = "visit exported as FHIR"
    return visit_bundle(
        VisitRecord(
            visit_id=visit.id,
            patient_id=visit.patient_id,
            clinician_id=visit.clinician_id,
            clinician_name=clinician.display_name if clinician else "former user",
            status=visit.status.value,
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
            minutes=visit.minutes,
            reason=visit.reason,
            subjective=visit.subjective,
            objective=visit.objective,
            assessment=visit.assessment,
            plan=visit.plan,
            note_at=visit.note_updated_at,
        )
    )
