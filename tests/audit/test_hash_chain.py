"""Finding 11 (issue 10, "Security and robustness", item 11): the audit trail is tamper-evident.

Before the fix, triggers refused UPDATE and DELETE, but a forged back-dated INSERT went
unseen, and an attacker who dropped the triggers could change or delete rows without trace.
Each test plays the attacker on SQLite and PostgreSQL and expects `verify_trail` (the engine
of `painpath audit verify`) to name the first broken link.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.engine import Connection, ExecutionContext
from sqlalchemy.engine.default import CacheStats
from sqlalchemy.orm import Session, sessionmaker

from painpath import audit
from painpath.audit.chain import GENESIS_HASH, event_hash
from painpath.audit.verify import Anchor, ChainReport, verify_trail
from painpath.db.engine import make_session_factory
from painpath.kit.clock import utcnow
from painpath.models import AuditChainHead, AuditEvent
from painpath.services.transaction import unit_of_work
from tests.audit.attacker import tamper

EVENTS = 6


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def _write_events(sessions: sessionmaker[Session], count: int, *, prefix: str = "e") -> None:
    for number in range(count):
        with unit_of_work(sessions) as session:
            audit.record(
                session,
                actor=None,
                action="read",
                resource_type="Patient",
                patient_id=number + 1,
                detail=f"{prefix}{number}",
            )


@pytest.fixture
def trail(sessions: sessionmaker[Session]) -> list[int]:
    """Six chained events; their ids."""
    _write_events(sessions, EVENTS)
    with sessions() as session:
        return list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def _verify(sessions: sessionmaker[Session], anchor: Anchor | None = None) -> ChainReport:
    """As `painpath audit verify` does: chain what is queued, then walk the chain."""
    engine = sessions.kw["bind"]
    assert isinstance(engine, Engine)
    return verify_trail(engine, now=utcnow(), anchor=anchor)


def _head(sessions: sessionmaker[Session]) -> tuple[int, str]:
    with sessions() as session:
        head = session.execute(select(AuditChainHead.event_id, AuditChainHead.event_hash)).one()
        return head.event_id, head.event_hash


def test_finding_11_the_trail_is_chained_and_verifies(
    sessions: sessionmaker[Session], trail: list[int]
) -> None:
    report = _verify(sessions)
    assert report.intact, report
    assert report.events_checked == EVENTS
    assert (report.head_id, report.head_hash) == _head(sessions) == (trail[-1], report.head_hash)
    with sessions() as session:
        first = session.get(AuditEvent, trail[0])
        assert first is not None
        assert first.previous_hash == GENESIS_HASH


def test_finding_11_backdated_insert_breaks_chain(
    engine: Engine, sessions: sessionmaker[Session], trail: list[int]
) -> None:
    """A forged row dated last year, slipped in after the newest event."""
    head_id, head_hash = _head(sessions)
    forged = head_id + 1
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_events (id, recorded_at, action, resource_type, outcome,"
                " previous_hash, event_hash) VALUES (:id, :at, 'read', 'Patient', 'success',"
                " :previous, :digest)"
            ),
            {
                "id": forged,
                "at": datetime(2025, 1, 1, tzinfo=UTC),
                "previous": head_hash,
                "digest": "f" * 64,
            },
        )
    report = _verify(sessions)
    assert not report.intact
    assert report.broken_at == forged
    assert "changed or forged" in (report.reason or "")


def test_finding_11_backdated_insert_with_a_valid_hash_breaks_the_head(
    engine: Engine, sessions: sessionmaker[Session], trail: list[int]
) -> None:
    """Even a forger who computes the hash is caught unless they also move the head row."""
    head_id, head_hash = _head(sessions)
    fields = {
        "id": head_id + 1,
        "recorded_at": datetime(2025, 1, 1, tzinfo=UTC),
        "user_id": None,
        "username": None,
        "role": None,
        "patient_id": 1,
        "action": "read",
        "resource_type": "Patient",
        "resource_id": None,
        "outcome": "success",
        "detail": None,
        "http_method": None,
        "path": None,
        "client_address": None,
        "request_id": None,
    }
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_events (id, recorded_at, patient_id, action, resource_type,"
                " outcome, previous_hash, event_hash) VALUES (:id, :recorded_at, :patient_id,"
                " :action, :resource_type, :outcome, :previous, :digest)"
            ),
            fields | {"previous": head_hash, "digest": event_hash(head_hash, fields)},
        )
    report = _verify(sessions)
    assert not report.intact
    assert "chain head names event" in (report.reason or "")


def test_finding_11_update_breaks_chain(
    engine: Engine, sessions: sessionmaker[Session], trail: list[int]
) -> None:
    target = trail[2]
    tamper(
        engine,
        "UPDATE audit_events SET outcome = 'success' , detail = 'nothing to see' WHERE id = :id",
        id=target,
    )
    report = _verify(sessions)
    assert (report.intact, report.broken_at) == (False, target)


def test_finding_11_delete_breaks_chain(
    engine: Engine, sessions: sessionmaker[Session], trail: list[int]
) -> None:
    tamper(engine, "DELETE FROM audit_events WHERE id = :id", id=trail[3])
    report = _verify(sessions)
    assert (report.intact, report.broken_at) == (False, trail[4])
    assert "deleted, inserted or moved" in (report.reason or "")


def test_finding_11_delete_of_the_first_event_breaks_chain(
    engine: Engine, sessions: sessionmaker[Session], trail: list[int]
) -> None:
    tamper(engine, "DELETE FROM audit_events WHERE id = :id", id=trail[0])
    report = _verify(sessions)
    assert (report.intact, report.broken_at) == (False, trail[1])


def test_finding_11_reorder_breaks_chain(
    engine: Engine, sessions: sessionmaker[Session], trail: list[int]
) -> None:
    """Two events swap places (their ids exchanged), hashes and all."""
    first, second = trail[1], trail[4]
    tamper(
        engine,
        "UPDATE audit_events SET id = -1 WHERE id = :first",
        "UPDATE audit_events SET id = :first WHERE id = :second",
        "UPDATE audit_events SET id = :second WHERE id = -1",
        first=first,
        second=second,
    )
    report = _verify(sessions)
    assert (report.intact, report.broken_at) == (False, first)


def test_finding_11_truncated_tail_is_caught_by_the_head_row_or_an_anchor(
    engine: Engine, sessions: sessionmaker[Session], trail: list[int]
) -> None:
    anchor = Anchor(*_head(sessions))
    tamper(engine, "DELETE FROM audit_events WHERE id = :id", id=trail[-1])
    naive = _verify(sessions)
    assert (naive.intact, naive.broken_at) == (False, trail[-2])
    assert "end of the trail" in (naive.reason or "")
    # A careful attacker also moves the head row back: only the external anchor tells.
    with engine.begin() as connection:
        previous = connection.execute(
            text("SELECT event_hash FROM audit_events WHERE id = :id"), {"id": trail[-2]}
        ).scalar_one()
        connection.execute(
            text("UPDATE audit_chain_head SET event_id = :id, event_hash = :digest"),
            {"id": trail[-2], "digest": previous},
        )
    assert _verify(sessions).intact
    anchored = _verify(sessions, anchor)
    assert not anchored.intact
    assert "tail was cut off" in (anchored.reason or "")


def test_finding_11_a_rewritten_chain_does_not_match_the_anchor(
    engine: Engine, sessions: sessionmaker[Session], trail: list[int]
) -> None:
    anchor = Anchor(*_head(sessions))
    wrong = Anchor(anchor.event_id, "a" * 64)
    report = _verify(sessions, wrong)
    assert (report.intact, report.broken_at) == (False, anchor.event_id)
    assert _verify(sessions, anchor).intact


def test_finding_11_a_failed_transaction_still_chains_its_audit_rows(
    sessions: sessionmaker[Session], trail: list[int]
) -> None:
    def failing_write() -> None:
        with unit_of_work(sessions) as session:
            audit.record(
                session, actor=None, action="create", resource_type="Patient", patient_id=1
            )
            raise RuntimeError("the write fails")

    with pytest.raises(RuntimeError):
        failing_write()
    report = _verify(sessions)
    assert report.intact
    assert report.events_checked == EVENTS + 1
    with sessions() as session:
        last = session.get(AuditEvent, report.head_id)
        assert last is not None
        assert last.outcome == "failure"


def test_finding_11_concurrent_writers_keep_one_chain(
    sessions: sessionmaker[Session],
) -> None:
    """Eight writers, one unbroken chain. SQLite: appends are serialized by its write lock.
    PostgreSQL: the writers' events are queued and chained after each commit by whichever
    writer gets the chain's lock, or by the background chainer of a writer that did not."""
    writers, each = 8, 5
    errors: list[BaseException] = []

    def write(number: int) -> None:
        try:
            _write_events(sessions, each, prefix=f"w{number}-")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = _verify(sessions)
    assert report.intact, report
    assert report.events_checked == writers * each
    with sessions() as session:
        assert session.scalar(select(func.count(AuditEvent.id))) == writers * each


