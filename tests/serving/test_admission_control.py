"""Admission control in front of the app: a bounded number of requests at once per process,
a 503 with Retry-After for what cannot get a slot in time, and the exempt paths always through."""

from __future__ import annotations

import anyio
import httpx
from starlette.types import Receive, Scope, Send

from painpath.web.admission import AdmissionControlMiddleware
from tests.support.own_loop import run_in_own_loop


class HeldApp:
    """Answers 200 once `release` is set; counts the requests inside it."""

    def __init__(self) -> None:
        self.release = anyio.Event()
        self.inside = 0
        self.most_inside = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        try:
            if scope["path"] != "/health":
                await self.release.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
        finally:
            self.inside -= 1


def test_requests_beyond_the_limit_wait_then_get_503_with_retry_after() -> None:
    run_in_own_loop(_beyond_the_limit)


def test_a_request_that_gets_a_slot_within_the_queue_timeout_is_served() -> None:
    run_in_own_loop(_within_the_queue_timeout)


async def _beyond_the_limit() -> None:
    held = HeldApp()
    app = AdmissionControlMiddleware(held, limit=2, queue_timeout=0.2)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://painpath") as client:
        answers: list[httpx.Response] = []

        async def call(path: str) -> None:
            answers.append(await client.get(path))

        async with anyio.create_task_group() as group:
            group.start_soon(call, "/api/patients")
            group.start_soon(call, "/api/patients")
            await anyio.sleep(0.05)
            assert app.in_use == 2
            refused = await client.get("/api/patients")
            health = await client.get("/health")
            stream = client.get("/api/monitoring/alerts/stream")
            held.release.set()
            streamed = await stream
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["status"] == 503
        assert health.status_code == 200, "/health is never made to wait"
        assert streamed.status_code == 200, "a stream connect is served once a slot is free"
        assert sorted(a.status_code for a in answers) == [200, 200]
        assert held.most_inside <= 3, "two counted requests and one exempt at most"
        # Recovered: the slots are free again.
        assert app.in_use == 0
        assert (await client.get("/api/patients")).status_code == 200


async def _within_the_queue_timeout() -> None:
    held = HeldApp()
    app = AdmissionControlMiddleware(held, limit=1, queue_timeout=5.0)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://painpath") as client:
        answers: list[int] = []

        async def call() -> None:
            answers.append((await client.get("/api/patients")).status_code)

        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(call)
            await anyio.sleep(0.05)
            assert held.inside == 1, "one at a time"
            held.release.set()
        assert answers == [200, 200, 200]
        assert held.most_inside == 1


def test_a_stream_takes_a_slot_for_its_setup_and_gives_it_back_when_it_starts() -> None:
    run_in_own_loop(_stream_slot)


async def _stream_slot() -> None:
    started = anyio.Event()
    finish = anyio.Event()

    async def streaming(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        started.set()
        await finish.wait()  # a long-lived stream
        await send({"type": "http.response.body", "body": b""})

    app = AdmissionControlMiddleware(streaming, limit=1, queue_timeout=0.2)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://painpath") as client:
        async with anyio.create_task_group() as group:
            group.start_soon(client.get, "/api/monitoring/alerts/stream")
            await started.wait()
            # Streaming: the stream holds no slot, so the only slot is free for a request.
            assert app.in_use == 0
            finish.set()
        held = HeldApp()
        busy = AdmissionControlMiddleware(held, limit=1, queue_timeout=0.2)
        transport = httpx.ASGITransport(app=busy)
        async with httpx.AsyncClient(transport=transport, base_url="http://painpath") as other:
            async with anyio.create_task_group() as group:
                group.start_soon(other.get, "/api/patients")
                await anyio.sleep(0.05)
                # Setting up: a stream connect waits for a slot like any request.
                refused = await other.get("/api/monitoring/alerts/stream")
                held.release.set()
            assert refused.status_code == 503
