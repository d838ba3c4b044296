"""A clinician's or pharmacist's message inbox: the threads of every patient on their active
care teams, unread first, newest activity next. Each thread listed is audited as a read of
that patient's thread list, as the panel audits each patient it lists."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.auth.scope import in_scope
from painpath.kit.pagination import PageRequest
from painpath.models.messaging import Message, MessageReadState, MessageThread
from painpath.models.patient import Patient
from painpath.services.errors import AccessDenied


@dataclass(frozen=True, slots=True)
class InboxRow:
    thread: MessageThread
    patient: Patient
    unread: int


def inbox(
    session: Session, *, actor: Actor, page: PageRequest, unread_only: bool = False
) -> tuple[list[InboxRow], int]:
    """Threads of the patients the actor may see, one page, with the actor's unread counts."""
    if not actor.can(Permission.message_read):
        raise AccessDenied("you may not read messages")
    unread = (
        select(func.count(Message.id))
        .outerjoin(
            MessageReadState,
            and_(
                MessageReadState.thread_id == Message.thread_id,
                MessageReadState.user_id == actor.user_id,
            ),
        )
        .where(
            Message.thread_id == MessageThread.id,
            or_(Message.author_id.is_(None), Message.author_id != actor.user_id),
            Message.id > func.coalesce(MessageReadState.last_read_message_id, 0),
        )
        .correlate(MessageThread)
        .scalar_subquery()
    )
    query = (
        select(MessageThread, Patient, unread)
        .join(Patient, Patient.id == MessageThread.patient_id)
        .where(in_scope(MessageThread.patient_id, actor))
    )
    if unread_only:
        query = query.where(unread > 0)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(
            case((unread > 0, 0), else_=1),
            MessageThread.last_message_at.desc(),
            MessageThread.id.desc(),
        )
        .limit(page.limit)
        .offset(page.offset)
    )
    found = [InboxRow(thread, patient, count) for thread, patient, count in rows]
    for row in found:
        audit.record(
            session,
            actor=actor,
            action="search",
            resource_type="MessageThread",
            patient_id=row.patient.id,
            resource_id=row.thread.id,
            detail="message inbox",
        )
    return found, total
