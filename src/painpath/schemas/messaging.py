"""Secure messages as the API takes and gives them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints

from painpath.kit.file_types import FileType
from painpath.models.enums import Role
from painpath.schemas.base import ClientId, InputModel, OutputModel

Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class MessageCreate(InputModel):
    """A reply without an attachment (send multipart/form-data to attach a file)."""

    body: Body
    # The client's own id: sending the same message again stores it once.
    client_id: ClientId | None = None


class MessageThreadCreate(MessageCreate):
    """A new thread to the patient's care team, with its first message."""

    subject: Subject


class AttachmentRead(OutputModel):
    id: int
    # The sender's name for the file (text only; downloads are named by painpath).
    filename: str
    media_type: FileType
    size_bytes: int
    download_url: str


class MessageRead(OutputModel):
    id: int
    thread_id: int
    author_id: int | None
    author_name: str
    author_role: Role
    body: str
    sent_at: datetime
    client_id: str | None
    # New to the reader when they opened the thread (always false for their own messages).
    unread: bool
    attachments: list[AttachmentRead]


class MessageThreadSummary(OutputModel):
    id: int
    patient_id: int
    subject: str
    created_at: datetime
    last_message_at: datetime
    message_count: int
    # Messages by others the caller has not read yet.
    unread_count: int


class MessageThreadRead(MessageThreadSummary):
    messages: list[MessageRead]


class UnreadCount(OutputModel):
    unread_count: int
