"""Admission control: a server process works on a bounded number of requests at once.

Past saturation a server without a limit keeps accepting: the queue of requests waiting for a
thread or a database connection grows, each waits longer than its client will, memory climbs
and throughput falls (measured before this existed: 4–30 req/s at 70–80 offered, `/health`
timing out). Here each process admits at most `limit` requests; a request that cannot get a slot
within `queue_timeout` seconds is answered at once with 503 and `Retry-After`, so the requests
that are admitted finish in time and the server recovers as soon as the load falls.

Not counted: `/health` (a load balancer must see a live server), static files, and the
long-lived Server-Sent Event streams (a slot held for minutes would starve the API); those have
their own bounds.
"""

from __future__ import annotations

import json
import math
import re

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

#: Paths that never wait for a slot.
EXEMPT_PATHS = re.compile(r"^/(health|favicon\.ico|static/.*|api/monitoring/alerts/stream)$")


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
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()

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
