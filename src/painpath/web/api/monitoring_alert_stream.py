"""Server-Sent Events: new monitoring alerts for the caller's patients, as they are raised.

A stream runs no query and no timer of its own: the server process's `AlertHub` (one per
process; web.alert_signal) learns of alerts — on PostgreSQL through LISTEN/NOTIFY, so an alert
raised through another server process arrives too; on SQLite through one poll per process —,
reads them once for all its streams, checks every stream's session or token, audits each alert
it hands over as a read once per user, and writes the events and the keep-alive comments of
quiet streams to the streams' connections itself. The stream's task only waits for its end.
Each event carries the alert id as its SSE `id`, so a reconnecting EventSource resumes after
the last alert it saw (`Last-Event-ID`). The server ends a stream after `STREAM_SECONDS` (at
its next write); browsers reconnect by themselves after `retry`. A stream whose credential
ended gets a `signed-out` event within `CREDENTIAL_SECONDS` and closes; one whose reader does
not keep up gets `fell-behind` and closes (its browser reconnects and resumes). A stream's
setup takes an admission slot like any request and gives it back once the stream starts
(web.admission).
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from painpath.audit.context import RequestContext, request_context
from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.schemas.base import MAX_ROW_ID
from painpath.services.errors import AccessDenied
from painpath.services.identity import sessions
from painpath.services.identity.sessions import CredentialKey
from painpath.services.monitoring import alerts as monitoring_alerts
from painpath.web.alert_signal import AlertHub, Feed, FeedCursor, alert_hub, body
from painpath.web.deps import ActorDep, SessionDep, request_credential

router = APIRouter(tags=["alerts"])

#: How often the process checks the sessions and tokens behind its open streams (all at once).
CREDENTIAL_SECONDS = 5.0
STREAM_SECONDS = 300.0
RETRY_MILLISECONDS = 3000
#: How long a closing stream waits for its reader to take the last event before it is cut.
CLOSE_SECONDS = 10.0


class AlertStreamResponse(Response):
    """The stream: its head and `retry`, then whatever the hub writes through `send` (the
    response's own task only waits), then, once the hub, the deadline or the client ends it,
    the closing event and the end of the body."""

    media_type = "text/event-stream"

    def __init__(
        self, hub: AlertHub, actor: Actor, key: CredentialKey, context: RequestContext, floor: int
    ) -> None:
        self.status_code = 200
        self.background = None
        self.init_headers({"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        self.hub, self.actor, self.key, self.context, self.floor = hub, actor, key, context, floor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        await send(body(f"retry: {RETRY_MILLISECONDS}\n\n".encode()))
        deadline = time.monotonic() + STREAM_SECONDS
        feed = Feed(self.actor, self.key, self.context, FeedCursor(self.floor), send, deadline)
        listener = asyncio.create_task(_until_disconnect(receive, feed))
        try:
            with self.hub.subscribe(feed):
                await feed.done.wait()
        finally:
            feed.finish()  # also when cancelled: the hub writes nothing more
            listener.cancel()
        if feed.gone:
            return
        try:
            async with asyncio.timeout(CLOSE_SECONDS):
                if feed.closing:
                    await send(body(feed.closing))
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except TimeoutError:  # the reader takes nothing: the server drops the connection
            return


async def _until_disconnect(receive: Receive, feed: Feed) -> None:
    """End `feed` when its client goes away (the request itself has no body to read)."""
    while (await receive())["type"] != "http.disconnect":
        pass
    feed.gone = True
    feed.finish()


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
) -> Response:
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
    return AlertStreamResponse(hub, actor, key, request_context.get(), floor)
