"""Therapy-course pages: a patient's courses and one page per course with its workflow.

Clinicians record screening, candidacy and contraindication results, start a biologic, run a
stimulation trial, record the implant and programs, acknowledge a regenerative therapy's status
and log injections, and record outcomes; everyone on the care team (and the patient, read-only)
sees the course. Each form posts to its own route, goes through the same services as the API,
and on a refusal shows the page again with the reason (409 or 422) and nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from painpath.auth.permissions import Permission
from painpath.care import knowledge
from painpath.care.workflows import EndReason, family_of, workflow_knowledge
from painpath.kit.pagination import PageRequest
from painpath.models.audit_event import AuditOutcome
from painpath.schemas.base import MAX_ROW_ID
from painpath.schemas.therapies import (
    AssessmentCreate,
    CheckCreate,
    CourseCreate,
    EndCreate,
    ImplantCreate,
    InjectionCreate,
    ProgramCreate,
    StartCreate,
    TrialBegin,
    TrialDayCreate,
    TrialEvaluation,
)
from painpath.services.access import PatientAccess
from painpath.services.care.therapies import (
    courses,
    gates,
    neurostim,
    outcomes,
    regenerative,
    views,
)
from painpath.services.errors import InvalidInput, ServiceError
from painpath.web.deps import SessionDep, access
from painpath.web.ui.deps import FormViewerDep, ViewerDep
from painpath.web.ui.form_access import form_access
from painpath.web.ui.local_time import patient_today
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import Viewer, render

router = APIRouter(route_class=UIRoute)

COURSES = "/patients/{patient_id}/therapies"
COURSE = COURSES + "/{course_id}"
CourseId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Reader = Annotated[PatientAccess, access(Permission.therapy_read, "TherapyCourse")]
Creator = Annotated[PatientAccess, form_access(Permission.therapy_write, "TherapyCourse")]
Writer = Annotated[PatientAccess, form_access(Permission.therapy_write, "TherapyCourse", "update")]
Text = Annotated[str, Form(max_length=500)]
VALUE_PREFIX = "value-"
#: Each workflow step in the patient's words (their read-only pages).
PLAIN_STEPS = {
    "screening": "Safety checks before the first dose",
    "active": "Treatment under way",
    "candidacy": "Checks before a stimulator trial",
    "trial": "Trial of stimulation",
    "trial_succeeded": "The trial helped enough for an implant",
    "trial_failed": "The trial did not help enough",
    "implanted": "Stimulator implanted",
    "assessment": "Checks before the first injection",
    "injections": "Injections under way",
    "planned": "Planned",
    "ended": "Finished",
}
LABELS = {
    "screening": "Pre-start screening",
    "candidacy": "Candidacy checklist",
    "contraindication": "Contraindication review",
}


def _therapy_choices() -> list[tuple[str, str, str]]:
    """(family, id, name) of every therapy, workflow families first."""
    order = {"biologic": 0, "neurostimulation": 1, "regenerative": 2, "general": 3}
    rows = [(family_of(tid).value, tid, t.name) for tid, t in knowledge().therapies.items()]
    return sorted(rows, key=lambda r: (order[r[0]], r[2].lower()))


def _products() -> dict[str, tuple[str, ...]]:
    flows = workflow_knowledge()
    found = {t: c.products for t, c in flows.biologics.items()}
    found.update({t: s.products for t, s in flows.regenerative.items()})
    return found


def _list_page(
    request: Request,
    session: Session,
    grant: PatientAccess,
    viewer: Viewer,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    rows, total = courses.list_courses(session, access=grant, page=PageRequest(limit=200, offset=0))
    return render(
        request,
        "therapies.html",
        viewer=viewer,
        status_code=status_code,
        patient=grant.patient,
        courses=[views.course_read(row) for row in rows],
        total=total,
        therapies=_therapy_choices(),
        products=_products(),
        conditions=sorted((c.id, c.name) for c in knowledge().conditions.values()),
        error=error,
        can_write=viewer.actor.can(Permission.therapy_write),
        plain=PLAIN_STEPS,
    )


@router.get(COURSES)
def therapies_page(
    request: Request, grant: Reader, viewer: ViewerDep, session: SessionDep
) -> Response:
    grant.event.detail = "therapy courses page"
    return _list_page(request, session, grant, viewer)


def _optional(value: str) -> str | None:
    return value.strip() or None


def _errors(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item["loc"]) or "form"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


@router.post(COURSES)
def create_course(
    request: Request,
    grant: Creator,
    viewer: FormViewerDep,
    session: SessionDep,
    therapy: Text = "",
    product: Text = "",
    condition: Text = "",
    site: Text = "",
) -> Response:
    try:
        data = CourseCreate(
            therapy=therapy.strip(),
            product=_optional(product),
            condition=_optional(condition),
            site=_optional(site),
        )
        course = courses.create_course(session, access=grant, data=data)
    except ValidationError as error:
        return _refused_list(request, session, grant, viewer, _errors(error), 422)
    except ServiceError as error:
        return _refused_list(request, session, grant, viewer, error.detail, error.status_code)
    request.session["flash"] = "Course opened."
    return RedirectResponse(
        COURSE.format(patient_id=grant.patient_id, course_id=course.id), status_code=303
    )


def _refused_list(
    request: Request,
    session: Session,
    grant: PatientAccess,
    viewer: Viewer,
    message: str,
    status_code: int,
) -> Response:
    session.rollback()
    grant.event.outcome = AuditOutcome.failure
    grant.event.detail = f"therapy course refused: {message}"[:500]
    return _list_page(request, session, grant, viewer, error=message, status_code=status_code)


def _course_page(
    request: Request,
    session: Session,
    grant: PatientAccess,
    viewer: Viewer,
    course_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    detail = views.course_detail(session, access=grant, course_id=course_id)
    today, _ = patient_today(grant.patient.time_zone)
    kind = None
    if detail.gate is not None:
        kind = gates.KIND_BY_FAMILY.get(detail.course.family)
    return render(
        request,
        "therapy_course.html",
        viewer=viewer,
        status_code=status_code,
        patient=grant.patient,
        detail=detail,
        course=detail.course,
        checklist_label=LABELS.get(kind or "", "Checklist"),
        today=today.isoformat(),
        instruments=[workflow_knowledge().instruments[i] for i in detail.outcomes.instruments],
        baselines={a.instrument for a in detail.outcomes.assessments if a.timepoint == "baseline"},
        flows=workflow_knowledge(),
        end_reasons=[r.value for r in EndReason],
        error=error,
        can_write=viewer.actor.can(Permission.therapy_write) and detail.course.state != "ended",
        plain=PLAIN_STEPS,
    )


@router.get(COURSE)
def course_page(
    request: Request,
    course_id: CourseId,
    grant: Reader,
    viewer: ViewerDep,
    session: SessionDep,
) -> Response:
    grant.event.detail = "therapy course page"
    return _course_page(request, session, grant, viewer, course_id)


def _act(
    request: Request,
    session: Session,
    grant: PatientAccess,
    viewer: Viewer,
    course_id: int,
    build: Callable[[], BaseModel | None],
    do: Callable[[Any], object],
    done: str,
    anchor: str,
) -> Response:
    """Run one step; on a refusal, nothing is kept and the page says why."""
    try:
        do(build())
    except ValidationError as error:
        message, status = _errors(error), 422
    except ServiceError as error:
        message, status = error.detail, error.status_code
    else:
        request.session["flash"] = done
        target = COURSE.format(patient_id=grant.patient_id, course_id=course_id)
        return RedirectResponse(f"{target}#{anchor}", status_code=303)
    session.rollback()
    grant.event.outcome = AuditOutcome.failure
    grant.event.detail = f"therapy step refused: {message}"[:500]
    return _course_page(
        request, session, grant, viewer, course_id, error=message, status_code=status
    )


@router.post(COURSE + "/checks")
def record_check(
    request: Request,
    course_id: CourseId,
    grant: Writer,
    viewer: FormViewerDep,
    session: SessionDep,
    item: Text = "",
    result: Text = "",
    checked_on: Text = "",
) -> Response:
    return _act(
        request,
        session,
        grant,
        viewer,
        course_id,
        lambda: CheckCreate(item=item, result=result, checked_on=checked_on),
        lambda data: gates.record_check(session, access=grant, course_id=course_id, data=data),
        "Result recorded.",
        "checklist",
    )


@router.post(COURSE + "/start")
def start_course(
    request: Request,
    course_id: CourseId,
    grant: Writer,
    viewer: FormViewerDep,
    session: SessionDep,
    started_on: Text = "",
) -> Response:
    return _act(
        request,
        session,
        grant,
        viewer,
        course_id,
        lambda: StartCreate(started_on=started_on),
        lambda data: courses.start_course(
            session, access=grant, course_id=course_id, started_on=data.started_on
        ),
        "Start recorded.",
        "course",
    )


@router.post(COURSE + "/trial")
def begin_trial(
    request: Request,
    course_id: CourseId,
    grant: Writer,
    viewer: FormViewerDep,
    session: SessionDep,
    started_on: Text = "",
) -> Response:
    return _act(
        request,
        session,
        grant,
        viewer,
        course_id,
        lambda: TrialBegin(started_on=started_on),
        lambda data: neurostim.begin_trial(session, access=grant, course_id=course_id, data=data),
        "Trial started.",
        "trial",
    )


@router.post(COURSE + "/trial/days")
def add_trial_day(
    request: Request,
    course_id: CourseId,
    grant: Writer,
    viewer: FormViewerDep,
    session: SessionDep,
    day: Text = "",
    relief_percent: Text = "",
    function: Text = "",
    note: Text = "",
) -> Response:
    return _act(
        request,
        session,
        grant,
        viewer,
        course_id,
        lambda: TrialDayCreate.model_validate(
            {
                "day": day,
                "relief_percent": relief_percent,
                "function": function,
                "note": _optional(note),
            }
        ),
        lambda data: neurostim.add_trial_day(session, access=grant, course_id=course_id, data=data),
        "Trial day recorded.",
        "trial",
    )


@router.post(COURSE + "/trial/evaluation")
def evaluate_trial(
    request: Request,
    course_id: CourseId,
    grant: Writer,
    viewer: FormViewerDep,
    session: SessionDep,
    evaluated_on: Text = "",
) -> Response:
    return _act(
        request,
        session,
        grant,
        viewer,
        course_id,
        lambda: TrialEvaluation(evaluated_on=evaluated_on),
        lambda data: neurostim.evaluate(session, access=grant, course_id=course_id, data=data),
        "Trial evaluated.",
        "trial",
    )


@router.post(COURSE + "/implant")
def record_implant(
    request: Request,
    course_id: CourseId,
    grant: Writer,
    viewer: FormViewerDep,
    session: SessionDep,
    implanted_on: Text = "",
    device: Text = "",
    mr_labelling: Text = "",
    lead_location: Text = "",
) -> Response:
    return _act(
        request,
        session,
        grant,
        viewer,
        course_id,
        lambda: ImplantCreate.model_validate(
            {
                "implanted_on": implanted_on,
                "device": device,
                "mr_labelling": mr_labelling,
                "lead_location": lead_location,
            }
        ),
        lambda data: neurostim.record_implant(
            session, access=grant, course_id=course_id, data=data
        ),
        "Implant recorded.",
        "implant",
    )


@router.post(COURSE + "/programs")
def add_program(
    request: Request,
    course_id: CourseId,
    grant: Writer,
    viewer: FormViewerDep,
    session: SessionDep,
    programmed_on: Text = "",
    name: Text = "",
    waveform: Text = "",
    frequency_hz: Text = "",
    pulse_width_us: Text = "",
    amplitude_ma: Text = "",
    contacts: Text = "",
    mode: Text = "in_person",
    pain_after: Text = "",
) -> Response:
    return _act(
        request,
        session,
        grant,
        viewer,
        course_id,
        lambda: ProgramCreate.model_validate(
            {
                "programmed_on": programmed_on,
                "name": name,
                "waveform": waveform,
                "frequency_hz": frequency_hz,
                "pulse_width_us": pulse_width_us,
                "amplitude_ma": amplitude_ma,
                "contacts": contacts,
                "mode": mode,
                "pain_after": _optional(pain_after),
            }
        ),
        lambda data: neurostim.add_program(session, access=grant, course_id=course_id, data=data),
        "Program recorded.",
        "programs",
    )


@router.post(COURSE + "/status-acknowledgement")
def acknowledge_status(
    request: Request,
    course_id: CourseId,
    grant: Writer,
    viewer: FormViewerDep,
    session: SessionDep,
    acknowledged: Text = "",
) -> Response:
    def build() -> None:
        if acknowledged != "yes":
            raise InvalidInput(
                "tick the box to confirm you have read the status", field="acknowledged"
            )

    return _act(
        request,
        session,
        grant,
        viewer,
        course_id,
        build,
        lambda _: regenerative.acknowledge_status(session, access=grant, course_id=course_id),
        "Status acknowledged.",
        "status",
    )


@router.post(COURSE + "/injections")
def add_injection(
    request: Request,
    course_id: CourseId,
    grant: Writer,
    viewer: FormViewerDep,
    session: SessionDep,
    injected_on: Text = "",
    product: Text = "",
    preparation: Text = "",
    volume_ml: Text = "",
    activation: Text = "",
    site: Text = "",
    guidance: Text = "",
    adverse_events: Text = "",
) -> Response:
    return _act(
        request,
        session,
        grant,
        viewer,
        course_id,
        lambda: InjectionCreate.model_validate(
            {
                "injected_on": injected_on,
                "product": product,
                "preparation": _optional(preparation),
                "volume_ml": volume_ml,
                "activation": activation,
                "site": site,
                "guidance": guidance,
                "adverse_events": _optional(adverse_events),
            }
        ),
        lambda data: regenerative.add_injection(
            session, access=grant, course_id=course_id, data=data
        ),
        "Injection recorded.",
        "injections",
    )


async def posted_values(request: Request) -> dict[str, str]:
    """The form's `value-<field>` inputs (FastAPI has already read and cached the form)."""
    form = await request.form()
    return {
        key.removeprefix(VALUE_PREFIX)[:40]: value.strip()
        for key, value in form.multi_items()[:40]
        if key.startswith(VALUE_PREFIX) and isinstance(value, str)
    }


