"""Telling the other participants that a message arrived.

Each participant sees it in the app at once: the thread counts as unread for everyone but
its author (`read_state`), which the navigation, the staff inbox and the patient's home page
show. Participants with an e-mail address also get an e-mail through the notification outbox
(`services.notify`), written in the same transaction as the message and keyed per message and
recipient, so a retried request or a worker restart never sends it twice. The e-mail says that
a message is waiting, never what it says or whom it is about: the text stays behind the
sign-in.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from painpath.models.messaging import Message, MessageThread
from painpath.models.user import User
from painpath.services import notify
from painpath.services.messaging import participants

SUBJECT = "A new secure message is waiting for you in painpath"


def notice_key(message: Message, recipient: User) -> str:
    """The outbox idempotency key: one e-mail per message and recipient, ever."""
    return f"message:{message.id}:to:{recipient.id}"


def recipients(session: Session, *, thread: MessageThread, message: Message) -> list[User]:
    """Everyone on the thread but the author: the patient and their care team's staff."""
    return [
        user
        for user in participants.participants(session, thread.patient_id)
        if user.id != message.author_id
    ]


def _body(recipient: User, thread: MessageThread, base_url: str | None) -> str:
    where = f"/patients/{thread.patient_id}/messages/{thread.id}"
    link = f"{base_url.rstrip('/')}{where}" if base_url else f"painpath, under Messages ({where})"
    return (
        f"Hello {recipient.display_name},\n\n"
        "a new secure message is waiting for you. For your privacy this e-mail does not say "
        f"what it is about; sign in to read it:\n\n{link}\n\n"
        "Please do not reply to this e-mail. If this is an emergency, call 911.\n"
    )


def message_sent(
    session: Session, *, thread: MessageThread, message: Message, base_url: str | None = None
) -> list[User]:
    """Queue an e-mail for each recipient with an address; returns every recipient (all of
    them see the message as unread in the app)."""
    found = recipients(session, thread=thread, message=message)
    for recipient in found:
        if recipient.email:
            notify.enqueue(
                session,
                key=notice_key(message, recipient),
                recipient=recipient.email,
                subject=SUBJECT,
                body=_body(recipient, thread, base_url),
                patient_id=thread.patient_id,
            )
    return found
