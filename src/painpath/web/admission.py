"""Admission control: a server process works on a bounded number of requests at once.

Past saturation a server without a limit keeps accepting: the queue of requests waiting for a
thread or a database connection grows, each waits longer than its client will, memory climbs
and throughput falls (measured before this existed: 4–30 req/s at 70–80 offered, `/health`
timing out). Here each process admits at most `limit` requests; a request that cannot get a slot
within `queue_timeout` seconds is answered at once with 503 and `Retry-After`, so the requests
that are admitted finish in time and the server recovers as soon as the load falls.

Not counted: `/health` (a load balancer must see a live server) and static files. A long-lived
Server-Sent Event stream is counted only until its response starts: its setup (authentication,
the session) is admitted like any request — 500 streams connecting at once would otherwise hold
every pooled connection while waiting for threads — and the slot is given back when the stream
begins, so a stream held open for minutes takes no slot.
"""

from __future__ import annotations

import json
import math
import re

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Paths that never wait for a slot.
EXEMPT_PATHS = re.compile(r"^/(health|favicon\.ico|static/.*)$")
#: Paths whose slot is given back once the response starts (long-lived streams).
STREAM_PATHS = re.compile(r"^/api/monitoring/alerts/stream$")


class AdmissionControlMiddleware:
    """At most `limit` requests in the app at once; others wait `queue_timeout`, then 503."""

    def __init__(self, app: ASGIApp, *, limit: int, queue_timeout: float) -> None:
        self.app = app
        self.limit = limit
        self.queue_timeout = queue_timeout
        self.retry_after = str(max(1, math.ceil(queue_timeout)))
        # Created on first use, inside the server's event loop.
        self._slots: anyio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or EXEMPT_PATHS.match(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = anyio.Semaphore(self.limit)
        slots = self._slots
        admitted = False
        with anyio.move_on_after(self.queue_timeout):
            await slots.acquire()
            admitted = True
        if not admitted:
            await self._refuse(scope, send)
            return
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                slots.release()

        forward = send
        if STREAM_PATHS.match(scope.get("path", "")):

            async def forward(message: Message) -> None:
                if message["type"] == "http.response.start":
                    release()  # the stream has started: its long life takes no slot
                await send(message)

        try:
            await self.app(scope, receive, forward)
        finally:
            release()

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Service Unavailable",
                "status": 503,
                "detail": "the server is at capacity; retry after the number of seconds in "
                "Retry-After",
                "instance": str(scope.get("path", ""))[:300],
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", self.retry_after.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    @property
    def in_use(self) -> int:
        """Slots taken right now (for tests and metrics)."""
        if self._slots is None:
            return 0
        return self.limit - self._slots.value
