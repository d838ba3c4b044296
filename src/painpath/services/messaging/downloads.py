"""Handing out an attachment: only through its thread, only to someone who may read the
patient's messages, under a name and type painpath chooses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.kit.file_types import FileType
from painpath.models.messaging import Message, MessageAttachment
from painpath.services.access import PatientAccess
from painpath.services.errors import NotFound
from painpath.services.messaging.attachment_store import AttachmentStore
from painpath.services.messaging.threads import get_thread


@dataclass(frozen=True, slots=True)
class Download:
    path: Path
    media_type: FileType
    download_name: str
    size_bytes: int


def attachment_download(
    session: Session,
    *,
    access: PatientAccess,
    thread_id: int,
    attachment_id: int,
    store: AttachmentStore,
) -> Download:
    thread = get_thread(session, access=access, thread_id=thread_id)
    row = session.scalar(
        select(MessageAttachment)
        .join(Message, Message.id == MessageAttachment.message_id)
        .where(
            MessageAttachment.id == attachment_id,
            Message.thread_id == thread.id,
            MessageAttachment.patient_id == access.patient_id,
        )
    )
    if row is None:
        raise NotFound(f"attachment {attachment_id} not found in message thread {thread_id}")
    path = store.open_path(row.sha256)
    size = path.stat().st_size
    if size != row.size_bytes:
        raise NotFound("the attachment's stored file does not match its record")
    access.event.detail = f"attachment download: message {row.message_id}"
    name = f"painpath-attachment-{row.id}{row.media_type.extension}"
    return Download(path, row.media_type, name, size)
