"""Secure messages between a patient and their care team.

Writes read their body in a dependency declared after the access check, so a caller without
`message:write` on the patient is refused (and audited) before a byte of it is read. Every
read — the thread list, a thread, an attachment — is audited through the shared gate.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from painpath.auth.permissions import Permission
from painpath.models.messaging import Message
from painpath.schemas.base import MAX_ROW_ID, Page
from painpath.schemas.messaging import (
    AttachmentRead,
    MessageCreate,
    MessageRead,
    MessageThreadCreate,
    MessageThreadRead,
    MessageThreadSummary,
    UnreadCount,
)
from painpath.services.access import PatientAccess
from painpath.services.input_limits import input_limits
from painpath.services.messaging import downloads, inbox, read_state, threads
from painpath.services.messaging.attachment_store import attachment_store
from painpath.services.messaging.threads import MessageView, ThreadSummary
from painpath.web.deps import ActorDep, PageDep, SessionDep, SettingsDep, access
from painpath.web.message_forms import MessageForm, received_message

router = APIRouter(tags=["messages"])
THREADS = "/patients/{patient_id}/message-threads"

ThreadId = Annotated[int, PathParam(ge=1, le=MAX_ROW_ID)]
AttachmentId = Annotated[int, PathParam(ge=1, le=MAX_ROW_ID)]
Reader = Annotated[PatientAccess, access(Permission.message_read, "MessageThread")]
Writer = Annotated[PatientAccess, access(Permission.message_write, "MessageThread")]
AttachmentReader = Annotated[PatientAccess, access(Permission.message_read, "MessageAttachment")]


def _body(required: list[str], properties: dict[str, Any], json_schema: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{json_schema}"}},
            "multipart/form-data": {
                "schema": {"type": "object", "required": required, "properties": properties}
            },
        },
    }


_TEXT = {
    "body": {"type": "string", "maxLength": threads.MAX_BODY},
    "client_id": {"type": "string", "maxLength": threads.MAX_CLIENT_ID},
    "attachment": {
        "type": "string",
        "format": "binary",
        "description": "one PDF, PNG or JPEG file (its bytes decide), at most "
        "PAINPATH_MAX_ATTACHMENT_BYTES",
    },
}
THREAD_BODY = _body(
    ["subject", "body"],
    {"subject": {"type": "string", "maxLength": threads.MAX_SUBJECT}, **_TEXT},
    "MessageThreadCreate",
)
REPLY_BODY = _body(["body"], _TEXT, "MessageCreate")
UNSUPPORTED = {415: {"description": "Not JSON or multipart/form-data"}}


async def thread_form(request: Request, settings: SettingsDep) -> AsyncIterator[MessageForm]:
    async with received_message(
        request,
        settings,
        text_fields=frozenset({"subject", "body", "client_id"}),
        json_model=MessageThreadCreate,
    ) as form:
        yield form


async def reply_form(request: Request, settings: SettingsDep) -> AsyncIterator[MessageForm]:
    async with received_message(
        request,
        settings,
        text_fields=frozenset({"body", "client_id"}),
        json_model=MessageCreate,
    ) as form:
        yield form


# Function scope: the spooled file is gone before the response is sent.
ThreadForm = Annotated[MessageForm, Depends(thread_form, scope="function")]
ReplyForm = Annotated[MessageForm, Depends(reply_form, scope="function")]


def download_url(patient_id: int, thread_id: int, attachment_id: int) -> str:
    return f"/api{THREADS.format(patient_id=patient_id)}/{thread_id}/attachments/{attachment_id}"


def _summary(summary: ThreadSummary) -> MessageThreadSummary:
    thread = summary.thread
    return MessageThreadSummary(
        id=thread.id,
        patient_id=thread.patient_id,
        subject=thread.subject,
        created_at=thread.created_at,
        last_message_at=thread.last_message_at,
        message_count=summary.messages,
        unread_count=summary.unread,
    )


def message_read(view: MessageView) -> MessageRead:
    message = view.message
    return MessageRead(
        id=message.id,
        thread_id=message.thread_id,
        author_id=message.author_id,
        author_name=view.author_name,
        author_role=message.author_role,
        body=message.body,
        sent_at=message.sent_at,
        client_id=message.client_id,
        unread=view.unread,
        attachments=[
            AttachmentRead(
                id=item.id,
                filename=item.filename,
                media_type=item.media_type,
                size_bytes=item.size_bytes,
                download_url=download_url(message.patient_id, message.thread_id, item.id),
            )
            for item in message.attachments
        ],
    )


def _thread_read(session: Session, grant: PatientAccess, thread_id: int) -> MessageThreadRead:
    view = threads.read_thread(session, access=grant, thread_id=thread_id)
    summary = threads.summarize(session, access=grant, threads=[view.thread])[0]
    return MessageThreadRead(
        **_summary(summary).model_dump(), messages=[message_read(m) for m in view.messages]
    )


@router.get("/message-threads", response_model=Page[MessageThreadSummary])
def list_inbox(
    actor: ActorDep,
    session: SessionDep,
    page: PageDep,
    unread: Annotated[bool, Query(description="only threads with unread messages")] = False,
) -> Page[MessageThreadSummary]:
    """Every thread the caller takes part in (a patient: their own; staff: their patients'),
    unread first; each thread listed is audited."""
    rows, total = inbox.inbox(session, actor=actor, page=page, unread_only=unread)
    counts = threads.message_counts(session, [row.thread.id for row in rows])
    items = [
        _summary(ThreadSummary(row.thread, counts.get(row.thread.id, 0), row.unread))
        for row in rows
    ]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/message-threads/unread-count", response_model=UnreadCount)
def unread_count(actor: ActorDep, session: SessionDep) -> UnreadCount:
    """How many messages by others the caller has not read, across their patients."""
    return UnreadCount(unread_count=read_state.unread_total(session, actor=actor))


@router.get(THREADS, response_model=Page[MessageThreadSummary])
def list_threads(grant: Reader, session: SessionDep, page: PageDep) -> Page[MessageThreadSummary]:
    rows, total = threads.list_threads(session, access=grant, page=page)
    return Page(
        items=[_summary(row) for row in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.post(
    THREADS,
    response_model=MessageThreadRead,
    status_code=201,
    openapi_extra={"requestBody": THREAD_BODY},
    responses=UNSUPPORTED,  # type: ignore[arg-type]
)
def open_thread(
    grant: Writer,
    form: ThreadForm,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> MessageThreadRead:
    """Open a thread to the patient's care team with its first message (and one file).

    The same `client_id` again returns the thread it opened, with 200.
    """
    thread, created = threads.open_thread(
        session,
        access=grant,
        subject=form.fields.get("subject"),
        message=form.message(),
        store=attachment_store(settings),
        limits=input_limits(settings),
        base_url=settings.public_base_url,
    )
    if not created:
        response.status_code = 200
    return _thread_read(session, grant, thread.id)


@router.get(THREADS + "/{thread_id}", response_model=MessageThreadRead)
def read_thread(thread_id: ThreadId, grant: Reader, session: SessionDep) -> MessageThreadRead:
    """The thread, oldest message first; reading it marks it read for the caller."""
    return _thread_read(session, grant, thread_id)


@router.post(
    THREADS + "/{thread_id}/messages",
    response_model=MessageRead,
    status_code=201,
    openapi_extra={"requestBody": REPLY_BODY},
    responses=UNSUPPORTED,  # type: ignore[arg-type]
)
def reply(
    thread_id: ThreadId,
    grant: Writer,
    form: ReplyForm,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> MessageRead:
    """Reply in a thread (with one file). The same `client_id` again returns the stored
    message with 200."""
    message, created = threads.reply(
        session,
        access=grant,
        thread_id=thread_id,
        message=form.message(),
        store=attachment_store(settings),
        limits=input_limits(settings),
        base_url=settings.public_base_url,
    )
    if not created:
        response.status_code = 200
    return message_read(_own_view(session, message))


def _own_view(session: Session, message: Message) -> MessageView:
    names = threads.author_names(session, {message.author_id} if message.author_id else set())
    return MessageView(message, names.get(message.author_id or 0, "a former user"), False)


@router.get(
    THREADS + "/{thread_id}/attachments/{attachment_id}",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file, as an attachment (never shown inline)",
            "content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}},
        }
    },
)
def download_attachment(
    thread_id: ThreadId,
    attachment_id: AttachmentId,
    grant: AttachmentReader,
    session: SessionDep,
    settings: SettingsDep,
) -> FileResponse:
    """The attached file, under a name painpath gives it, with the type its bytes showed."""
    found = downloads.attachment_download(
        session,
        access=grant,
        thread_id=thread_id,
        attachment_id=attachment_id,
        store=attachment_store(settings),
    )
    return FileResponse(
        found.path,
        media_type=found.media_type.value,
        filename=found.download_name,
        content_disposition_type="attachment",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )
