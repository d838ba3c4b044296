"""Notifications: an outbox table written in the caller's transaction, and a worker that sends
what is due through a sender (the log in development and tests, SMTP over TLS when configured).

`enqueue` (idempotent per key) and `withdraw` are called by use cases; `send_pending` by the
worker (`painpath notify send`)."""

from painpath.services.notify.message import Notification, Sender, SendError
from painpath.services.notify.outbox import (
    RetryPolicy,
    SendReport,
    enqueue,
    send_pending,
    withdraw,
)
from painpath.services.notify.senders import (
    LogSender,
    SmtpConfigurationError,
    SmtpSender,
    sender_from_settings,
)

__all__ = [
    "LogSender",
    "Notification",
    "RetryPolicy",
    "SendError",
    "SendReport",
    "Sender",
    "SmtpConfigurationError",
    "SmtpSender",
    "enqueue",
    "send_pending",
    "sender_from_settings",
    "withdraw",
]
