"""A stored care plan as FHIR R4: a `collection` Bundle of one CarePlan and its Goals.

Plain dicts (the tests validate them with fhir.resources' R4B models, which share R4's CarePlan
and Goal). Entries are named by deterministic `urn:uuid:` full URLs and reference each other
by them; the patient is `Patient/{id}`. Activity statuses map to CarePlan.activity.detail.status
(proposed → not-started, or scheduled once sessions are booked; active → in-progress;
completed; stopped with the coded reason as statusReason); booked sessions are the activity's
scheduledTiming events, and attendance is its progress note.
"""

from __future__ import annotations

import uuid
from typing import Any

from painpath.care.plans import ActivityStatus, SessionStatus, find_goal_kind
from painpath.care.plans.records import ActivityRecord, GoalRecord, PlanRecord

PAINPATH = "https://painpath.example/fhir"
THERAPY_SYSTEM = f"{PAINPATH}/CodeSystem/care-therapy"
STOP_REASON_SYSTEM = f"{PAINPATH}/CodeSystem/care-stop-reason"
GOAL_KIND_SYSTEM = f"{PAINPATH}/CodeSystem/care-goal-kind"
ACHIEVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/goal-achievement"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
_NAMESPACE = uuid.UUID("6f0b8d5e-3c1a-4c59-9f62-2a7d0c9e5b11")

#: Goal measures with their LOINC codes and UCUM units (PEG total 91147-9; steps in 24 h 41950-7).
_MEASURES: dict[str, tuple[dict[str, str] | None, str, str]] = {
    "peg": (
        {"system": LOINC, "code": "91147-9", "display": "PEG total score"},
        "{score}",
        "{score}",
    ),
    "steps": (
        {"system": LOINC, "code": "41950-7", "display": "Number of steps in 24 hour Measured"},
        "/d",
        "steps/day",
    ),
    "active_minutes": (None, "min/d", "minutes/day"),
}
_DETAIL_STATUS = {
    ActivityStatus.proposed: "not-started",
    ActivityStatus.active: "in-progress",
    ActivityStatus.completed: "completed",
    ActivityStatus.stopped: "stopped",
}
_MEDICINE_FAMILIES = frozenset({"medicine", "biologic"})


def _urn(kind: str, row_id: int) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'painpath:{kind}:{row_id}')}"


def goal_resource(goal: GoalRecord, patient_id: int) -> dict[str, Any]:
    kind = find_goal_kind(goal.kind)
    name = kind.name if kind else goal.kind
    resource: dict[str, Any] = {
        "resourceType": "Goal",
        "id": f"goal-{goal.id}",
        "lifecycleStatus": goal.lifecycle.value,
        "category": [
            {"coding": [{"system": GOAL_KIND_SYSTEM, "code": goal.kind, "display": name}]}
        ],
        "description": {"text": goal.description},
        "subject": {"reference": f"Patient/{patient_id}"},
        "startDate": goal.start_date.isoformat(),
    }
    if goal.achievement is not None:
        code = goal.achievement.value
        display = code.replace("-", " ").capitalize()
        resource["achievementStatus"] = {
            "coding": [{"system": ACHIEVEMENT_SYSTEM, "code": code, "display": display}]
        }
    if goal.achieved_on is not None:
        resource["statusDate"] = goal.achieved_on.isoformat()
    if kind is not None and kind.measure is not None and goal.target is not None:
        coding, code, unit = _MEASURES[kind.measure]
        measure: dict[str, Any] = {"text": kind.name}
        if coding is not None:
            measure["coding"] = [coding]
        target: dict[str, Any] = {
            "measure": measure,
            "detailQuantity": {
                "value": goal.target,
                "comparator": "<=" if kind.direction == "at_most" else ">=",
                "unit": unit,
                "system": UCUM,
                "code": code,
            },
        }
        if goal.due_date is not None:
            target["dueDate"] = goal.due_date.isoformat()
        resource["target"] = [target]
    elif goal.due_date is not None:
        resource["target"] = [{"dueDate": goal.due_date.isoformat()}]
    if goal.latest_on is not None and goal.latest_value is not None:
        resource["note"] = [
            {"text": f"Latest evaluation: {goal.latest_value:g} on {goal.latest_on.isoformat()}"}
        ]
    return resource


def _activity(activity: ActivityRecord) -> dict[str, Any]:
    status = _DETAIL_STATUS[activity.status]
    if activity.status is ActivityStatus.proposed and activity.sessions:
        status = "scheduled"
    detail: dict[str, Any] = {
        "kind": "MedicationRequest" if activity.family in _MEDICINE_FAMILIES else "ServiceRequest",
        "code": {
            "coding": [
                {"system": THERAPY_SYSTEM, "code": activity.therapy, "display": activity.title}
            ],
            "text": activity.title,
        },
        "status": status,
    }
    if activity.stop_reason is not None:
        reason = activity.stop_reason.value
        detail["statusReason"] = {
            "coding": [{"system": STOP_REASON_SYSTEM, "code": reason}],
            "text": reason.replace("_", " "),
        }
    if activity.sessions:
        detail["scheduledTiming"] = {
            "event": [s.scheduled_on.isoformat() for s in activity.sessions]
        }
    elif activity.start_date is not None:
        period = {"start": activity.start_date.isoformat()}
        if activity.stop_date is not None:
            period["end"] = activity.stop_date.isoformat()
        detail["scheduledPeriod"] = period
    entry: dict[str, Any] = {"detail": detail}
    if activity.sessions:
        attended = sum(s.status is SessionStatus.attended for s in activity.sessions)
        entry["progress"] = [{"text": f"{attended} of {len(activity.sessions)} sessions attended"}]
    return entry


def care_plan_bundle(plan: PlanRecord) -> dict[str, Any]:
    """The plan as a FHIR R4 Bundle (type collection): the CarePlan first, then its Goals."""
    goal_refs = [{"reference": _urn("Goal", goal.id)} for goal in plan.goals]
    care_plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": f"careplan-{plan.id}",
        "status": plan.status.value,
        "intent": "plan",
        "title": plan.title,
        "subject": {"reference": f"Patient/{plan.patient_id}"},
        "created": plan.created.isoformat(),
    }
    if plan.description:
        care_plan["description"] = plan.description
    if goal_refs:
        care_plan["goal"] = goal_refs
    if plan.activities:
        care_plan["activity"] = [_activity(a) for a in plan.activities]
    entries = [{"fullUrl": _urn("CarePlan", plan.id), "resource": care_plan}]
    entries += [
        {"fullUrl": _urn("Goal", goal.id), "resource": goal_resource(goal, plan.patient_id)}
        for goal in plan.goals
    ]
    return {
        "resourceType": "Bundle",
        "id": f"careplan-{plan.id}-export",
        "type": "collection",
        "timestamp": plan.updated.isoformat(),
        "entry": entries,
    }
