"""Many open alert streams take no admission slot and no thread that requests need: their
database work runs on a few threads of their own, and one checker per process looks at all
their credentials at once (issue 15)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from painpath.config import Settings
from painpath.web.api import monitoring_alert_stream
from tests.monitoring_api.conftest import Headers

#: More streams than the admission limit and than the default worker-thread pool (40).
STREAMS = 45
ADMISSION_LIMIT = 2


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    from painpath.web.app import create_app

    small = settings.model_copy(
        update={"max_concurrent_requests": ADMISSION_LIMIT, "queue_timeout_seconds": 5.0}
    )
    return create_app(small, engine=engine)


class BlockedPolls:
    """Stands in for the stream's database read: holds each call until released, and counts
    how many run at once."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.inside = 0
        self.most_inside = 0
        self.started = threading.Semaphore(0)
        self.real = monitoring_alert_stream._poll

    def __call__(self, *args: Any) -> Any:
        with self.lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        self.started.release()
        try:
            self.release.wait(60)
            return self.real(*args)
        finally:
            with self.lock:
                self.inside -= 1


@pytest.fixture
def blocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[BlockedPolls]:
    polls = BlockedPolls()
    monkeypatch.setattr(monitoring_alert_stream, "_poll", polls)
    yield polls
    polls.release.set()


def test_open_streams_hold_no_request_slot_or_thread(
    client: TestClient,
    clinician: Headers,
    patient: Headers,
    home: str,
    live_url: str,
    blocked: BlockedPolls,
) -> None:
    opened = threading.Semaphore(0)
    stop = threading.Event()

    def hold() -> None:
        with (
            httpx.Client(base_url=live_url, timeout=60, trust_env=False) as http,
            http.stream("GET", "/api/monitoring/alerts/stream", headers=clinician) as stream,
        ):
            assert stream.status_code == 200
            lines = stream.iter_lines()  # kept: dropping the iterator closes the stream
            next(lines)  # retry:
            opened.release()
            stop.wait(60)

    holders = [threading.Thread(target=hold, daemon=True) for _ in range(STREAMS)]
    for holder in holders:
        holder.start()
    try:
        for _ in holders:
            assert opened.acquire(timeout=60), "a stream did not open"
        assert blocked.started.acquire(timeout=30), "no stream began its first read"
        # Every stream's first read is due, and they are held: still at most the streams' own
        # threads are taken, and requests beyond the admission limit's worth get through.
        assert blocked.most_inside <= monitoring_alert_stream.STREAM_THREADS
        with httpx.Client(base_url=live_url, timeout=30, trust_env=False) as http:
            answers = [
                http.get(f"{home}/pain-diary", headers=patient).status_code
                for _ in range(3 * ADMISSION_LIMIT)
            ]
            assert http.get("/health").status_code == 200
        assert answers == [200] * (3 * ADMISSION_LIMIT)
    finally:
        blocked.release.set()
        stop.set()
        for holder in holders:
            holder.join(30)
    assert blocked.most_inside <= monitoring_alert_stream.STREAM_THREADS


def test_one_check_per_process_covers_every_open_streams_credential(
    monkeypatch: pytest.MonkeyPatch,
    app: FastAPI,
    client: TestClient,
    clinician: Headers,
    live_url: str,
) -> None:
    monkeypatch.setattr(monitoring_alert_stream, "CREDENTIAL_SECONDS", 0.1)
    streams = 10
    opened = threading.Semaphore(0)
    stop = threading.Event()

    def hold() -> None:
        with (
            httpx.Client(base_url=live_url, timeout=60, trust_env=False) as http,
            http.stream("GET", "/api/monitoring/alerts/stream", headers=clinician) as stream,
        ):
            lines = stream.iter_lines()  # kept: dropping the iterator closes the stream
            next(lines)
            opened.release()
            stop.wait(60)

    holders = [threading.Thread(target=hold, daemon=True) for _ in range(streams)]
    for holder in holders:
        holder.start()
    try:
        for _ in holders:
            assert opened.acquire(timeout=60), "a stream did not open"
        watch = app.state.stream_credential_watch
        checked: list[str] = []

        def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if "api_tokens" in statement:
                checked.append(statement)

        event.listen(app.state.engine, "before_cursor_execute", note)
        try:
            first = watch.checks
            deadline = time.monotonic() + 30
            while watch.checks < first + 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            rounds = watch.checks - first
        finally:
            event.remove(app.state.engine, "before_cursor_execute", note)
    finally:
        stop.set()
        for holder in holders:
            holder.join(30)
    assert rounds >= 5
    # One statement a round for all ten streams (a round may straddle the window's ends); a
    # stream reads its own credential only when woken (here at most once, the catch-up read
    # after the process's watcher starts), not every round.
    batched = [statement for statement in checked if "api_tokens.id IN" in statement]
    assert rounds - 1 <= len(batched) <= rounds + 1
    assert len(checked) - len(batched) <= streams
