"""A patient's care plan: goals, activities, scheduled sessions and attendance, FHIR export.

Every route opens the patient through the shared gate (permission, care-team scope, audit);
patients read their own plan, clinicians build and change it. Reading the plan first evaluates
its goals against the monitoring data, so a goal met since the last import shows as met.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse

from painpath.auth.permissions import Permission
from painpath.schemas.base import MAX_ROW_ID
from painpath.schemas.care_plans import (
    ActivityCreate,
    ActivityRead,
    ActivityUpdate,
    CarePlanCreate,
    CarePlanRead,
    CarePlanUpdate,
    GoalCreate,
    GoalEvaluationRead,
    GoalRead,
    GoalUpdate,
    SessionRead,
    SessionsCreate,
    SessionUpdate,
)
from painpath.services.access import PatientAccess
from painpath.services.care.plans import activities, export, goals, reads, sessions, store
from painpath.services.care.plans.reads import StoredPlan
from painpath.web.deps import SessionDep, access

router = APIRouter(prefix="/patients/{patient_id}/care-plan", tags=["care plans"])

RowPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
PlanReader = Annotated[PatientAccess, access(Permission.care_plan_read, "CarePlan")]
PlanWriter = Annotated[PatientAccess, access(Permission.care_plan_write, "CarePlan")]
GoalWriter = Annotated[PatientAccess, access(Permission.care_plan_write, "Goal")]
ActivityWriter = Annotated[PatientAccess, access(Permission.care_plan_write, "CarePlanActivity")]
SessionWriter = Annotated[PatientAccess, access(Permission.care_plan_write, "CarePlanSession")]
FHIR_JSON = "application/fhir+json"


def plan_read(stored: StoredPlan) -> CarePlanRead:
    result = CarePlanRead.model_validate(stored.plan)
    result.goals = [GoalRead.model_validate(goal) for goal in stored.goals]
    result.activities = []
    for row in stored.activities:
        activity = ActivityRead.model_validate(row)
        activity.sessions = [SessionRead.model_validate(s) for s in stored.sessions.get(row.id, [])]
        result.activities.append(activity)
    return result


@router.get("", response_model=CarePlanRead)
def read_plan(grant: PlanReader, session: SessionDep) -> CarePlanRead:
    """The plan with its goals (evaluated now), activities and sessions; 404 without a plan."""
    return plan_read(reads.read_plan(session, access=grant))


@router.post("", response_model=CarePlanRead, status_code=201)
def create_plan(body: CarePlanCreate, grant: PlanWriter, session: SessionDep) -> CarePlanRead:
    """Start the patient's plan (one per patient: 409 when it exists)."""
    store.create_plan(session, access=grant, data=body)
    return plan_read(reads.read_plan(session, access=grant))


@router.patch("", response_model=CarePlanRead)
def update_plan(body: CarePlanUpdate, grant: PlanWriter, session: SessionDep) -> CarePlanRead:
    """Change the title, description or status (draft → active → on-hold/completed/revoked)."""
    store.update_plan(session, access=grant, data=body)
    return plan_read(reads.read_plan(session, access=grant))


@router.get(
    "/fhir",
    response_class=JSONResponse,
    responses={200: {"content": {FHIR_JSON: {}}, "description": "FHIR R4 Bundle"}},
)
def export_fhir(grant: PlanReader, session: SessionDep) -> Response:
    """The plan as a FHIR R4 Bundle: one CarePlan and its Goals (download)."""
    bundle: dict[str, Any] = export.fhir_bundle(session, access=grant)
    return JSONResponse(
        bundle,
        media_type=FHIR_JSON,
        headers={"Content-Disposition": f'attachment; filename="careplan-{grant.patient_id}.json"'},
    )


@router.post("/goals", response_model=GoalRead, status_code=201)
def add_goal(body: GoalCreate, grant: GoalWriter, session: SessionDep) -> GoalRead:
    """Add a goal (a draft plan is started if there is none); it is evaluated at once."""
    return GoalRead.model_validate(goals.add_goal(session, access=grant, data=body))


@router.post("/goals/evaluate", response_model=GoalEvaluationRead)
def evaluate_goals(grant: GoalWriter, session: SessionDep) -> GoalEvaluationRead:
    """Evaluate the active goals now; the goals whose status changed."""
    active = goals.count_active(session, grant.patient_id)
    changed = goals.evaluate_goals(session, grant, trigger="a request to evaluate")
    grant.event.detail = f"{len(changed)} of {active} goals changed"
    return GoalEvaluationRead(
        evaluated=active, changed=[GoalRead.model_validate(g) for g in changed]
    )


@router.patch("/goals/{goal_id}", response_model=GoalRead)
def update_goal(
    goal_id: RowPath, body: GoalUpdate, grant: GoalWriter, session: SessionDep
) -> GoalRead:
    """Change a goal's lifecycle (proposed → active → on-hold/completed/cancelled) or target."""
    return GoalRead.model_validate(
        goals.update_goal(session, access=grant, goal_id=goal_id, data=body)
    )


@router.post("/activities", response_model=ActivityRead, status_code=201)
def add_activity(body: ActivityCreate, grant: ActivityWriter, session: SessionDep) -> ActivityRead:
    """Add a therapy of any family as an activity, proposed or active."""
    return ActivityRead.model_validate(activities.add_activity(session, access=grant, data=body))


@router.patch("/activities/{activity_id}", response_model=ActivityRead)
def change_activity(
    activity_id: RowPath, body: ActivityUpdate, grant: ActivityWriter, session: SessionDep
) -> ActivityRead:
    """Move an activity on: proposed → active → completed, or stopped with a coded reason."""
    row = activities.change_status(session, access=grant, activity_id=activity_id, data=body)
    result = ActivityRead.model_validate(row)
    result.sessions = [SessionRead.model_validate(s) for s in sessions.sessions_of(session, row.id)]
    return result


@router.post(
    "/activities/{activity_id}/sessions", response_model=list[SessionRead], status_code=201
)
def schedule_sessions(
    activity_id: RowPath, body: SessionsCreate, grant: SessionWriter, session: SessionDep
) -> list[SessionRead]:
    """Book a course's sessions from a template (CBT, MBSR, acupuncture, PRP …) or a count."""
    rows = sessions.schedule_sessions(session, access=grant, activity_id=activity_id, data=body)
    return [SessionRead.model_validate(row) for row in rows]


@router.patch("/sessions/{session_id}", response_model=SessionRead)
def record_attendance(
    session_id: RowPath, body: SessionUpdate, grant: SessionWriter, session: SessionDep
) -> SessionRead:
    """Record a session as attended, missed or cancelled; the course completes when done."""
    row = sessions.record_attendance(session, access=grant, session_id=session_id, data=body)
    return SessionRead.model_validate(row)
