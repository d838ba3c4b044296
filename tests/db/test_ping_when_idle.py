"""PostgreSQL pools ping a connection only when it sat unused a while (issue 15): a connection
the server closed while it was idle is replaced before a request sees it, and a connection back
from a request a moment ago is handed out without the extra round trip."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, text

from painpath.db import engine as engine_module
from painpath.db.engine import make_engine


def _pings(engine: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return bool(real(dbapi_connection))

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


def _backend_pid(engine: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_used_a_moment_ago_is_not_pinged(
    postgres_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(postgres_admin_url, pool_size=1)
    pings = _pings(engine, monkeypatch)
    try:
        first, second = _backend_pid(engine), _backend_pid(engine)
    finally:
        engine.dispose()
    assert first == second  # the same pooled connection
    assert pings == []


def test_a_connection_closed_by_the_server_while_idle_is_replaced_before_use(
    postgres_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = make_engine(postgres_admin_url, pool_size=1)
    pings = _pings(engine, monkeypatch)
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    try:
        idle = _backend_pid(engine)
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": idle})
        replacement = _backend_pid(engine)  # would fail without the ping: the server closed it
    finally:
        engine.dispose()
        admin.dispose()
    assert replacement != idle
    assert len(pings) == 1


def _pids_of_connections_held_at_once(engine: Any, count: int) -> set[int]:
    connections = [engine.connect() for _ in range(count)]
    try:
        return {
            int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
            for connection in connections
        }
    finally:
        for connection in connections:
            connection.close()


def test_a_server_pool_keeps_its_spare_connections_open_between_uses(
    postgres_admin_url: str,
) -> None:
    """A server's pool keeps `POOL_SPARE` connections beyond its admission limit (the audit
    chainer's, …): using that many at once and then again opens no new backend, where a pool of
    exactly the limit closed the extra ones on their return and opened new ones next time."""
    limit = 2
    engine = make_engine(postgres_admin_url, pool_size=limit)
    try:
        busy = limit + engine_module.POOL_SPARE
        first = _pids_of_connections_held_at_once(engine, busy)
        second = _pids_of_connections_held_at_once(engine, busy)
    finally:
        engine.dispose()
    assert len(first) == busy
    assert second == first
