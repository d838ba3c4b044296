"""Secure message pages: the staff inbox, a patient's threads with a form to write to the care
team, and one thread with its reply form (a file may be attached to any message).

Page views open the patient through the shared gate like the API, and are audited the same
way. The forms are multipart (they carry a file), so the CSRF token arrives inside the body:
the signed-in session and the patient gate come first — a caller who may not write to the
patient is refused before the body is read — then the body streams in (the file bounded by
max_attachment_bytes) and its CSRF token is checked before anything is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.kit.file_types import FileType
from painpath.kit.pagination import PageRequest
from painpath.models.audit_event import AuditOutcome
from painpath.schemas.base import MAX_ROW_ID
from painpath.services.access import PatientAccess, open_patient
from painpath.services.errors import ContentTooLarge, InvalidInput, NotAuthenticated
from painpath.services.identity import sessions
from painpath.services.input_limits import input_limits
from painpath.services.messaging import inbox, threads
from painpath.services.messaging.attachment_store import attachment_store
from painpath.services.messaging.attachments import ATTACHMENT_FIELD
from painpath.web.api.messages import download_url
from painpath.web.deps import SessionDep, SettingsDep, access, cookie_session, csrf_is_valid
from painpath.web.message_forms import MessageForm, received_message
from painpath.web.ui.deps import FormExpired, ViewerDep, page_viewer
from painpath.web.ui.local_time import patient_zone, short_local
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import Viewer, render

router = APIRouter(route_class=UIRoute)

THREADS = "/patients/{patient_id}/messages"
THREAD = THREADS + "/{thread_id}"
INBOX_PAGE_SIZE = 25
THREADS_PAGE_SIZE = 50
ThreadId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Reader = Annotated[PatientAccess, access(Permission.message_read, "MessageThread")]
#: What the file input offers (its bytes still decide).
ACCEPT = ",".join(
    [*(kind.value for kind in FileType), *(ext for kind in FileType for ext in kind.extensions)]
)


def _session_viewer(request: Request, session: SessionDep) -> Viewer:
    """The signed-in browser session (its CSRF token is checked once the body is read)."""
    found = cookie_session(request, session)
    if found is None or not found[0].mfa_satisfied:
        raise NotAuthenticated("log in to continue")
    row, user = found
    request.state.credential = sessions.session_credential(row)
    return Viewer(actor=Actor.of(user), display_name=user.display_name)


SessionViewer = Annotated[Viewer, Depends(_session_viewer)]


def _message_writer(
    request: Request,
    patient_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    viewer: SessionViewer,
    session: SessionDep,
) -> PatientAccess:
    thread_id = request.path_params.get("thread_id")
    return open_patient(
        session,
        actor=viewer.actor,
        patient_id=patient_id,
        permission=Permission.message_write,
        action="create",
        resource_type="MessageThread",
        resource_id=thread_id if isinstance(thread_id, str) and thread_id.isdigit() else None,
    )


Writer = Annotated[PatientAccess, Depends(_message_writer)]


async def _page_form(request: Request, settings: SettingsDep) -> AsyncIterator[MessageForm]:
    async with received_message(
        request, settings, text_fields=frozenset({"csrf_token", "subject", "body", "client_id"})
    ) as form:
        if not csrf_is_valid(request, form.fields.get("csrf_token")):
            raise FormExpired("the form has expired; reload the page and try again")
        yield form


# Declared after the writer in each route: the gate runs before the body is read.
PageForm = Annotated[MessageForm, Depends(_page_form, scope="function")]


@dataclass(frozen=True, slots=True)
class Draft:
    """What the form shows: empty, or what was sent when it was refused."""

    subject: str = ""
    body: str = ""
    client_id: str = ""

    @classmethod
    def fresh(cls) -> Draft:
        return cls(client_id=uuid.uuid4().hex)  # a double tap sends the message once

    @classmethod
    def of(cls, form: MessageForm) -> Draft:
        fields = form.fields
        return cls(fields.get("subject", ""), fields.get("body", ""), fields.get("client_id", ""))


def _max_attachment_mb(request: Request) -> str:
    limit: int = request.app.state.settings.max_attachment_bytes
    return f"{limit / 1024 / 1024:g}"


def _errors(error: InvalidInput | ContentTooLarge) -> dict[str, str]:
    field = error.field or "body"
    text = error.detail[:1].upper() + error.detail[1:]
    if field == ATTACHMENT_FIELD:
        text += ". Choose the file again: a refused file is not kept."
    return {field: text if text.endswith(".") else text + "."}


@router.get("/messages")
def staff_inbox(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Every thread of the viewer's patients, unread first; each listed thread is audited."""
    if viewer.is_patient and viewer.messages_link:
        return RedirectResponse(viewer.messages_link, status_code=303)
    rows, total = inbox.inbox(
        session,
        actor=viewer.actor,
        page=PageRequest(limit=INBOX_PAGE_SIZE, offset=(page - 1) * INBOX_PAGE_SIZE),
    )
    pages = max((total + INBOX_PAGE_SIZE - 1) // INBOX_PAGE_SIZE, 1)
    items = [
        (row, short_local(row.thread.last_message_at, patient_zone(row.patient.time_zone)))
        for row in rows
    ]
    return render(
        request,
        "messages_inbox.html",
        viewer=viewer,
        items=items,
        total=total,
        page=page,
        pages=pages,
        previous_link=f"/messages?page={page - 1}" if page > 1 else None,
        next_link=f"/messages?page={page + 1}" if page < pages else None,
    )


def _threads_page(
    request: Request,
    session: Session,
    grant: PatientAccess,
    viewer: Viewer,
    *,
    draft: Draft | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    rows, total = threads.list_threads(
        session, access=grant, page=PageRequest(limit=THREADS_PAGE_SIZE, offset=0)
    )
    zone = patient_zone(grant.patient.time_zone)
    return render(
        request,
        "messages.html",
        viewer=viewer,
        status_code=status_code,
        patient=grant.patient,
        threads=[(row, short_local(row.thread.last_message_at, zone)) for row in rows],
        total=total,
        time_zone=zone.key,
        draft=draft or Draft.fresh(),
        errors=errors or {},
        accept=ACCEPT,
        max_attachment_mb=_max_attachment_mb(request),
        can_write=viewer.actor.can(Permission.message_write),
    )


@router.get(THREADS)
def thread_list(
    request: Request, grant: Reader, viewer: ViewerDep, session: SessionDep
) -> Response:
    return _threads_page(request, session, grant, viewer)


@router.post(THREADS)
def start_thread(
    request: Request,
    grant: Writer,
    form: PageForm,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Send a new message to the care team and open its thread; on a mistake, the form again."""
    try:
        thread, _ = threads.open_thread(
            session,
            access=grant,
            subject=form.fields.get("subject"),
            message=form.message(),
            store=attachment_store(settings),
            limits=input_limits(settings),
            base_url=settings.public_base_url,
        )
    except (InvalidInput, ContentTooLarge) as error:
        grant.event.outcome = AuditOutcome.failure
        grant.event.detail = f"message refused: {error.field}"
        return _threads_page(
            request,
            session,
            grant,
            _page_viewer(session, grant.actor),
            draft=Draft.of(form),
            errors=_errors(error),
            status_code=error.status_code,
        )
    request.session["flash"] = (
        "Your message was sent to your care team."
        if grant.actor.patient_id == grant.patient_id
        else "Your message was sent to the patient and their care team."
    )
    return RedirectResponse(
        THREAD.format(patient_id=grant.patient_id, thread_id=thread.id), status_code=303
    )


def _thread_page(
    request: Request,
    session: Session,
    grant: PatientAccess,
    actor: Actor,
    thread_id: int,
    *,
    draft: Draft | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = threads.read_thread(session, access=grant, thread_id=thread_id)
    zone = patient_zone(grant.patient.time_zone)
    messages = [
        (
            item,
            short_local(item.message.sent_at, zone),
            [
                (attachment, download_url(grant.patient_id, thread_id, attachment.id))
                for attachment in item.message.attachments
            ],
        )
        for item in view.messages
    ]
    return render(
        request,
        "message_thread.html",
        viewer=_page_viewer(session, actor),
        status_code=status_code,
        patient=grant.patient,
        thread=view.thread,
        messages=messages,
        time_zone=zone.key,
        draft=draft or Draft.fresh(),
        errors=errors or {},
        accept=ACCEPT,
        max_attachment_mb=_max_attachment_mb(request),
        can_write=actor.can(Permission.message_write),
    )


def _page_viewer(session: Session, actor: Actor) -> Viewer:
    """The viewer with the navigation's unread count as it stands after this page's reading."""
    return page_viewer(actor, session)


@router.get(THREAD)
def thread_page(
    request: Request, thread_id: ThreadId, grant: Reader, viewer: ViewerDep, session: SessionDep
) -> Response:
    """The thread, oldest first; opening it marks it read for the viewer."""
    return _thread_page(request, session, grant, viewer.actor, thread_id)


@router.post(THREAD)
def post_reply(
    request: Request,
    thread_id: ThreadId,
    grant: Writer,
    form: PageForm,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    try:
        threads.reply(
            session,
            access=grant,
            thread_id=thread_id,
            message=form.message(),
            store=attachment_store(settings),
            limits=input_limits(settings),
            base_url=settings.public_base_url,
        )
    except (InvalidInput, ContentTooLarge) as error:
        grant.event.outcome = AuditOutcome.failure
        grant.event.detail = f"message refused: {error.field}"
        return _thread_page(
            request,
            session,
            grant,
            grant.actor,
            thread_id,
            draft=Draft.of(form),
            errors=_errors(error),
            status_code=error.status_code,
        )
    request.session["flash"] = "Your reply was sent."
    return RedirectResponse(
        THREAD.format(patient_id=grant.patient_id, thread_id=thread_id), status_code=303
    )
