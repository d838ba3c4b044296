"""Finding 11: `painpath audit verify` exits 0 on an intact chain, 1 at the first broken link."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select

from painpath import audit
from painpath.db.engine import make_session_factory
from painpath.models import AuditEvent
from painpath.services.transaction import unit_of_work
from tests.audit.attacker import tamper
from tests.cli.helpers import Invoke


def _events(engine: Engine, count: int) -> list[int]:
    sessions = make_session_factory(engine)
    for number in range(count):
        with unit_of_work(sessions) as session:
            audit.record(
                session, actor=None, action="read", resource_type="Patient", patient_id=number + 1
            )
    with sessions() as session:
        return list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def test_finding_11_audit_verify_reports_the_head_and_the_first_broken_link(
    invoke: Invoke, engine: Engine
) -> None:
    ids = _events(engine, 4)

    intact = invoke("audit", "verify", "--format", "json")
    assert intact.exit_code == 0, intact.output
    report = json.loads(intact.stdout)
    assert report["intact"] is True
    assert report["broken_at"] is None
    assert report["head"]["id"] == ids[-1]
    assert len(report["head"]["hash"]) == 64
    anchor = f"{report['head']['id']}:{report['head']['hash']}"

    text = invoke("audit", "verify", "--anchor", anchor)
    assert text.exit_code == 0, text.output
    assert f"head: {anchor}" in text.stdout

    tamper(engine, "UPDATE audit_events SET patient_id = 99 WHERE id = :id", id=ids[1])
    broken = invoke("audit", "verify", "--format", "json")
    assert broken.exit_code == 1
    failed = json.loads(broken.stdout)
    assert (failed["intact"], failed["broken_at"]) == (False, ids[1])
    assert "changed or forged" in failed["reason"]

    text = invoke("audit", "verify")
    assert text.exit_code == 1
    assert f"BROKEN at event {ids[1]}" in text.stdout


def test_audit_verify_refuses_a_malformed_anchor(invoke: Invoke) -> None:
    result = invoke("audit", "verify", "--anchor", "12:nothex")
    assert result.exit_code == 1
    assert "--anchor" in result.stderr
