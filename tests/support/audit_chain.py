"""Read the audit trail only once every committed event is in the chain.

On PostgreSQL a request's events are queued and chained after its commit; when another
chainer holds the chain's lock (concurrent requests), they are left to the process's
background chainer, so a test that reads `audit_events` right after parallel requests could
read before the last of them are chained. SQLite chains in the request's own transaction.
"""

from __future__ import annotations

from sqlalchemy import Engine

from painpath.audit.chaining import chain_unchained


def settle_audit_chain(engine: Engine) -> None:
    """Wait for any chainer at work, then chain what is still queued (PostgreSQL)."""
    if engine.dialect.name == "postgresql":
        chain_unchained(engine, wait=True)
