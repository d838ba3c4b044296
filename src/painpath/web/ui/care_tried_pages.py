"""Therapies tried, for the care team: the list (entries marked entered-in-error shown as
such) and a form to record one; each entry can be marked entered in error with a reason.

The page reads with `condition:read`; the forms write with `condition:write` (clinicians) and
prove themselves with the form's CSRF token before opening the patient through the shared gate.
Every read, write and refusal is audited (`TherapyTried`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from painpath.auth.permissions import Permission
from painpath.care import knowledge
from painpath.care.inputs import TherapyOutcome
from painpath.care.knowledge import TherapyFamily
from painpath.models.audit_event import AuditOutcome
from painpath.schemas.base import MAX_ROW_ID
from painpath.schemas.care_tried import TherapyTriedCreate
from painpath.services.access import PatientAccess
from painpath.services.care import tried as therapies_tried
from painpath.services.errors import Conflict, InvalidInput, NotFound
from painpath.web.deps import SessionDep, access
from painpath.web.ui.deps import FormViewerDep, ViewerDep
from painpath.web.ui.form_access import form_access
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import Viewer, render

router = APIRouter(route_class=UIRoute)

PAGE = "/patients/{patient_id}/care/therapies-tried"
Reader = Annotated[PatientAccess, access(Permission.condition_read, "TherapyTried")]
Writer = Annotated[PatientAccess, form_access(Permission.condition_write, "TherapyTried")]
Marker = Annotated[PatientAccess, form_access(Permission.condition_write, "TherapyTried", "update")]
TriedId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
FormText = Annotated[str, Form(max_length=2000)]

OUTCOME_LABELS = {
    TherapyOutcome.inadequate_response: "Inadequate response",
    TherapyOutcome.intolerance: "Not tolerated",
    TherapyOutcome.loss_of_response: "Lost response",
    TherapyOutcome.contraindicated: "Contraindicated",
}
FAMILY_LABELS = {
    TherapyFamily.medicine: "Medicines",
    TherapyFamily.biologic: "Biologics",
    TherapyFamily.neurostimulation: "Neurostimulation",
    TherapyFamily.regenerative: "Regenerative",
    TherapyFamily.digital: "Digital",
    TherapyFamily.complementary: "Complementary and rehabilitation",
    TherapyFamily.procedure: "Procedures",
}


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


def therapy_groups() -> list[tuple[str, list[Choice]]]:
    """The therapy catalogue grouped by family, for the form's select."""
    grouped: dict[TherapyFamily, list[Choice]] = defaultdict(list)
    for therapy in sorted(knowledge().therapies.values(), key=lambda t: t.name.lower()):
        grouped[therapy.family].append(Choice(therapy.id, therapy.name))
    return [(FAMILY_LABELS[f], grouped[f]) for f in TherapyFamily if grouped[f]]


def _page(
    request: Request,
    session: Session,
    grant: PatientAccess,
    viewer: Viewer,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    entries = therapies_tried.list_tried(session, access=grant)
    return render(
        request,
        "care_tried.html",
        viewer=viewer,
        status_code=status_code,
        patient=grant.patient,
        entries=entries,
        outcomes=[Choice(o.value, label) for o, label in OUTCOME_LABELS.items()],
        outcome_labels={o.value: label for o, label in OUTCOME_LABELS.items()},
        family_labels={f.value: label for f, label in FAMILY_LABELS.items()},
        groups=therapy_groups(),
        can_write=viewer.actor.can(Permission.condition_write),
        form=form or {},
        errors=errors or {},
    )


@router.get(PAGE)
def tried_page(request: Request, grant: Reader, viewer: ViewerDep, session: SessionDep) -> Response:
    grant.event.detail = "therapies tried page"
    return _page(request, session, grant, viewer)


def _errors(error: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "form"
        found.setdefault(name, item["msg"].removeprefix("Value error, ").capitalize() + ".")
    return found


@router.post(PAGE)
def record_tried(
    request: Request,
    grant: Writer,
    viewer: FormViewerDep,
    session: SessionDep,
    therapy: FormText = "",
    outcome: FormText = "",
    weeks: FormText = "",
    ended_on: FormText = "",
    note: FormText = "",
) -> Response:
    """Record one therapy tried and come back to the list; on a mistake, the form again."""
    form = {"therapy": therapy, "outcome": outcome, "weeks": weeks, "ended_on": ended_on}
    form["note"] = note
    errors: dict[str, str] = {}
    try:
        data = TherapyTriedCreate.model_validate(
            {
                "therapy": therapy.strip(),
                "outcome": outcome.strip(),
                "weeks": weeks.strip() or None,
                "ended_on": ended_on.strip() or None,
                "note": note.strip() or None,
            }
        )
    except ValidationError as error:
        errors = _errors(error)
    else:
        try:
            row = therapies_tried.record_tried(session, access=grant, data=data)
        except InvalidInput as error:
            errors = {str(error.field or "form"): error.detail.capitalize() + "."}
        else:
            name = knowledge().therapies[row.therapy].name
            label = OUTCOME_LABELS[data.outcome].lower()
            request.session["flash"] = f"Recorded: {name}, {label}."
            return RedirectResponse(PAGE.format(patient_id=grant.patient_id), status_code=303)
    grant.event.outcome = AuditOutcome.failure
    grant.event.detail = "therapy tried refused: " + ", ".join(sorted(errors))
    return _page(request, session, grant, viewer, form=form, errors=errors, status_code=422)


@router.post(PAGE + "/{tried_id}/entered-in-error")
def mark_entered_in_error(
    request: Request,
    tried_id: TriedId,
    grant: Marker,
    session: SessionDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Mark one entry entered in error (it stays listed, struck through, and is not used)."""
    text = reason.strip()
    back = RedirectResponse(PAGE.format(patient_id=grant.patient_id), status_code=303)
    if not 1 <= len(text) <= 300:
        grant.event.outcome = AuditOutcome.failure
        grant.event.detail = "refused: a reason of 1 to 300 characters is needed"
        request.session["flash"] = "Nothing changed: give a reason (at most 300 characters)."
        return back
    try:
        therapies_tried.mark_entered_in_error(session, access=grant, tried_id=tried_id, reason=text)
    except (Conflict, NotFound) as refusal:
        session.rollback()
        grant.event.outcome = AuditOutcome.failure
        grant.event.detail = f"refused: {refusal.detail}"
        request.session["flash"] = f"Nothing changed: {refusal.detail}."
        return back
    request.session["flash"] = "Marked entered in error: it is kept here but no longer used."
    return back
