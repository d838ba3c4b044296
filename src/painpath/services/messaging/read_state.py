"""Read state per participant: how far each person has read each thread, and what is unread.

A message is unread for a participant when someone else wrote it after the last message they
had in front of them when they opened the thread (message ids only grow).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.auth.scope import in_scope
from painpath.kit.clock import utcnow
from painpath.models.messaging import Message, MessageReadState


def last_read(session: Session, *, actor: Actor, thread_id: int) -> int:
    """The id of the last message the actor had read in the thread (0: none)."""
    state = session.get(MessageReadState, (thread_id, actor.user_id))
    return state.last_read_message_id if state else 0


def mark_read(session: Session, *, actor: Actor, thread_id: int, up_to_message_id: int) -> None:
    """Everything up to `up_to_message_id` is read for the actor (never moves backwards)."""
    state = session.get(MessageReadState, (thread_id, actor.user_id))
    if state is None:
        try:
            with session.begin_nested():  # a second tab opening the thread at the same moment
                session.add(
                    MessageReadState(
                        thread_id=thread_id,
                        user_id=actor.user_id,
                        last_read_message_id=up_to_message_id,
                        read_at=utcnow(),
                    )
                )
            return
        except IntegrityError:
            state = session.get(MessageReadState, (thread_id, actor.user_id))
            if state is None:
                raise
    if up_to_message_id > state.last_read_message_id:
        state.last_read_message_id = up_to_message_id
        state.read_at = utcnow()
    session.flush()


def _unread(actor: Actor) -> ColumnElement[bool]:
    return and_(
        or_(Message.author_id.is_(None), Message.author_id != actor.user_id),
        Message.id > func.coalesce(MessageReadState.last_read_message_id, 0),
    )


def _own_read_state(actor: Actor) -> ColumnElement[bool]:
    return and_(
        MessageReadState.thread_id == Message.thread_id,
        MessageReadState.user_id == actor.user_id,
    )


def unread_by_thread(
    session: Session, *, actor: Actor, thread_ids: Iterable[int]
) -> dict[int, int]:
    """Unread messages per thread for the actor (threads with none are left out)."""
    ids = list(thread_ids)
    if not ids:
        return {}
    query = (
        select(Message.thread_id, func.count(Message.id))
        .outerjoin(MessageReadState, _own_read_state(actor))
        .where(Message.thread_id.in_(ids), _unread(actor))
        .group_by(Message.thread_id)
    )
    return {thread_id: count for thread_id, count in session.execute(query)}


def unread_total(session: Session, *, actor: Actor) -> int:
    """Unread messages for the actor across every patient they may see: the count in the
    navigation and on the patient's home page. Counts only; no message is read here."""
    if not actor.can(Permission.message_read):
        return 0
    query = (
        select(func.count(Message.id))
        .outerjoin(MessageReadState, _own_read_state(actor))
        .where(in_scope(Message.patient_id, actor), _unread(actor))
    )
    return session.scalar(query) or 0
