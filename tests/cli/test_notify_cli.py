"""`painpath notify send`: the worker sends the outbox once, to the log when SMTP is unset."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select

from painpath.db.engine import make_session_factory
from painpath.models import OutboxMessage, OutboxStatus
from painpath.services.notify import enqueue
from tests.cli.helpers import Invoke, error_line


def test_the_worker_sends_each_message_once(invoke: Invoke, engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory.begin() as session:
        for key in ("one", "two"):
            enqueue(session, key=key, recipient="a@example.org", subject=key, body="b")
    first = invoke("notify", "send", "--format", "json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {
        "sent": 2,
        "retrying": 0,
        "failed": 0,
        "abandoned": 0,
        "errors": {},
    }
    again = invoke("notify", "send")
    assert again.exit_code == 0, again.output
    assert "sent 0, retrying 0, failed 0, abandoned 0" in again.stdout
    with factory() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {OutboxStatus.sent}


def test_the_worker_refuses_bad_options_and_an_unmigrated_database(
    invoke: Invoke, invoke_fresh: Invoke
) -> None:
    assert "--format" in error_line(invoke("notify", "send", "--format", "xml"))
    assert invoke("notify", "send", "--interval", "0").exit_code == 2
    assert "painpath db upgrade" in error_line(invoke_fresh("notify", "send"))
