"""Issue 15: on PostgreSQL a request queues its audit events in its own transaction and they are
chained right after its commit (painpath.audit.chaining), so no request holds the chain's lock
across its commit's WAL flush. Queued events are never lost, whoever chains them and whenever.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import anyio
import anyio.to_thread
import pytest
from sqlalchemy import Engine, event, func, insert, select, text
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from painpath import audit
from painpath.audit import chaining
from painpath.audit.chaining import CHAIN_LOCK, CONTENT, chain_unchained
from painpath.audit.trail import _QUEUE_EVENTS, queue_parameters
from painpath.audit.verify import ChainReport, verify_trail
from painpath.auth.actor import Actor
from painpath.db.engine import make_engine, make_session_factory
from painpath.kit.clock import utcnow
from painpath.models import AuditEvent, AuditEventUnchained, Role
from painpath.services.transaction import unit_of_work
from painpath.web.middleware import RequestContextMiddleware

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _request(engine: Engine, detail: str) -> None:
    with unit_of_work(make_session_factory(engine)) as session:
        audit.record(
            session, actor=None, action="read", resource_type="Patient", patient_id=7, detail=detail
        )


def _queue(engine: Engine, *details: str, age: timedelta = timedelta(0)) -> None:
    """Events committed with their data by a process that died before chaining them."""
    rows: list[dict[str, Any]] = [
        {name: None for name in CONTENT}
        | {
            "recorded_at": utcnow() - age,
            "action": "read",
            "resource_type": "Patient",
            "outcome": "success",
            "detail": detail,
        }
        for detail in details
    ]
    with engine.begin() as connection:
        connection.execute(insert(AuditEventUnchained), rows)


def _chained_details(engine: Engine) -> list[str | None]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditEvent.detail).order_by(AuditEvent.id)))


def _queued(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEventUnchained)) or 0


def _verify(engine: Engine) -> ChainReport:
    return verify_trail(engine, now=utcnow())


def test_a_request_queues_its_events_and_they_are_chained_after_its_commit(
    engine: Engine,
) -> None:
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    def note_commit(_conn: Any) -> None:
        statements.append("COMMIT")

    event.listen(engine, "before_cursor_execute", note)
    event.listen(engine, "commit", note_commit)
    try:
        _request(engine, "first")
    finally:
        event.remove(engine, "before_cursor_execute", note)
        event.remove(engine, "commit", note_commit)
    request = statements[: statements.index("COMMIT")]
    chaining = statements[len(request) + 1 :]
    # The request's transaction never touches the chain's head: it inserts into the queue.
    assert [s.split(" (")[0] for s in request] == ["INSERT INTO audit_events_unchained"]
    # Then one short transaction under the chain's lock moves it into the chain: the lock, the
    # queue with the head, one statement that appends, dequeues and moves the head.
    assert len(chaining) == 4, chaining
    assert "pg_try_advisory_xact_lock" in chaining[0]
    assert "FROM audit_events_unchained LEFT OUTER JOIN audit_chain_head" in chaining[1]
    assert chaining[2].startswith("WITH moved_head AS ( UPDATE audit_chain_head")
    assert "DELETE FROM audit_events_unchained" in chaining[2]
    assert "INSERT INTO audit_events (id, previous_hash, event_hash" in chaining[2]
    assert chaining[3] == "COMMIT"
    assert _chained_details(engine) == ["first"]
    assert _queued(engine) == 0
    assert _verify(engine).intact


def test_events_queued_by_a_process_that_died_are_chained_by_the_next_commit_and_verify(
    engine: Engine,
) -> None:
    _request(engine, "before the crash")
    _queue(engine, "lost 1", "lost 2")  # committed, then the process died before chaining
    assert _chained_details(engine) == ["before the crash"]
    _request(engine, "after the restart")  # its chaining takes everything queued, in order
    assert _chained_details(engine) == [
        "before the crash",
        "lost 1",
        "lost 2",
        "after the restart",
    ]
    report = _verify(engine)
    assert report.intact, report
    assert report.events_checked == 4
    assert report.queue.events == 0


def test_verify_reports_and_chains_queued_events_and_flags_a_stale_one(engine: Engine) -> None:
    _request(engine, "chained")
    _queue(engine, "fresh")
    fresh = _verify(engine)
    assert fresh.intact, fresh
    assert (fresh.queue.events, fresh.queue.stale) == (1, False)
    assert fresh.events_checked == 2  # chained by the verification, then walked

    _queue(engine, "waited", age=timedelta(minutes=5))
    stale = _verify(engine)
    assert stale.intact
    assert stale.queue.events == 1
    assert stale.queue.oldest_seconds is not None
    assert stale.queue.oldest_seconds >= 300
    assert stale.queue.stale
    assert stale.as_dict()["unchained"] == {
        "events": 1,
        "oldest_seconds": stale.queue.oldest_seconds,
        "stale": True,
    }
    assert _queued(engine) == 0
    assert _chained_details(engine)[-1] == "waited"


def test_two_processes_chaining_at_once_make_one_valid_chain(database_url: str) -> None:
    """Two engines (as two server processes: each its own connections), each chaining the whole
    queue at the same moment while more requests commit: every event chained once, in one
    chain."""
    engines = [make_engine(database_url), make_engine(database_url)]
    try:
        _queue(engines[0], *(f"queued {number}" for number in range(1200)))
        start = threading.Barrier(4)
        errors: list[BaseException] = []

        def chain(engine: Engine) -> None:
            start.wait()
            try:
                chain_unchained(engine, wait=True)
            except BaseException as error:
                errors.append(error)

        def requests(engine: Engine, name: str) -> None:
            start.wait()
            try:
                for number in range(10):
                    _request(engine, f"{name} {number}")
            except BaseException as error:
                errors.append(error)

        threads = [
            threading.Thread(target=chain, args=(engines[0],)),
            threading.Thread(target=chain, args=(engines[1],)),
            threading.Thread(target=requests, args=(engines[0], "a")),
            threading.Thread(target=requests, args=(engines[1], "b")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        report = _verify(engines[1])
        assert report.intact, report
        assert report.events_checked == 1220
        details = _chained_details(engines[0])
        assert len(set(details)) == 1220
        # The queue's order is kept: the queued rows come in their id order.
        queued = [detail for detail in details if detail and detail.startswith("queued")]
        assert queued == [f"queued {number}" for number in range(1200)]
    finally:
        for engine in engines:
            engine.dispose()


def test_a_queued_event_changed_before_chaining_is_the_window_verify_cannot_see(
    engine: Engine,
) -> None:
    """The documented window (painpath.audit.chaining): an event has no hash until chained, so
    a change made behind the application's back before then is chained as changed. Chaining
    follows the commit by milliseconds; verify reports how long rows waited."""
    _queue(engine, "what happened")
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events_unchained SET detail = 'rewritten'"))
    report = _verify(engine)
    assert report.intact  # not detectable: the window this design opens
    assert report.queue.events == 1
    assert _chained_details(engine) == ["rewritten"]
    # Once chained, the same change is caught as before.
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        connection.execute(text("UPDATE audit_events SET detail = 'again'"))
    assert not _verify(engine).intact


def test_a_server_process_gathers_its_requests_events_into_few_chain_transactions(
    engine: Engine,
) -> None:
    """With `audit_chain_batch_ms` (250 ms unless in tests), a request only wakes its process's
    background chainer when it ends; the chainer gathers the commits meanwhile and chains them
    in one transaction, so requests never chain in their own threads."""
    chain_transactions: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().startswith("WITH moved_head"):
            chain_transactions.append(threading.current_thread().name)

    def endpoint(_request: Request) -> PlainTextResponse:
        _request_in_thread(engine)
        return PlainTextResponse("ok")

    app = RequestContextMiddleware(
        Starlette(routes=[Route("/", endpoint)]), audit_chain_batch_seconds=0.01
    )
    event.listen(engine, "before_cursor_execute", note)
    try:
        with TestClient(app) as client, engine.connect() as other_process:
            # Another process's chainer holds the chain's lock while the requests run.
            other_process.execute(select(func.pg_advisory_xact_lock(CHAIN_LOCK)))
            for _ in range(6):
                assert client.get("/").status_code == 200
            assert _queued(engine) == 6  # answered, queued, not chained in their threads
            other_process.rollback()  # the lock is released: the waiting chainer takes all six
            deadline = time.monotonic() + 60
            while _queued(engine) and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert _queued(engine) == 0
    assert chain_transactions == ["painpath-audit-chainer"]
    report = _verify(engine)
    assert report.intact, report
    assert report.events_checked == 6


def _request_in_thread(engine: Engine) -> None:
    _request(engine, threading.current_thread().name)


def test_events_queued_before_a_long_stream_are_chained_while_it_stays_open(
    engine: Engine,
) -> None:
    """An alert stream stays open for hours: what its request committed before the response
    started must not wait for the stream to end."""

    async def body() -> AsyncIterator[bytes]:
        yield b"open;"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not await anyio.to_thread.run_sync(_queued, engine):
                yield b"chained while open"
                return
            await anyio.sleep(0.05)
        yield b"still queued"

    def endpoint(_request: Request) -> StreamingResponse:
        _request_in_thread(engine)
        return StreamingResponse(body())

    app = RequestContextMiddleware(
        Starlette(routes=[Route("/", endpoint)]), audit_chain_batch_seconds=0.01
    )
    with TestClient(app) as client:
        assert client.get("/").text == "open;chained while open"
    assert _verify(engine).events_checked == 1


def test_a_transaction_queues_many_events_in_one_statement_in_order_with_every_field(
    engine: Engine,
) -> None:
    """A panel load audits ~50 patients: its events are queued by one statement of one JSON
    array (`trail._QUEUE_EVENTS`), in the order drafted, each field as drafted (quotes,
    backslashes, non-ASCII text and the microseconds of the time too), and chain intact."""
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    clinician = Actor(3, "clinician", Role.clinician)
    before = utcnow()
    with unit_of_work(make_session_factory(engine)) as session:
        for number in range(60):
            audit.record(
                session,
                actor=clinician if number % 2 else None,
                action="read",
                resource_type="Patient",
                patient_id=number + 1,
                resource_id=None if number % 3 else number,
                detail=f"row {number}" if number else 'a "quoted" \\ détail ✓\n',
            )
    queued = [sql for sql in statements if sql.startswith("INSERT INTO audit_events_unchained")]
    assert len(queued) == 1
    assert "json_to_recordset" in queued[0]
    with Session(engine) as session:
        rows = session.execute(
            select(AuditEvent.patient_id, AuditEvent.username, AuditEvent.role,
                   AuditEvent.resource_id, AuditEvent.detail, AuditEvent.recorded_at)
            .order_by(AuditEvent.id)
        ).all()  # fmt: skip
    assert [row.patient_id for row in rows] == list(range(1, 61))
    assert rows[0].detail == 'a "quoted" \\ détail ✓\n'
    assert [row.detail for row in rows[1:]] == [f"row {number}" for number in range(1, 60)]
    assert rows[1].username == "clinician"
    assert rows[1].role == "clinician"
    assert rows[0].username is None
    assert rows[0].role is None
    assert [row.resource_id for row in rows[:4]] == ["0", None, None, "3"]
    assert all(row.recorded_at.tzinfo is not None for row in rows)
    assert all(before <= row.recorded_at <= utcnow() for row in rows)
    assert len({row.recorded_at.microsecond for row in rows}) > 1  # not cut to the second
    report = _verify(engine)
    assert report.intact
    assert report.events_checked == 60


def test_a_queued_value_longer_than_its_column_is_refused_not_cut(engine: Engine) -> None:
    too_long = dict.fromkeys(CONTENT) | {
        "recorded_at": utcnow(),
        "action": "read",
        "resource_type": "Patient",
        "outcome": "success",
        "request_id": "x" * 65,
    }
    with pytest.raises(DataError), engine.begin() as connection:
        connection.execute(_QUEUE_EVENTS, queue_parameters([too_long]))
    assert _queued(engine) == 0


def _vacuum_count(engine: Engine) -> int:
    with engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT vacuum_count FROM pg_stat_user_tables"
                " WHERE relname = 'audit_events_unchained'"
            )
        ).scalar()
    return int(found or 0)


def _chain_in_background(engine: Engine) -> None:
    chaining.chain_soon(engine, 0)
    deadline = time.monotonic() + 60
    while _queued(engine) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _queued(engine) == 0


def test_the_background_chainer_vacuums_the_queue_after_every_so_many_chained_rows(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue is all dead rows between vacuums; a background chainer that has chained
    `VACUUM_AFTER_ROWS` rows vacuums it, and not before."""
    monkeypatch.setattr(chaining, "VACUUM_AFTER_ROWS", 5)
    vacuums: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("VACUUM"):
            vacuums.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        before = _vacuum_count(engine)
        _queue(engine, "a", "b", "c")
        _chain_in_background(engine)
        time.sleep(0.2)  # the chainer's turn is over once the rows are gone
        assert vacuums == []
        _queue(engine, "d", "e")
        _chain_in_background(engine)
        deadline = time.monotonic() + 60
        while _vacuum_count(engine) == before and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert vacuums == [chaining._VACUUM_QUEUE]
    assert _vacuum_count(engine) == before + 1
    assert _chained_details(engine) == ["a", "b", "c", "d", "e"]
    assert _verify(engine).intact
