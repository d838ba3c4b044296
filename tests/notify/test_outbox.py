"""The notification outbox on SQLite and PostgreSQL: one row per key, each row sent by one
worker, retries with back-off, and no second send after an interrupted one."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from painpath.config import Environment, Settings
from painpath.db.engine import make_session_factory
from painpath.models import OutboxMessage, OutboxStatus
from painpath.services.notify import (
    LogSender,
    Notification,
    RetryPolicy,
    SendError,
    SmtpConfigurationError,
    SmtpSender,
    enqueue,
    send_pending,
    sender_from_settings,
    withdraw,
)
from tests.support.smtp import SmtpTestServer, free_port

NOW = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def put(factory: sessionmaker[Session], key: str, recipient: str = "pat@example.org") -> bool:
    with factory.begin() as session:
        return enqueue(session, key=key, recipient=recipient, subject=f"About {key}", body="Hello.")


def rows(factory: sessionmaker[Session]) -> dict[str, OutboxMessage]:
    with factory() as session:
        return {row.idempotency_key: row for row in session.scalars(select(OutboxMessage))}


def test_a_key_is_stored_once(factory: sessionmaker[Session]) -> None:
    assert put(factory, "visit:1:reminder:24h") is True
    assert put(factory, "visit:1:reminder:24h") is False
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_sent_once_even_when_the_worker_runs_again(factory: sessionmaker[Session]) -> None:
    put(factory, "a")
    put(factory, "b")
    sender = LogSender()
    first = send_pending(factory, sender, now=NOW + timedelta(seconds=1))
    again = send_pending(factory, sender, now=NOW + timedelta(hours=1))
    assert (first.sent, again.sent) == (2, 0)
    assert sorted(n.key for n in sender.sent) == ["a", "b"]
    stored = rows(factory)
    assert {row.status for row in stored.values()} == {OutboxStatus.sent}
    assert all(row.sent_at is not None and row.attempts == 1 for row in stored.values())


def test_not_before_holds_a_message_back(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        enqueue(
            session,
            key="later",
            recipient="a@example.org",
            subject="s",
            body="b",
            not_before=NOW + timedelta(hours=2),
        )
    sender = LogSender()
    assert send_pending(factory, sender, now=NOW).sent == 0
    assert send_pending(factory, sender, now=NOW + timedelta(hours=2)).sent == 1


class FlakySender:
    def __init__(self, failures: int, *, permanent: bool = False) -> None:
        self.failures = failures
        self.permanent = permanent
        self.calls = 0

    def send(self, notification: Notification) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise SendError("connection refused", permanent=self.permanent)


def test_failures_are_retried_with_back_off_then_given_up(
    factory: sessionmaker[Session],
) -> None:
    put(factory, "x")
    policy = RetryPolicy(max_attempts=3, retry_seconds=60)
    sender = FlakySender(failures=10)
    report = send_pending(factory, sender, policy=policy, now=NOW)
    assert (report.retrying, report.failed) == (1, 0)
    row = rows(factory)["x"]
    assert row.status is OutboxStatus.pending
    assert row.next_attempt_at == NOW + timedelta(seconds=60)
    assert row.last_error == "connection refused"
    # Not due yet: nothing happens.
    assert send_pending(factory, sender, policy=policy, now=NOW + timedelta(seconds=59)) == (
        type(report)()
    )
    send_pending(factory, sender, policy=policy, now=NOW + timedelta(seconds=60))
    assert rows(factory)["x"].next_attempt_at == NOW + timedelta(seconds=180)  # doubled
    final = send_pending(factory, sender, policy=policy, now=NOW + timedelta(days=1))
    assert final.failed == 1
    assert rows(factory)["x"].status is OutboxStatus.failed
    assert rows(factory)["x"].attempts == 3
    assert send_pending(factory, sender, policy=policy, now=NOW + timedelta(days=9)).sent == 0
    assert sender.calls == 3


def test_a_refused_recipient_is_not_retried(factory: sessionmaker[Session]) -> None:
    put(factory, "x")
    report = send_pending(factory, FlakySender(failures=1, permanent=True), now=NOW)
    assert report.failed == 1
    assert rows(factory)["x"].attempts == 1


def test_an_interrupted_send_is_never_repeated(factory: sessionmaker[Session]) -> None:
    """A worker that claimed a row and died: after the lease the row is failed, not resent."""
    put(factory, "x")

    class Dies:
        def send(self, notification: Notification) -> None:
            raise KeyboardInterrupt  # the process is stopped mid-send

    with pytest.raises(KeyboardInterrupt):
        send_pending(factory, Dies(), now=NOW)
    assert rows(factory)["x"].status is OutboxStatus.sending
    sender = LogSender()
    policy = RetryPolicy(claim_lease_seconds=600)
    report = send_pending(factory, sender, policy=policy, now=NOW + timedelta(seconds=599))
    assert (report.sent, report.abandoned) == (0, 0)
    report = send_pending(factory, sender, policy=policy, now=NOW + timedelta(seconds=601))
    assert (report.sent, report.abandoned) == (0, 1)
    assert rows(factory)["x"].status is OutboxStatus.failed
    assert sender.sent == []


def test_withdrawn_messages_are_not_sent(factory: sessionmaker[Session]) -> None:
    put(factory, "keep")
    put(factory, "drop")
    with factory.begin() as session:
        assert withdraw(session, ["drop", "unknown"]) == 1
    sender = LogSender()
    send_pending(factory, sender, now=NOW + timedelta(seconds=1))
    assert [n.key for n in sender.sent] == ["keep"]
    assert rows(factory)["drop"].status is OutboxStatus.withdrawn


def test_concurrent_workers_send_each_message_once(
    factory: sessionmaker[Session], database_url: str
) -> None:
    for number in range(40):
        put(factory, f"m{number}")
    sent: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(4)

    class Counting:
        def send(self, notification: Notification) -> None:
            with lock:
                sent[notification.key] += 1

    def worker() -> None:
        start.wait()
        for _ in range(5):
            send_pending(factory, Counting(), batch_size=5, now=NOW + timedelta(seconds=1))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == sorted(f"m{number}" for number in range(40))
    assert set(sent.values()) == {1}


@pytest.mark.parametrize(
    ("key", "recipient", "subject", "field"),
    [
        ("", "a@example.org", "s", "key"),
        ("k", "not-an-address", "s", "recipient"),
        ("k", "a@example.org", "Hi\r\nBcc: all@example.org", "subject"),
        ("k" * 201, "a@example.org", "s", "key"),
    ],
)
def test_hostile_values_are_refused_naming_the_field(
    factory: sessionmaker[Session], key: str, recipient: str, subject: str, field: str
) -> None:
    with factory.begin() as session, pytest.raises(ValueError, match=f"^{field}:"):
        enqueue(session, key=key, recipient=recipient, subject=subject, body="b")


def smtp_settings(port: int, **extra: object) -> Settings:
    return Settings(
        environment=Environment.test,
        smtp_host="localhost",
        smtp_port=port,
        smtp_from="painpath@clinic.example",
        **extra,  # type: ignore[arg-type]
    )


def test_smtp_sends_over_starttls_with_login(tmp_path: Path) -> None:
    with SmtpTestServer(tmp_path) as server:
        configured = sender_from_settings(
            smtp_settings(server.port, smtp_username="mailer", smtp_password="s3cret-from-env")
        )
        assert isinstance(configured, SmtpSender)
        configured.tls_context = server.client_context
        configured.send(
            Notification(
                key="visit:7:reminder:1h",
                recipient="pat@example.org",
                subject="Your video visit starts in 1 hour",
                body="Join: https://meet.example.org/abc",
                calendar="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            )
        )
    assert server.mailbox.plaintext_mail == 0
    assert server.mailbox.logins == [("mailer", "s3cret-from-env")]
    [message] = server.mailbox.messages
    assert message["To"] == "pat@example.org"
    assert message["From"] == "painpath@clinic.example"
    assert message["Subject"] == "Your video visit starts in 1 hour"
    parts = {part.get_content_type() for part in message.walk()}
    assert {"text/plain", "text/calendar"} <= parts


def test_smtp_refusal_is_permanent_and_an_untrusted_certificate_is_not_sent_to(
    tmp_path: Path,
) -> None:
    notification = Notification(key="k", recipient="refused@example.org", subject="s", body="b")
    with SmtpTestServer(tmp_path) as server:
        sender = sender_from_settings(smtp_settings(server.port))
        assert isinstance(sender, SmtpSender)
        # The default context does not trust the self-signed certificate: nothing is sent.
        with pytest.raises(SendError) as untrusted:
            sender.send(Notification(key="k", recipient="a@example.org", subject="s", body="b"))
        assert not untrusted.value.permanent
        sender.tls_context = server.client_context
        with pytest.raises(SendError) as refused:
            sender.send(notification)
        assert refused.value.permanent
    assert server.mailbox.messages == []


def test_an_unreachable_server_is_a_retryable_failure() -> None:
    sender = sender_from_settings(smtp_settings(free_port(), smtp_timeout_seconds=2))
    with pytest.raises(SendError) as failed:
        sender.send(Notification(key="k", recipient="a@example.org", subject="s", body="b"))
    assert not failed.value.permanent


def test_smtp_configuration_is_checked() -> None:
    assert isinstance(sender_from_settings(Settings(environment=Environment.test)), LogSender)
    with pytest.raises(SmtpConfigurationError, match="PAINPATH_SMTP_FROM"):
        sender_from_settings(Settings(environment=Environment.test, smtp_host="localhost"))
    with pytest.raises(SmtpConfigurationError, match="USERNAME"):
        sender_from_settings(smtp_settings(587, smtp_username="only-a-name"))
    with pytest.raises(ValueError, match="smtp_from"):
        Settings(smtp_from="a@example.org\r\nBcc: x@example.org")
