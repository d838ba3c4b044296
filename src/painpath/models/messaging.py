"""Secure messages between a patient and their care team (FHIR Communication, loosely).

A thread belongs to one patient's compartment; its participants are that patient's account
and the staff seated on the patient's active care teams, so nobody is addressed by hand and a
patient can only ever write to their own team. Attachments are files on disk, named by their
SHA-256 (content-addressed); the row keeps only the hash, the type found in the file's bytes
and the name the sender gave it (shown as text, never used to serve the file).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.kit.file_types import FileType
from painpath.models.enums import Role, str_enum
from painpath.models.mixins import PatientOwned, Timestamps


class MessageThread(PatientOwned, Timestamps, Base):
    __tablename__ = "message_threads"
    __table_args__ = (
        Index("ix_message_threads_patient_last", "patient_id", "last_message_at"),
        UniqueConstraint("patient_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    # Who opened the thread; kept if the account is later removed.
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The newest message's time: threads list newest first.
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The client's own id for the opening message: a double submit opens one thread.
    client_id: Mapped[str | None] = mapped_column(String(128))
    messages: Mapped[list[Message]] = relationship(
        back_populates="thread", order_by="Message.id", cascade="all, delete-orphan"
    )


class Message(PatientOwned, Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("thread_id", "client_id"),
        CheckConstraint("length(body) <= 5000", name="body_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("message_threads.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The author's role when they wrote (an account's role could change later).
    author_role: Mapped[Role] = mapped_column(str_enum(Role, "message_author_role"))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The client's own id: a retried or double-submitted reply is stored once.
    client_id: Mapped[str | None] = mapped_column(String(128))
    thread: Mapped[MessageThread] = relationship(back_populates="messages")
    attachments: Mapped[list[MessageAttachment]] = relationship(
        back_populates="message", order_by="MessageAttachment.id", cascade="all, delete-orphan"
    )


class MessageAttachment(PatientOwned, Base):
    __tablename__ = "message_attachments"
    __table_args__ = (
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    # Hex SHA-256 of the content: the file's name in the attachment store.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    # The type the file's own bytes show (never the client's claim).
    media_type: Mapped[FileType] = mapped_column(str_enum(FileType, "attachment_media_type"))
    # The sender's name for the file, shown as text; downloads get a name painpath makes.
    filename: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    message: Mapped[Message] = relationship(back_populates="attachments")


class MessageReadState(Base):
    """How far one participant has read one thread: every message up to and including
    `last_read_message_id` (ids only grow) counts as read for them."""

    __tablename__ = "message_read_states"

    thread_id: Mapped[int] = mapped_column(
        ForeignKey("message_threads.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    last_read_message_id: Mapped[int] = mapped_column(Integer)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
