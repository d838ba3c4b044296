"""Server-Sent Events: new monitoring alerts for the caller's patients, as they are raised.

A stream runs no query and no timer of its own: the server process's `AlertHub` (one per
process; web.alert_signal) learns of alerts — on PostgreSQL through LISTEN/NOTIFY, so an alert
raised through another server process arrives too; on SQLite through one poll per process —,
reads them once for all its streams, checks every stream's session or token, audits each alert
it hands over as a read once per user, and writes the keep-alive comments of quiet streams.
The stream's task sleeps until the hub hands it something. Each event carries the alert id as
its SSE `id`, so a reconnecting EventSource resumes after the last alert it saw
(`Last-Event-ID`). The server ends a stream after `STREAM_SECONDS` (at its next write);
browsers reconnect by themselves after `retry`. A stream whose credential ended gets a
`signed-out` event within `CREDENTIAL_SECONDS` and closes; one whose reader does not keep up
gets `fell-behind` and closes (its browser reconnects and resumes). A stream's setup takes an
admission slot like any request and gives it back once the stream starts (web.admission).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse

from painpath.audit.context import RequestContext, request_context
from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.schemas.base import MAX_ROW_ID
from painpath.services.errors import AccessDenied
from painpath.services.identity import sessions
from painpath.services.identity.sessions import CredentialKey
from painpath.services.monitoring import alerts as monitoring_alerts
from painpath.web.alert_signal import AlertHub, Feed, FeedCursor, alert_hub
from painpath.web.deps import ActorDep, SessionDep, request_credential

router = APIRouter(tags=["alerts"])

#: How often the process checks the sessions and tokens behind its open streams (all at once).
CREDENTIAL_SECONDS = 5.0
STREAM_SECONDS = 300.0
RETRY_MILLISECONDS = 3000


async def _events(
    hub: AlertHub,
    actor: Actor,
    key: CredentialKey,
    context: RequestContext,
    floor: int,
) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    deadline = time.monotonic() + STREAM_SECONDS
    feed = Feed(actor, key, context, FeedCursor(floor))  # made here: it belongs to this loop
    with hub.subscribe(feed):
        # A client that goes away ends the response, and with it this generator, at once
        # (Starlette listens for the disconnect while streaming).
        while True:
            yield await feed.next()
            if feed.ended or time.monotonic() >= deadline:
                return


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
    state = request.app.state
    hub = alert_hub(state, state.engine, CREDENTIAL_SECONDS)
    key = sessions.credential_key(request_credential(request))
    return StreamingResponse(
        _events(hub, actor, key, request_context.get(), floor),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
