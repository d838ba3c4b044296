"""SQL statements per order-sign call (issue 15): one transaction of eight statements — the
client's jti, the patient with their genotypes in one read, the snoozes, the issued cards in
one insert, and the audit chain's four (lock, head, rows, move) — counted, never timed. A replay
is refused by the transaction's first statement: no patient data read, no card kept, only the
refusal audited."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, event, func, select

from painpath.models import AuditEvent, CdsIssuedCard, CdsSeenToken
from tests.cds.conftest import Ehr
from tests.cds.fhir_data import alprazolam, full_prefetch, hook_request, oxycodone_draft

SERVICE = "painpath-order-sign"
SERVICE_PATH = f"/cds-services/{SERVICE}"
#: The statements of one call, by their first words, in order.
ONE_CALL = [
    "INSERT INTO cds_seen_tokens",  # the jti: a replay fails here, before any patient read
    "SELECT",  # the painpath patient matched by MRN, with their genotype results (one join)
    "SELECT",  # the alert codes snoozed for this patient
    "INSERT INTO cds_issued_cards",  # every card of the call, one statement
    "UPDATE audit_chain_head",  # the audit chain's lock
    "SELECT",  # its head
    "INSERT INTO audit_events",  # both audited reads
    "UPDATE audit_chain_head",  # the new head
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


def test_an_order_sign_call_runs_eight_statements_in_one_transaction(
    ehr: Ehr, painpath_patient: int, statements: list[str]
) -> None:
    ehr.call(SERVICE, _body())  # the process's first call also prunes expired rows
    statements.clear()
    cards = ehr.call(SERVICE, _body())
    assert cards, "the call gives cards, so the card insert is counted"
    assert [_kind(statement) for statement in statements] == ONE_CALL, statements
    assert "genotype_results" in statements[1]
    assert "patients" in statements[1]
    assert "cds_snoozes" in statements[2]


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
