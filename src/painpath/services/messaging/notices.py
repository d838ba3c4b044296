"""Telling the other participants that a message arrived.

Each participant sees it in the app at once: the thread counts as unread for everyone but
its author (`read_state`), which the navigation, the staff inbox and the patient's home page
show. The notice says that a message is waiting, never what it says: message text stays
behind the sign-in.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from painpath.models.messaging import Message, MessageThread
from painpath.models.user import User
from painpath.services.messaging import participants


def recipients(session: Session, *, thread: MessageThread, message: Message) -> list[User]:
    """Everyone on the thread but the author: the patient and their care team's staff."""
    return [
        user
        for user in participants.participants(session, thread.patient_id)
        if user.id != message.author_id
    ]


def message_sent(session: Session, *, thread: MessageThread, message: Message) -> list[User]:
    """Note the new message for its recipients; returns who they are."""
    return recipients(session, thread=thread, message=message)
