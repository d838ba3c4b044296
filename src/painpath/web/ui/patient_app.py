"""The patient app: phone pages under /app/ for the signed-in patient, installable and usable
offline (the service worker in `app_shell` caches them; static/app/app.js keeps entries made
offline in IndexedDB and sends them through the mobile sync API when the connection returns).

Every page opens the patient's own record through the shared gate (`open_patient`), so each
view is audited like any other; staff and administrators are refused (they use the panel).
The forms also post without JavaScript: the diary to the diary page's own form route, doses
and snoozes to the routes here, questionnaire answers to the questionnaire route.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.kit.clock import utcnow
from painpath.kit.pagination import PageRequest
from painpath.models.medication import MedicationRequest, MedicationRequestStatus, PeriodUnit
from painpath.monitoring import instruments
from painpath.monitoring.progress import WINDOW_DAYS
from painpath.monitoring.wearables.formats import WearableFormat
from painpath.schemas.base import MAX_ROW_ID
from painpath.schemas.monitoring_questionnaires import OccurrenceEventCreate
from painpath.schemas.monitoring_sync import DoseLogItem, SyncBatchIn
from painpath.services import records
from painpath.services.access import PatientAccess, open_patient
from painpath.services.errors import AccessDenied, InvalidInput
from painpath.services.monitoring import schedule as monitoring_schedule
from painpath.services.monitoring import sync as monitoring_sync
from painpath.services.monitoring.progress import patient_progress
from painpath.terminology.pain_diary import body_region_views, body_regions
from painpath.web.deps import SessionDep
from painpath.web.ui.deps import FormViewerDep, ViewerDep
from painpath.web.ui.diary_form import day_choices, quality_chips
from painpath.web.ui.local_time import patient_today, patient_zone, short_local
from painpath.web.ui.questionnaire_form import questions, urgent_flags
from painpath.web.ui.questionnaire_pages import DueItem, due_items
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import Viewer, render

router = APIRouter(route_class=UIRoute)

APP = "/app"
#: Snooze choices offered for a due questionnaire (minutes → words).
SNOOZE_CHOICES = {60: "1 hour", 180: "3 hours"}
MAX_MEDICINES = 100
#: The wearable exports the importer reads, as the upload form offers them.
FORMAT_NAMES = {
    WearableFormat.apple_health: "Apple Health (export.zip or export.xml)",
    WearableFormat.fitbit_takeout: "Fitbit (Google Takeout)",
    WearableFormat.open_mhealth: "Open mHealth (JSON)",
    WearableFormat.fhir: "FHIR Observations (JSON)",
}


@dataclass(frozen=True, slots=True)
class AppTile:
    """A tile on the app's home page; `offline`: the page is kept for use without a network
    (the app's own pages), not the record's pages that need the server."""

    path: str
    title: str
    text: str
    offline: bool = True


TILES: list[AppTile] = [
    AppTile(f"{APP}/diary", "Pain diary", "Record today's pain and where it hurts."),
    AppTile(f"{APP}/doses", "Medicines", "Log a dose you took or skipped."),
    AppTile(f"{APP}/questionnaires", "Questionnaires", "Answer what your care team asked for."),
    AppTile(f"{APP}/upload", "Wearable data", "Send an export from your watch or phone."),
]


def tiles_for(patient_id: int, unread_messages: int) -> list[AppTile]:
    """The app's own tiles, then the record's pages a patient uses from their phone: messages
    (with the unread count), video visits and the care plan (these need a connection)."""
    unread = f" {unread_messages} unread." if unread_messages else ""
    record = f"/patients/{patient_id}"
    return [
        *TILES,
        AppTile(f"{record}/messages", "Messages", "Write to your care team." + unread, False),
        AppTile(f"{record}/visits", "Video visits", "Book, join or cancel a visit.", False),
        AppTile(f"{record}/care", "My care plan", "Your goals and what is due next.", False),
    ]


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str

    @property
    def short(self) -> str:
        """The name without its parenthesis: "Hip, left" for "Hip (buttock, trochanter), left"."""
        head, _, rest = self.name.partition(" (")
        return head + rest.partition(")")[2] if rest else self.name


@dataclass(frozen=True, slots=True)
class Medicine:
    request: MedicationRequest
    sig: str


def _open_own(
    session: Session, actor: Actor, permission: Permission, resource_type: str, action: str
) -> PatientAccess:
    if actor.patient_id is None:
        # Staff and administrators have no "own" record: the app is the patient's.
        raise AccessDenied("the patient app is for patients")
    return open_patient(
        session,
        actor=actor,
        patient_id=actor.patient_id,
        permission=permission,
        action=action,
        resource_type=resource_type,
    )


def _own_reader(resource_type: str) -> Callable[..., PatientAccess]:
    def dependency(viewer: ViewerDep, session: SessionDep) -> PatientAccess:
        return _open_own(session, viewer.actor, Permission.observation_read, resource_type, "read")

    return dependency


def _own_writer(resource_type: str) -> Callable[..., PatientAccess]:
    def dependency(viewer: FormViewerDep, session: SessionDep) -> PatientAccess:
        return _open_own(
            session, viewer.actor, Permission.observation_write, resource_type, "create"
        )

    return dependency


HomeReader = Annotated[PatientAccess, Depends(_own_reader("Patient"))]
DiaryReader = Annotated[PatientAccess, Depends(_own_reader("PainDiaryEntry"))]
DoseReader = Annotated[PatientAccess, Depends(_own_reader("MedicationAdministration"))]
DoseWriter = Annotated[PatientAccess, Depends(_own_writer("MedicationAdministration"))]
DueReader = Annotated[PatientAccess, Depends(_own_reader("QuestionnaireAssignment"))]
SnoozeWriter = Annotated[PatientAccess, Depends(_own_writer("QuestionnaireAssignment"))]
UploadReader = Annotated[PatientAccess, Depends(_own_reader("WearableImport"))]
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
OccurrenceIndex = Annotated[int, Path(ge=0, le=100_000)]


def _page(
    request: Request, name: str, grant: PatientAccess, viewer: Viewer, **context: Any
) -> Response:
    zone = patient_zone(grant.patient.time_zone)
    return render(
        request, name, viewer=viewer, patient=grant.patient, time_zone=zone.key, **context
    )


@router.get(f"{APP}/")
def home(request: Request, grant: HomeReader, viewer: ViewerDep, session: SessionDep) -> Response:
    grant.event.detail = "patient app home"
    due = [item for item in due_items(session, grant) if item.answer_link]
    return _page(
        request,
        "app_home.html",
        grant,
        viewer,
        progress=patient_progress(session, access=grant),
        window_days=WINDOW_DAYS,
        due_count=len(due),
        tiles=tiles_for(grant.patient.id, viewer.unread_messages),
    )


def _regions(view: str) -> list[Region]:
    views = body_region_views()
    return [
        Region(code, name) for code, name in body_regions().codes.items() if views[code] == view
    ]


@router.get(f"{APP}/diary")
def diary(request: Request, grant: DiaryReader, viewer: ViewerDep) -> Response:
    grant.event.detail = "patient app diary form"
    today, _zone = patient_today(grant.patient.time_zone)
    return _page(
        request,
        "app_diary.html",
        grant,
        viewer,
        front=_regions("front"),
        back=_regions("back"),
        qualities=quality_chips(),
        days=day_choices(today),
        client_id=uuid.uuid4().hex,
    )


#: A period unit in words: (after "a"/"an", plural).
_UNIT_WORDS = {
    PeriodUnit.hour: ("an hour", "hours"),
    PeriodUnit.day: ("a day", "days"),
    PeriodUnit.week: ("a week", "weeks"),
    PeriodUnit.month: ("a month", "months"),
}


def _sig(order: MedicationRequest) -> str:
    """The dose and timing in words: "5 mg every 12 hours", "300 mg 3 times a day"."""
    one, many = _UNIT_WORDS.get(order.period_unit, (order.period_unit, order.period_unit))
    times = "once" if order.frequency == 1 else f"{order.frequency} times"
    if order.period == 1:
        timing = f"{times} {one}"
    elif order.frequency == 1:
        timing = f"every {order.period:g} {many}"
    else:
        timing = f"{times} every {order.period:g} {many}"
    return f"{order.dose_value:g} {order.dose_unit} {timing}"


def _medicines(session: Session, grant: PatientAccess) -> list[Medicine]:
    found, _total = records.list_medication_requests(
        session,
        access=grant,
        page=PageRequest(limit=MAX_MEDICINES, offset=0),
        status=MedicationRequestStatus.active.value,
    )
    ordered = sorted(found, key=lambda order: (not order.as_needed, order.display.lower()))
    return [Medicine(order, _sig(order)) for order in ordered]


@router.get(f"{APP}/doses")
def doses(request: Request, grant: DoseReader, viewer: ViewerDep, session: SessionDep) -> Response:
    grant.event.detail = "patient app dose log"
    return _page(
        request,
        "app_doses.html",
        grant,
        viewer,
        medicines=_medicines(session, grant),
        client_id=uuid.uuid4().hex,
    )


@router.post(f"{APP}/doses")
def log_dose(
    request: Request,
    grant: DoseWriter,
    session: SessionDep,
    medication_request_id: Annotated[int, Form(ge=1, le=MAX_ROW_ID)],
    taken: Annotated[str, Form(max_length=5)] = "true",
    client_id: Annotated[str, Form(min_length=1, max_length=128)] = "",
) -> Response:
    """Log one dose now (the page without JavaScript): the sync API's own idempotent path."""
    order = records.get_medication_request(session, access=grant, request_id=medication_request_id)
    key = client_id or uuid.uuid4().hex
    item = DoseLogItem(
        kind="dose_log",
        client_id=key,
        medication_request_id=order.id,
        effective_at=utcnow(),
        taken=taken != "false",
        as_needed=order.as_needed if taken != "false" else None,
    )
    # A resent form carries the same client id: the item comes back a duplicate, not twice.
    monitoring_sync.receive_batch(
        session, access=grant, batch=SyncBatchIn(batch_id=uuid.uuid4().hex, items=[item])
    )
    word = "taken" if item.taken else "skipped"
    request.session["flash"] = f"Logged: {order.display} {word}."
    return RedirectResponse(f"{APP}/doses", status_code=303)


@router.get(f"{APP}/questionnaires")
def questionnaires(
    request: Request, grant: DueReader, viewer: ViewerDep, session: SessionDep
) -> Response:
    grant.event.detail = "patient app questionnaires"
    items = due_items(session, grant)
    return _page(
        request,
        "app_questionnaires.html",
        grant,
        viewer,
        due=[item for item in items if item.answer_link],
        snooze_choices=SNOOZE_CHOICES,
    )


def _open_item(session: Session, grant: PatientAccess, assignment_id: int, index: int) -> DueItem:
    for item in due_items(session, grant):
        occurrence = item.occurrence
        same = occurrence.assignment.id == assignment_id and occurrence.index == index
        if same and item.answer_link:
            return item
    raise InvalidInput("that questionnaire is no longer open", field="occurrence")


@router.get(APP + "/questionnaires/{assignment_id}/{occurrence}")
def questionnaire(
    request: Request,
    assignment_id: RowId,
    occurrence: OccurrenceIndex,
    grant: DueReader,
    viewer: ViewerDep,
    session: SessionDep,
) -> Response:
    try:
        item = _open_item(session, grant, assignment_id, occurrence)
    except InvalidInput:
        request.session["flash"] = "That questionnaire is no longer open."
        return RedirectResponse(f"{APP}/questionnaires", status_code=303)
    grant.event.detail = f"patient app questionnaire: {item.definition.id} {occurrence}"
    return _page(
        request,
        "app_questionnaire.html",
        grant,
        viewer,
        item=item,
        questions=questions(item.definition),
        urgent_choices=_urgent_choices(item.definition),
        client_id=uuid.uuid4().hex,
    )


def _urgent_choices(definition: instruments.Definition) -> set[tuple[str, int]]:
    """(item, value) pairs that alone raise an urgent flag (PHQ-9 item 9 above 0): the page
    shows the crisis lines as soon as one is chosen, before anything is sent."""
    found = set()
    asked = questions(definition)
    for index, question in enumerate(asked):
        for choice in question.choices:
            values: list[int | None] = [None] * len(asked)
            values[index] = choice.value
            if urgent_flags(definition, values):
                found.add((question.item_id, choice.value))
    return found


@router.post(APP + "/questionnaires/{assignment_id}/{occurrence}/snooze")
def snooze(
    request: Request,
    assignment_id: RowId,
    occurrence: OccurrenceIndex,
    grant: SnoozeWriter,
    session: SessionDep,
    minutes: Annotated[int, Form(ge=1, le=24 * 60)],
) -> Response:
    """Put a due questionnaire off; the reminder comes back at the chosen time."""
    if minutes not in SNOOZE_CHOICES:
        raise InvalidInput(
            f"snooze for one of {', '.join(SNOOZE_CHOICES.values())}", field="minutes"
        )
    item = _open_item(session, grant, assignment_id, occurrence)
    now = utcnow()
    until = min(now + timedelta(minutes=minutes), item.occurrence.closes_at)
    monitoring_schedule.record_event(
        session,
        access=grant,
        assignment_id=assignment_id,
        index=occurrence,
        data=OccurrenceEventCreate(event="snoozed", at=now, snooze_until=until),
    )
    zone = patient_zone(grant.patient.time_zone)
    request.session["flash"] = (
        f"{item.definition.short_name} snoozed until {short_local(until, zone)}."
    )
    return RedirectResponse(f"{APP}/questionnaires", status_code=303)


@router.get(f"{APP}/upload")
def upload(request: Request, grant: UploadReader, viewer: ViewerDep) -> Response:
    grant.event.detail = "patient app wearable upload"
    return _page(request, "app_upload.html", grant, viewer, formats=FORMAT_NAMES)
