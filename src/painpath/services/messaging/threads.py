"""Message threads between a patient and their care team: open one, reply, list, read.

Every function takes the `PatientAccess` the shared gate (`services.access.open_patient`)
granted for `message:read` or `message:write`, so care-team scope and the audit event are
settled before a thread is touched; a thread id of another patient answers 404. Reading a
thread marks it read for the reader and names the thread in the access's audit event.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from painpath.kit.clock import utcnow
from painpath.kit.limits import InputLimits
from painpath.kit.pagination import PageRequest
from painpath.models.messaging import Message, MessageAttachment, MessageThread
from painpath.models.user import User
from painpath.schemas.base import storable_text
from painpath.services.access import PatientAccess
from painpath.services.errors import Conflict, InvalidInput, NotFound
from painpath.services.messaging import notices, participants, read_state
from painpath.services.messaging.attachment_store import AttachmentStore
from painpath.services.messaging.attachments import (
    CheckedAttachment,
    UploadedFile,
    check_attachment,
)

MAX_SUBJECT = 200
MAX_BODY = 5000
MAX_CLIENT_ID = 128


@dataclass(frozen=True, slots=True)
class NewMessage:
    """What a sender typed, with at most one attached file."""

    body: str
    client_id: str | None = None
    attachment: UploadedFile | None = None


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    thread: MessageThread
    messages: int
    unread: int


@dataclass(frozen=True, slots=True)
class MessageView:
    message: Message
    author_name: str
    unread: bool


@dataclass(frozen=True, slots=True)
class ThreadView:
    thread: MessageThread
    messages: list[MessageView]


def clean_text(value: str | None, *, field: str, longest: int) -> str:
    """Trimmed, non-empty, storable text of at most `longest` characters, or InvalidInput."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput("write something here", field=field)
    if len(text) > longest:
        raise InvalidInput(f"at most {longest} characters", field=field)
    try:
        return storable_text(text)
    except ValueError as error:
        raise InvalidInput(str(error), field=field) from None


