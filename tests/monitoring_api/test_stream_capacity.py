"""Many open alert streams take no admission slot and no thread that requests need: one hub per
process does their database work on one thread and connection of its own, checks all their
credentials at once, reads a new alert once for all of them and audits it once per user
(issue 15)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select

from painpath.config import Settings
from painpath.models import AuditEvent
from painpath.web.alert_signal import AlertHub
from painpath.web.api import monitoring_alert_stream
from tests.monitoring_api.conftest import Headers
from tests.monitoring_api.test_alerts import candidate, next_alert, raise_for, sse_events
from tests.support.audit_chain import settle_audit_chain
from tests.support.cohort import Cast

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


class BlockedRounds:
    """Stands in for the hub's round (all the streams' database work): holds each call until
    released, and counts how many run at once."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.inside = 0
        self.most_inside = 0
        self.started = threading.Semaphore(0)
        self.real = AlertHub._round

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        self.started.release()
        try:
            self.release.wait(60)
            return self.real(*args, **kwargs)
        finally:
            with self.lock:
                self.inside -= 1


@pytest.fixture
def blocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[BlockedRounds]:
    rounds = BlockedRounds()
    blocker = rounds

    def round_(hub: AlertHub, *args: Any, **kwargs: Any) -> Any:
        return blocker(hub, *args, **kwargs)

    monkeypatch.setattr(AlertHub, "_round", round_)
    yield rounds
    rounds.release.set()


def test_open_streams_hold_no_request_slot_or_thread(
    client: TestClient,
    clinician: Headers,
    patient: Headers,
    home: str,
    live_url: str,
    blocked: BlockedRounds,
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
        assert blocked.started.acquire(timeout=30), "the hub began no round"
        # Every stream's first read is due, and the hub's round is held: one thread is taken,
        # and requests beyond the admission limit's worth get through.
        assert blocked.most_inside == 1
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
    assert blocked.most_inside == 1


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
        watch = app.state.alert_hub
        checked: list[str] = []

        def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if "api_tokens" in statement:
                checked.append(statement)

        event.listen(watch.engine, "before_cursor_execute", note)
        try:
            first = watch.checks
            deadline = time.monotonic() + 30
            while watch.checks < first + 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            rounds = watch.checks - first
        finally:
            event.remove(watch.engine, "before_cursor_execute", note)
    finally:
        stop.set()
        for holder in holders:
            holder.join(30)
    assert rounds >= 5
    # One statement a round for all ten streams (a round may straddle the window's ends); no
    # stream reads its own credential.
    batched = [statement for statement in checked if "api_tokens.id IN" in statement]
    assert rounds - 1 <= len(batched) <= rounds + 1
    assert len(checked) == len(batched)


def test_a_new_alert_is_read_once_for_every_stream_and_reaches_only_those_who_may_see_it(
    app: FastAPI, client: TestClient, cast: Cast, live_url: str
) -> None:
    home_id, away_id = cast.home_patient_id, cast.foreign_patient_id
    readers = {"clinician": 6, "other_clinician": 3}  # home's care team; away's
    headers = {name: cast.headers(client, name) for name in readers}
    opened = threading.Semaphore(0)
    first_alert: dict[str, list[int]] = {name: [] for name in readers}
    request_ids: dict[str, list[str]] = {name: [] for name in readers}

    def hold(name: str) -> None:
        with (
            httpx.Client(base_url=live_url, timeout=60, trust_env=False) as http,
            http.stream("GET", "/api/monitoring/alerts/stream", headers=headers[name]) as stream,
        ):
            request_ids[name].append(stream.headers["x-request-id"])
            events = sse_events(stream)
            next(events)  # retry:
            opened.release()
            first_alert[name].append(next_alert(events)["id"])

    holders = [
        threading.Thread(target=hold, args=(name,), daemon=True)
        for name, count in readers.items()
        for _ in range(count)
    ]
    for holder in holders:
        holder.start()
    for _ in holders:
        assert opened.acquire(timeout=60), "a stream did not open"
    hub: AlertHub = app.state.alert_hub
    deadline = time.monotonic() + 30
    while not hub.caught_up(len(holders)):  # every stream has had its catch-up read
        assert time.monotonic() < deadline, "the streams' first reads did not run"
        time.sleep(0.05)
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    # The hub reads on a connection of its own, never one from the requests' pool.
    assert hub.engine is not app.state.engine
    event.listen(hub.engine, "before_cursor_execute", note)
    try:
        [home_alert] = raise_for(app, home_id, candidate(home_id))
        for holder in holders[: readers["clinician"]]:
            holder.join(30)
    finally:
        event.remove(hub.engine, "before_cursor_execute", note)
    [away_alert] = raise_for(app, away_id, candidate(away_id))
    for holder in holders:
        holder.join(30)
    # Each stream got the alert its caller may see, and only that one.
    assert first_alert == {
        "clinician": [home_alert] * readers["clinician"],
        "other_clinician": [away_alert] * readers["other_clinician"],
    }
    # The home alert was read once for all nine streams, with no per-stream scoped read.
    shared_reads = [s for s in statements if "alerts.created_at >=" in s]
    assert len(shared_reads) == 1
    assert not [s for s in statements if "care_team_participants.user_id =" in s]
    settle_audit_chain(app.state.engine)
    with app.state.session_factory() as session:
        delivered = session.execute(
            select(AuditEvent.user_id, AuditEvent.request_id, AuditEvent.detail).where(
                AuditEvent.resource_type == "Alert",
                AuditEvent.action == "read",
                AuditEvent.resource_id.in_([str(home_alert), str(away_alert)]),
            )
        ).all()
    # Audited once per user it was sent to, not once per stream: with the request of one of
    # that user's streams and how many streams it went on.
    assert sorted((user_id, detail) for user_id, _, detail in delivered) == sorted(
        [
            (cast.user_ids["clinician"], f"sent on {readers['clinician']} open alert streams"),
            (
                cast.user_ids["other_clinician"],
                f"sent on {readers['other_clinician']} open alert streams",
            ),
        ]
    )
    by_user = {user_id: request_id for user_id, request_id, _ in delivered}
    assert by_user[cast.user_ids["clinician"]] in request_ids["clinician"]
    assert by_user[cast.user_ids["other_clinician"]] in request_ids["other_clinician"]
