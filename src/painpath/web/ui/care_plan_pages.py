"""The care page: clinicians review the care suggestions (reasons and sources) and build the plan
from them; patients see "My care plan" in plain words with what is due next.

The page and each form post open the patient through the shared gate (a post proves itself
with the form's CSRF token first), so each is audited. A refused change re-renders the page
with the reason (422/409) and writes nothing: the form's transaction is rolled back first.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from painpath.auth.permissions import Permission
from painpath.care.plans import GoalLifecycle, PlanStatus, StopReason, plan_knowledge
from painpath.kit.clock import utcnow
from painpath.models.audit_event import AuditOutcome
from painpath.schemas.base import MAX_ROW_ID
from painpath.schemas.care_plans import (
    ActivityCreate,
    ActivityUpdate,
    CarePlanUpdate,
    GoalCreate,
    GoalUpdate,
    SessionsCreate,
    SessionUpdate,
)
from painpath.services.access import PatientAccess, open_patient
from painpath.services.care import suggestions as care_suggestions
from painpath.services.care.plans import activities, goals, sessions, store, views
from painpath.services.errors import ServiceError
from painpath.web.deps import SessionDep, SettingsDep, access
from painpath.web.ui.deps import FormViewerDep, ViewerDep
from painpath.web.ui.form_access import form_access
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import Viewer, render

router = APIRouter(route_class=UIRoute)

CARE = "/patients/{patient_id}/care"
Reader = Annotated[PatientAccess, access(Permission.care_plan_read, "CarePlan")]
PlanWriter = Annotated[PatientAccess, form_access(Permission.care_plan_write, "CarePlan", "update")]
GoalWriter = Annotated[PatientAccess, form_access(Permission.care_plan_write, "Goal", "create")]
GoalUpdater = Annotated[PatientAccess, form_access(Permission.care_plan_write, "Goal", "update")]
ActivityWriter = Annotated[
    PatientAccess, form_access(Permission.care_plan_write, "CarePlanActivity", "create")
]
ActivityUpdater = Annotated[
    PatientAccess, form_access(Permission.care_plan_write, "CarePlanActivity", "update")
]
SessionWriter = Annotated[
    PatientAccess, form_access(Permission.care_plan_write, "CarePlanSession", "create")
]
SessionUpdater = Annotated[
    PatientAccess, form_access(Permission.care_plan_write, "CarePlanSession", "update")
]
Text = Annotated[str, Form(max_length=1000)]
ConditionQuery = Annotated[str | None, Query(max_length=40)]
RowPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def _suggestions(
    session: Session,
    grant: PatientAccess,
    default_profile: str,
    condition: str | None,
) -> dict[str, Any]:
    """The suggestions from the record, audited as their own read; an explanation if none."""
    suggestion_access = open_patient(
        session,
        actor=grant.actor,
        patient_id=grant.patient_id,
        permission=Permission.condition_read,
        action="read",
        resource_type="CareSuggestion",
    )
    try:
        found = care_suggestions.suggestions_for_patient(
            session,
            access=suggestion_access,
            today=utcnow().date(),
            default_profile=default_profile,
            condition=condition,
        )
    except ServiceError as error:
        choices = views.pain_conditions(session, access=suggestion_access)
        return {"error": error.detail, "document": None, "notes": [], "choices": choices}
    document = found.suggestions.as_json()
    return {"error": None, "document": document, "notes": [*found.notes, *document["notes"]]}


def _page(
    request: Request,
    session: Session,
    grant: PatientAccess,
    viewer: Viewer,
    settings_profile: str,
    *,
    condition: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    plan = views.plan_view(session, access=grant)
    if viewer.is_patient:
        grant.event.detail = "my care plan page"
        return render(
            request,
            "care_plan_patient.html",
            viewer=viewer,
            status_code=status_code,
            patient=grant.patient,
            plan=plan,
        )
    can_write = viewer.actor.can(Permission.care_plan_write)
    grant.event.detail = "care plan page"
    return render(
        request,
        "care_plan.html",
        viewer=viewer,
        status_code=status_code,
        patient=grant.patient,
        plan=plan,
        can_write=can_write,
        suggestions=_suggestions(session, grant, settings_profile, condition),
        condition=condition or "",
        goal_kinds=views.goal_kind_choices(),
        therapies=views.therapy_choices(),
        stop_reasons=[r.value for r in StopReason],
        plan_statuses=[status.value for status in PlanStatus],
        goal_statuses=[status.value for status in GoalLifecycle],
        schedules=plan_knowledge().schedules,
        error=error,
    )


@router.get(CARE)
def care_page(
    request: Request,
    grant: Reader,
    viewer: ViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    condition: ConditionQuery = None,
) -> Response:
    chosen = condition.strip() if condition else None
    return _page(request, session, grant, viewer, settings.care_profile, condition=chosen or None)


def _refused(
    request: Request,
    session: Session,
    grant: PatientAccess,
    viewer: Viewer,
    profile: str,
    message: str,
    status_code: int,
) -> Response:
    session.rollback()  # nothing of a refused change is written; the audit drafts remain
    grant.event.outcome = AuditOutcome.failure
    grant.event.detail = f"refused: {message}"[:500]
    return _page(
        request,
        session,
        grant,
        viewer,
        profile,
        error=message,
        status_code=status_code,
    )


def _validation_message(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "form"
    return f"{field}: {first['msg'].removeprefix('Value error, ')}"


def _apply(
    request: Request,
    session: Session,
    grant: PatientAccess,
    viewer: Viewer,
    profile: str,
    change: Any,
    done: str,
) -> Response:
    """Run `change()`; back to the page with `done`, or the page with the refusal."""
    try:
        change()
    except ValidationError as error:
        return _refused(request, session, grant, viewer, profile, _validation_message(error), 422)
    except ServiceError as error:
        field = f"{error.field}: " if error.field else ""
        return _refused(
            request, session, grant, viewer, profile, field + error.detail, error.status_code
        )
    request.session["flash"] = done
    return RedirectResponse(CARE.format(patient_id=grant.patient_id), status_code=303)


def _blank(value: str) -> str | None:
    return value.strip() or None


@router.post(CARE + "/plan")
def change_plan(
    request: Request,
    grant: PlanWriter,
    viewer: FormViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    status: Text = "",
    title: Text = "",
) -> Response:
    def change() -> None:
        fields: dict[str, Any] = {"status": status}
        if title.strip():
            fields["title"] = title
        data = CarePlanUpdate.model_validate(fields)
        store.ensure_plan(session, access=grant)
        store.update_plan(session, access=grant, data=data)

    return _apply(
        request, session, grant, viewer, settings.care_profile, change, f"Plan is now {status}."
    )


@router.post(CARE + "/goals")
def add_goal(
    request: Request,
    grant: GoalWriter,
    viewer: FormViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    kind: Text = "",
    target: Text = "",
    start_date: Text = "",
    due_date: Text = "",
    description: Text = "",
) -> Response:
    def change() -> None:
        data = GoalCreate.model_validate(
            {
                "kind": kind,
                "target": _blank(target),
                "start_date": start_date,
                "due_date": _blank(due_date),
                "description": _blank(description),
            }
        )
        goals.add_goal(session, access=grant, data=data)

    return _apply(request, session, grant, viewer, settings.care_profile, change, "Goal added.")


@router.post(CARE + "/goals/{goal_id}")
def change_goal(
    request: Request,
    goal_id: RowPath,
    grant: GoalUpdater,
    viewer: FormViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    lifecycle_status: Text = "",
) -> Response:
    def change() -> None:
        data = GoalUpdate.model_validate({"lifecycle_status": lifecycle_status})
        goals.update_goal(session, access=grant, goal_id=goal_id, data=data)

    return _apply(request, session, grant, viewer, settings.care_profile, change, "Goal updated.")


@router.post(CARE + "/activities")
def add_activity(
    request: Request,
    grant: ActivityWriter,
    viewer: FormViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    therapy: Text = "",
    basis: Text = "",
) -> Response:
    def change() -> None:
        data = ActivityCreate.model_validate({"therapy": therapy, "basis": _blank(basis)})
        activities.add_activity(session, access=grant, data=data)

    return _apply(
        request,
        session,
        grant,
        viewer,
        settings.care_profile,
        change,
        "Added to the plan as proposed.",
    )


@router.post(CARE + "/activities/{activity_id}")
def change_activity(
    request: Request,
    activity_id: RowPath,
    grant: ActivityUpdater,
    viewer: FormViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    status: Text = "",
    reason: Text = "",
    effective_date: Text = "",
) -> Response:
    def change() -> None:
        data = ActivityUpdate.model_validate(
            {
                "status": status,
                "reason": _blank(reason),
                "effective_date": _blank(effective_date),
            }
        )
        activities.change_status(session, access=grant, activity_id=activity_id, data=data)

    return _apply(
        request, session, grant, viewer, settings.care_profile, change, "Activity updated."
    )


@router.post(CARE + "/activities/{activity_id}/sessions")
def schedule_sessions(
    request: Request,
    activity_id: RowPath,
    grant: SessionWriter,
    viewer: FormViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    template: Text = "",
    first_day: Text = "",
    count: Text = "",
) -> Response:
    def change() -> None:
        data = SessionsCreate.model_validate(
            {"template": _blank(template), "first_day": first_day, "count": _blank(count)}
        )
        sessions.schedule_sessions(session, access=grant, activity_id=activity_id, data=data)

    return _apply(
        request, session, grant, viewer, settings.care_profile, change, "Sessions booked."
    )


@router.post(CARE + "/sessions/{session_id}")
def record_attendance(
    request: Request,
    session_id: RowPath,
    grant: SessionUpdater,
    viewer: FormViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    status: Text = "",
) -> Response:
    def change() -> None:
        data = SessionUpdate.model_validate({"status": status})
        sessions.record_attendance(session, access=grant, session_id=session_id, data=data)

    return _apply(
        request, session, grant, viewer, settings.care_profile, change, "Attendance recorded."
    )