def _client_id(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_CLIENT_ID or any(not char.isprintable() for char in text):
        raise InvalidInput(f"at most {MAX_CLIENT_ID} printable characters", field="client_id")
    return text or None


def _require_team(session: Session, access: PatientAccess) -> None:
    """A patient writes only to their own care team, so there must be one to write to."""
    if not participants.care_team_staff(session, access.patient_id):
        raise Conflict(
            "there is no active care team to write to for this patient", field="care_team"
        )


def _checked(attachment: UploadedFile | None, limits: InputLimits) -> CheckedAttachment | None:
    return check_attachment(attachment, limits) if attachment is not None else None


def get_thread(session: Session, *, access: PatientAccess, thread_id: int) -> MessageThread:
    thread = session.get(MessageThread, thread_id)
    if thread is None or thread.patient_id != access.patient_id:
        raise NotFound(f"message thread {thread_id} not found for patient {access.patient_id}")
    return thread


def _add_message(
    session: Session,
    *,
    access: PatientAccess,
    thread: MessageThread,
    body: str,
    client_id: str | None,
    checked: CheckedAttachment | None,
    store: AttachmentStore,
    base_url: str | None,
) -> Message:
    now = utcnow()
    message = Message(
        thread=thread,
        patient_id=access.patient_id,
        author_id=access.actor.user_id,
        author_role=access.actor.role,
        body=body,
        sent_at=now,
        client_id=client_id,
    )
    thread.last_message_at = now
    session.add(message)
    stored_now = False
    try:
        session.flush()
        if checked is not None:
            upload = checked.upload
            stored_now = store.put(upload.path, upload.sha256)
            session.add(
                MessageAttachment(
                    message=message,
                    patient_id=access.patient_id,
                    sha256=upload.sha256,
                    size_bytes=upload.size,
                    media_type=checked.media_type,
                    filename=checked.filename,
                )
            )
            session.flush()
    except BaseException as error:
        if stored_now and checked is not None:
            store.remove(checked.upload.sha256)  # nothing of a refused message stays behind
        if isinstance(error, IntegrityError):
            raise Conflict("the message conflicts with a stored one", field="client_id") from None
        raise
    read_state.mark_read(
        session, actor=access.actor, thread_id=thread.id, up_to_message_id=message.id
    )
    notices.message_sent(session, thread=thread, message=message, base_url=base_url)
    return message


def open_thread(
    session: Session,
    *,
    access: PatientAccess,
    subject: str | None,
    message: NewMessage,
    store: AttachmentStore,
    limits: InputLimits,
    base_url: str | None = None,
) -> tuple[MessageThread, bool]:
    """Open a thread with its first message; `base_url` (the server's public address) goes into
    the e-mail notices. A repeat of a known client_id returns the thread
    it opened (False), so a double submit opens one thread."""
    clean_subject = clean_text(subject, field="subject", longest=MAX_SUBJECT)
    body = clean_text(message.body, field="body", longest=MAX_BODY)
    client_id = _client_id(message.client_id)
    if client_id and (
        known := session.scalar(
            select(MessageThread).where(
                MessageThread.patient_id == access.patient_id,
                MessageThread.client_id == client_id,
            )
        )
    ):
        access.note_resource(known.id)
        return known, False
    # Everything is checked before anything is added: a refusal leaves nothing to flush.
    checked = _checked(message.attachment, limits)
    _require_team(session, access)
    thread = MessageThread(
        patient_id=access.patient_id,
        subject=clean_subject,
        started_by_id=access.actor.user_id,
        client_id=client_id,
    )
    session.add(thread)
    _add_message(
        session,
        access=access,
        thread=thread,
        body=body,
        client_id=client_id,
        checked=checked,
        store=store,
        base_url=base_url,
    )
    access.note_resource(thread.id)
    return thread, True


def reply(
    session: Session,
    *,
    access: PatientAccess,
    thread_id: int,
    message: NewMessage,
    store: AttachmentStore,
    limits: InputLimits,
    base_url: str | None = None,
) -> tuple[Message, bool]:
    """Add a message to a thread; a repeat of a known client_id returns the stored one."""
    thread = get_thread(session, access=access, thread_id=thread_id)
    body = clean_text(message.body, field="body", longest=MAX_BODY)
    client_id = _client_id(message.client_id)
    if client_id and (
        known := session.scalar(
            select(Message).where(Message.thread_id == thread.id, Message.client_id == client_id)
        )
    ):
        return known, False
    checked = _checked(message.attachment, limits)
    _require_team(session, access)
    stored = _add_message(
        session,
        access=access,
        thread=thread,
        body=body,
        client_id=client_id,
        checked=checked,
        store=store,
        base_url=base_url,
    )
    access.event.detail = f"message {stored.id}"
    return stored, True


def message_counts(session: Session, thread_ids: list[int]) -> dict[int, int]:
    if not thread_ids:
        return {}
    query = (
        select(Message.thread_id, func.count(Message.id))
        .where(Message.thread_id.in_(thread_ids))
        .group_by(Message.thread_id)
    )
    return {thread_id: count for thread_id, count in session.execute(query)}


def summarize(
    session: Session, *, access: PatientAccess, threads: list[MessageThread]
) -> list[ThreadSummary]:
    """Message and unread counts for each thread, as the access's actor sees them."""
    ids = [thread.id for thread in threads]
    counts = message_counts(session, ids)
    unread = read_state.unread_by_thread(session, actor=access.actor, thread_ids=ids)
    return [
        ThreadSummary(thread, counts.get(thread.id, 0), unread.get(thread.id, 0))
        for thread in threads
    ]


def list_threads(
    session: Session, *, access: PatientAccess, page: PageRequest
) -> tuple[list[ThreadSummary], int]:
    """The patient's threads, newest activity first, with the reader's unread counts."""
    query = select(MessageThread).where(MessageThread.patient_id == access.patient_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    threads = list(
        session.scalars(
            query.order_by(MessageThread.last_message_at.desc(), MessageThread.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
    )
    access.event.detail = f"thread list: {len(threads)} of {total} threads"
    return summarize(session, access=access, threads=threads), total


def author_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return {user_id: name for user_id, name in rows}


def read_thread(session: Session, *, access: PatientAccess, thread_id: int) -> ThreadView:
    """The thread with every message, oldest first; marks it read for the reader, and shows
    which messages were new to them before this reading."""
    thread = get_thread(session, access=access, thread_id=thread_id)
    messages = list(
        session.scalars(select(Message).where(Message.thread_id == thread.id).order_by(Message.id))
    )
    unread_before = read_state.last_read(session, actor=access.actor, thread_id=thread.id)
    names = author_names(session, {m.author_id for m in messages if m.author_id is not None})
    views = [
        MessageView(
            message=message,
            author_name=names.get(message.author_id or 0, "a former user"),
            unread=message.id > unread_before and message.author_id != access.actor.user_id,
        )
        for message in messages
    ]
    if messages:
        read_state.mark_read(
            session, actor=access.actor, thread_id=thread.id, up_to_message_id=messages[-1].id
        )
    access.event.detail = f"thread: {len(messages)} messages"
    return ThreadView(thread, views)