PostedValues = Annotated[dict[str, str], Depends(posted_values)]


@router.post(COURSE + "/assessments")
def add_assessment(
    request: Request,
    course_id: CourseId,
    grant: Writer,
    viewer: FormViewerDep,
    session: SessionDep,
    values: PostedValues,
    assessed_on: Text = "",
    instrument: Text = "",
    timepoint: Text = "",
    note: Text = "",
) -> Response:
    return _act(
        request,
        session,
        grant,
        viewer,
        course_id,
        lambda: AssessmentCreate.model_validate(
            {
                "assessed_on": assessed_on,
                "instrument": instrument,
                "timepoint": timepoint,
                "values": {k: (v or None) for k, v in values.items()},
                "note": _optional(note),
            }
        ),
        lambda data: outcomes.add_assessment(session, access=grant, course_id=course_id, data=data),
        "Assessment recorded.",
        "outcomes",
    )


@router.post(COURSE + "/end")
def end_course(
    request: Request,
    course_id: CourseId,
    grant: Writer,
    viewer: FormViewerDep,
    session: SessionDep,
    ended_on: Text = "",
    reason: Text = "",
    note: Text = "",
) -> Response:
    return _act(
        request,
        session,
        grant,
        viewer,
        course_id,
        lambda: EndCreate.model_validate(
            {"ended_on": ended_on, "reason": reason, "note": _optional(note)}
        ),
        lambda data: courses.end_course(session, access=grant, course_id=course_id, data=data),
        "Course ended.",
        "course",
    )
