"""Server-Sent Events: new monitoring alerts for the caller's patients, as they are raised.

A stream does not poll the database by itself: the server process's `AlertSignal` (one per
process; web.alert_signal) wakes it when an alert may have been raised — on PostgreSQL through
LISTEN/NOTIFY, so an alert raised through another server process arrives too; on SQLite through
one poll per process. Woken, the stream reads the caller's alerts after the last one it sent,
in a short transaction of its own (the request's own session is closed before streaming
starts), and audits each alert it sends as a read. Each event carries the alert id as its SSE
`id`, so a reconnecting EventSource resumes after the last alert it saw (`Last-Event-ID`). The
server ends a stream after `STREAM_SECONDS`; browsers reconnect by themselves after `retry`.
Every `CREDENTIAL_SECONDS` one checker per process looks at the sessions and tokens behind all
its open streams at once (web.stream_credentials) and wakes a stream whose credential ended,
which then closes; an idle stream runs no query of its own. Streams take no admission slot
(web.admission) and do their database work on `STREAM_THREADS` threads of their own, so open
streams, however many, never hold a thread that a request needs.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.kit.clock import utcnow
from painpath.schemas.base import MAX_ROW_ID
from painpath.schemas.monitoring_alerts import AlertRead
from painpath.services.errors import AccessDenied
from painpath.services.identity import sessions
from painpath.services.identity.sessions import Credential
from painpath.services.monitoring import alerts as monitoring_alerts
from painpath.services.transaction import unit_of_work
from painpath.web.alert_signal import AlertSignal, alert_signal
from painpath.web.deps import ActorDep, SessionDep, request_credential
from painpath.web.stream_credentials import CredentialWatch, credential_watch

router = APIRouter(tags=["alerts"])

#: How often the process checks the sessions and tokens behind its open streams (all at once).
CREDENTIAL_SECONDS = 5.0
#: Worker threads for the streams' database work, apart from those serving requests.
STREAM_THREADS = 2
STREAM_SECONDS = 300.0
HEARTBEAT_SECONDS = 15.0
RETRY_MILLISECONDS = 3000
#: Sent, and the stream closed, when the session or token behind it ends; `retry: 0` hints
#: the browser's EventSource not to reconnect (it would be refused with 401 anyway).
SIGNED_OUT_EVENT = 'retry: 0\nevent: signed-out\ndata: {"detail":"the session has ended"}\n\n'
#: An alert committed this long after a newer one was sent is still delivered.
LATE_COMMIT = timedelta(seconds=30)


class FeedCursor:
    """Where one stream is: the floor it never goes below, the highest id sent, what was sent."""

    def __init__(self, floor: int) -> None:
        self.floor = floor
        self.after = floor
        self.sent: dict[int, datetime] = {}

    def take(self, alerts: list[AlertRead]) -> list[AlertRead]:
        fresh = [alert for alert in alerts if alert.id not in self.sent]
        for alert in fresh:
            self.sent[alert.id] = alert.created_at
            self.after = max(self.after, alert.id)
        horizon = utcnow() - 2 * LATE_COMMIT
        self.sent = {i: at for i, at in self.sent.items() if at >= horizon or i >= self.after}
        return fresh


def _poll(
    factory: sessionmaker[Session], actor: Actor, credential: Credential, cursor: FeedCursor
) -> list[AlertRead] | None:
    """New alerts, or None once the stream's credential has ended (sign-out, password change
    or reset, deactivation, role change)."""
    with unit_of_work(factory) as session:
        if not sessions.credential_is_live(session, credential):
            return None
        rows = monitoring_alerts.alerts_for_feed(
            session,
            actor=actor,
            floor=cursor.floor,
            after=cursor.after,
            recent_since=utcnow() - LATE_COMMIT,
        )
        fresh_ids = {row.id for row in rows} - set(cursor.sent)
        fresh = [row for row in rows if row.id in fresh_ids]
        monitoring_alerts.audit_delivery(session, actor=actor, alerts=fresh)
        return cursor.take([AlertRead.model_validate(row) for row in fresh])


def _event(alert: AlertRead) -> str:
    data = json.dumps(alert.model_dump(mode="json"), separators=(",", ":"))
    return f"id: {alert.id}\nevent: alert\ndata: {data}\n\n"


async def _events(
    request: Request,
    factory: sessionmaker[Session],
    signal: AlertSignal,
    watch: CredentialWatch,
    actor: Actor,
    credential: Credential,
    cursor: FeedCursor,
) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    limiter = stream_limiter(request.app.state)
    deadline = time.monotonic() + STREAM_SECONDS
    quiet_since = time.monotonic()
    with signal.subscribe() as doorbell, watch.watch(credential, doorbell.event):
        woken = True  # read once on connecting: the catch-up after Last-Event-ID
        while time.monotonic() < deadline and not await request.is_disconnected():
            if woken:  # an alert may have been raised, or the credential may have ended
                alerts = await anyio.to_thread.run_sync(
                    _poll, factory, actor, credential, cursor, limiter=limiter
                )
                if alerts is None:
                    yield SIGNED_OUT_EVENT
                    return
                for alert in alerts:
                    yield _event(alert)
                if alerts:
                    quiet_since = time.monotonic()
            if time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
                yield ": keep-alive\n\n"
                quiet_since = time.monotonic()
            until_heartbeat = HEARTBEAT_SECONDS - (time.monotonic() - quiet_since)
            remaining = max(deadline - time.monotonic(), 0.0)
            woken = await doorbell.wait(max(min(until_heartbeat, remaining), 0.0))


def stream_limiter(state: object) -> anyio.CapacityLimiter:
    """The worker threads the process's streams share (made on first use, in the event loop):
    a stream's database work never takes one of the threads that serve requests."""
    limiter = getattr(state, "stream_limiter", None)
    if not isinstance(limiter, anyio.CapacityLimiter):
        limiter = anyio.CapacityLimiter(STREAM_THREADS)
        setattr(state, "stream_limiter", limiter)  # noqa: B010 (Starlette State is dynamic)
    return limiter


@router.get(
    "/monitoring/alerts/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def alert_stream(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    last_event_id: Annotated[int | None, Header(ge=0, le=MAX_ROW_ID)] = None,
) -> StreamingResponse:
    """New alerts for the caller's patients as `alert` events (JSON as in the alerts list).

    Without `Last-Event-ID` the stream starts with alerts raised after the connection; with it,
    it first sends the caller's alerts after that id.
    """
    if not actor.can(Permission.observation_read):
        raise AccessDenied("you may not read monitoring alerts")
    floor = (
        last_event_id if last_event_id is not None else monitoring_alerts.latest_alert_id(session)
    )
    return StreamingResponse(
        _events(
            request,
            request.app.state.session_factory,
            alert_signal(request.app.state, request.app.state.engine),
            credential_watch(
                request.app.state, request.app.state.session_factory, CREDENTIAL_SECONDS
            ),
            actor,
            request_credential(request),
            FeedCursor(floor),
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
