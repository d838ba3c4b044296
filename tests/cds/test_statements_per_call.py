"""SQL statements per order-sign call (issue 15), counted, never timed. First the client's jti
(a replay is refused here, before any patient data is read): on PostgreSQL spent by one
`INSERT … ON CONFLICT DO NOTHING RETURNING`, on SQLite checked by a read (its write lock is
database-wide, so the insert waits for the write transaction). Then the reads, no lock held:
the patient with their genotypes in one join, the snoozes. Then the writes: on SQLite BEGIN
IMMEDIATE, the jti, the issued cards in one insert, and the audit rows (lock and read the
chain's head, the rows, move the head); on PostgreSQL the issued cards in one insert (one
multi-row statement, not one query per card: painpath.db.engine) and the audit rows queued in
one insert, chained after the response in three statements by painpath.audit.chaining. A
replay is refused by the first statement: no patient data read, no card kept, only the
refusal audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, event, func, insert, select

from painpath.models import AuditEvent, CdsIssuedCard, CdsSeenToken
from tests.cds.conftest import Ehr
from tests.cds.fhir_data import alprazolam, full_prefetch, hook_request, oxycodone_draft

SERVICE = "painpath-order-sign"
SERVICE_PATH = f"/cds-services/{SERVICE}"
#: One call's statements by their first words, in order, by backend.
STATEMENTS = {
    "sqlite": [
        "SELECT",  # the jti seen before? a replay is refused here, before any patient read
        "SELECT",  # the painpath patient matched by MRN, with their genotype results (one join)
        "SELECT",  # the alert codes snoozed for this patient
        "BEGIN IMMEDIATE",  # the database's write lock, taken now
        "INSERT INTO cds_seen_tokens",  # the jti: its unique key refuses a replay that raced
        "INSERT INTO cds_issued_cards",  # every card of the call, one statement
        "UPDATE audit_chain_head",  # the audit chain's lock, returning its head
        "INSERT INTO audit_events",  # both audited reads
        "UPDATE audit_chain_head",  # the new head
    ],
    "postgresql": [
        "INSERT INTO cds_seen_tokens",  # the jti spent, or a replay refused: nothing returned
        "SELECT",  # the painpath patient with their genotype results
        "SELECT",  # the alert codes snoozed for this patient
        "INSERT INTO cds_issued_cards",  # every card of the call: one multi-row INSERT
        "INSERT INTO audit_events_unchained",  # both audited reads, queued: no chain lock held
    ],
}
#: PostgreSQL, after the response is sent (painpath.audit.chaining): the queued reads chained.
CHAINING = [
    "SELECT",  # the chain's advisory lock, tried
    "SELECT",  # the queued rows with the chain's head
    "WITH moved_head",  # appended to the chain, dequeued, the head moved: one statement
]


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def _kind(statement: str) -> str:
    words = statement.split()
    if words[0] == "SELECT":
        return "SELECT"
    return " ".join(words[:3] if words[0] in ("INSERT", "DELETE") else words[:2])


def _body() -> dict[str, Any]:
    return hook_request(
        "order-sign", drafts=[oxycodone_draft()], prefetch=full_prefetch(alprazolam())
    )


def test_an_order_sign_call_reads_first_then_writes_in_one_short_transaction(
    engine: Engine, ehr: Ehr, painpath_patient: int, statements: list[str]
) -> None:
    ehr.call(SERVICE, _body())  # the process's first call also prunes expired rows
    statements.clear()
    cards = ehr.call(SERVICE, _body())
    assert cards, "the call gives cards, so the card insert is counted"
    postgresql = engine.dialect.name == "postgresql"
    expected = STATEMENTS[engine.dialect.name] + (CHAINING if postgresql else [])
    assert [_kind(statement) for statement in statements] == expected, statements
    assert "cds_seen_tokens" in statements[0]
    assert "genotype_results" in statements[1]
    assert "patients" in statements[1]
    assert "cds_snoozes" in statements[2]
    if engine.dialect.name == "sqlite":
        assert "RETURNING" in statements[-3]
    else:
        assert "pg_try_advisory_xact_lock" in statements[-3]
        assert "audit_events_unchained" in statements[-2]
        assert "UPDATE audit_chain_head" in statements[-1]
        assert "INSERT INTO audit_events" in statements[-1]


def test_a_replay_is_refused_in_that_transaction_and_keeps_nothing(
    cds_app: FastAPI, ehr: Ehr, painpath_patient: int
) -> None:
    token = ehr.token(SERVICE)
    assert ehr.post(SERVICE_PATH, _body(), token).status_code == 200
    with cds_app.state.session_factory() as session:
        cards_before = session.scalar(select(func.count()).select_from(CdsIssuedCard))
        events_before = session.scalar(select(func.count()).select_from(AuditEvent))
    replay = ehr.post(SERVICE_PATH, _body(), token)
    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]
    with cds_app.state.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(CdsIssuedCard)) == cards_before
        assert session.scalar(select(func.count()).select_from(CdsSeenToken)) == 1
        new_events = session.scalars(
            select(AuditEvent).order_by(AuditEvent.id).offset(events_before)
        ).all()
    assert [(e.outcome, e.resource_type) for e in new_events] == [("denied", "CdsService")]
    assert "already used" in (new_events[0].detail or "")


def test_a_replay_racing_past_the_check_is_refused_by_the_write_and_keeps_nothing(
    cds_app: FastAPI, engine: Engine, ehr: Ehr, painpath_patient: int
) -> None:
    """The same token recorded by another process between this call's JWT check and its jti
    write (simulated: the jti is committed on another connection while the call reads the
    patient on SQLite, right before the call's jti insert on PostgreSQL, where that insert
    comes first): the unique key refuses it, the call keeps no card, the refusal is audited."""
    token = ehr.token(SERVICE)
    ehr.post(SERVICE_PATH, _body(), ehr.token(SERVICE))  # prune on the first call, not this one
    with cds_app.state.session_factory() as session:
        cards_before = session.scalar(select(func.count()).select_from(CdsIssuedCard))
    claims = jwt.decode(token, options={"verify_signature": False})
    raced = False
    before = "genotype_results" if engine.dialect.name == "sqlite" else "cds_seen_tokens"

    def race(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        nonlocal raced
        if raced or before not in statement:
            return
        raced = True
        with engine.begin() as other:
            other.execute(
                insert(CdsSeenToken),
                {
                    "issuer": claims["iss"],
                    "jti": claims["jti"],
                    "expires_at": datetime.fromtimestamp(claims["exp"], UTC),
                },
            )

    event.listen(engine, "before_cursor_execute", race)
    try:
        replay = ehr.post(SERVICE_PATH, _body(), token)
    finally:
        event.remove(engine, "before_cursor_execute", race)
    assert raced
    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]
    with cds_app.state.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(CdsIssuedCard)) == cards_before
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (last.outcome, last.resource_type) == ("denied", "CdsService")
