"""What a notification is, and what a sender must do with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to one recipient, as stored in the outbox."""

    #: The outbox idempotency key; senders use it as the stable message id.
    key: str
    recipient: str
    subject: str
    body: str
    #: An iCalendar object sent as a text/calendar part, or None.
    calendar: str | None = None


class SendError(Exception):
    """A send that did not go out. `permanent`: retrying cannot help (the address is refused)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Sender(Protocol):
    """Delivers one notification, or raises SendError. Must not return before it is handed over."""

    def send(self, notification: Notification) -> None: ...