def test_appending_one_or_many_events_reuses_compiled_statements(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """Every audited request appends: its INSERT must come from SQLAlchemy's compiled cache.

    A multi-VALUES insert is never cached, and compiling it on every call cost 0.65 ms per
    request on PostgreSQL (11.8 ms for a page that audits 50 rows). The chain must still verify
    after one-row and many-row appends.
    """
    inserts: list[CacheStats] = []
    # The request's own insert: chained on SQLite, queued to be chained on PostgreSQL.
    request_insert = (
        "INSERT INTO audit_events_unchained"
        if engine.dialect.name == "postgresql"
        else "INSERT INTO audit_events ("
    )

    def note_insert(
        conn: Connection,
        cursor: object,
        statement: str,
        parameters: object,
        context: ExecutionContext,
        executemany: bool,
    ) -> None:
        if statement.startswith(request_insert):
            inserts.append(getattr(context, "cache_hit", CacheStats.NO_CACHE_KEY))

    def write(count: int) -> None:
        with unit_of_work(sessions) as session:
            for number in range(count):
                audit.record(
                    session, actor=None, action="read", resource_type="Patient", patient_id=number
                )

    event.listen(engine, "after_cursor_execute", note_insert)
    try:
        for count in (1, 1, 3, 3, 1):
            write(count)
    finally:
        event.remove(engine, "after_cursor_execute", note_insert)
    # The first one-row and the first three-row append may compile; every later one is cached.
    assert len(inserts) == 5
    assert CacheStats.NO_CACHE_KEY not in inserts, inserts
    assert [inserts[1], inserts[3], inserts[4]] == [CacheStats.CACHE_HIT] * 3, inserts
    report = _verify(sessions)
    assert report.intact, report
    assert report.events_checked == 9
