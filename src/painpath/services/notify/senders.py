"""Senders: the log (development, tests) and SMTP over TLS (when PAINPATH_SMTP_HOST is set)."""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from painpath.config import Settings
from painpath.kit.clock import utcnow
from painpath.services.notify.message import Notification, Sender, SendError

logger = logging.getLogger("painpath.notify")


class LogSender:
    """Writes each notification to the `painpath.notify` log (recipient and subject only: the
    body may name a patient) and keeps what it sent, so tests can read it."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> None:
        logger.info(
            "notification %s to %s: %s",
            notification.key,
            notification.recipient,
            notification.subject,
        )
        self.sent.append(notification)


class SmtpConfigurationError(RuntimeError):
    """PAINPATH_SMTP_* settings are incomplete."""


def build_email(notification: Notification, *, sender: str) -> EmailMessage:
    """The e-mail for a notification; header injection is refused by EmailMessage itself."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notification.recipient
    message["Subject"] = notification.subject
    message["Date"] = format_datetime(utcnow())
    # Stable per notification, so a receiving system can recognise a duplicate.
    digest = hashlib.sha256(notification.key.encode()).hexdigest()[:32]
    message["Message-ID"] = make_msgid(idstring=digest, domain=sender.rsplit("@", 1)[1])
    message.set_content(notification.body)
    if notification.calendar is not None:
        message.add_attachment(
            notification.calendar.encode(),
            maintype="text",
            subtype="calendar",
            filename="visit.ics",
        )
    return message


class SmtpSender:
    """Sends through an SMTP server with STARTTLS or implicit TLS (certificates verified)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str,
        sender: str,
        username: str | None,
        password: str | None,
        timeout: float,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.security = security
        self.sender = sender
        self.username = username
        self.password = password
        self.timeout = timeout
        self.tls_context = tls_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.tls_context
            )
        connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        connection.ehlo()
        connection.starttls(context=self.tls_context)
        connection.ehlo()
        return connection

    def send(self, notification: Notification) -> None:
        message = build_email(notification, sender=self.sender)
        try:
            with self._connect() as connection:
                if self.username is not None and self.password is not None:
                    connection.login(self.username, self.password)
                connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise SendError(f"recipient refused: {error.recipients}", permanent=True) from error
        except smtplib.SMTPNotSupportedError as error:
            raise SendError("the server does not offer STARTTLS", permanent=False) from error
        except (smtplib.SMTPException, OSError) as error:
            raise SendError(f"{type(error).__name__}: {error}") from error


def sender_from_settings(settings: Settings) -> Sender:
    """SMTP when PAINPATH_SMTP_HOST is set (then PAINPATH_SMTP_FROM is required), else the log."""
    if settings.smtp_host is None:
        return LogSender()
    if settings.smtp_from is None:
        raise SmtpConfigurationError("PAINPATH_SMTP_HOST is set but PAINPATH_SMTP_FROM is not")
    if (settings.smtp_username is None) != (settings.smtp_password is None):
        raise SmtpConfigurationError(
            "set both PAINPATH_SMTP_USERNAME and PAINPATH_SMTP_PASSWORD, or neither"
        )
    return SmtpSender(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        sender=settings.smtp_from,
        username=settings.smtp_username,
        password=(settings.smtp_password.get_secret_value() if settings.smtp_password else None),
        timeout=settings.smtp_timeout_seconds,
    )
