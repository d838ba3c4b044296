"""A light open-loop HTTP/1.1 load generator for the benchmarks (CDS order-sign, the patient API
mix, the API beside open alert streams).

On a 2-core machine the generator shares the cores with the server it measures, so it does as
little as it can per request: every request's bytes (request line, headers, body) are encoded
before the step, it speaks HTTP/1.1 itself over asyncio streams (no HTTP library on the hot path:
httpx cost 65–85 % of a core at 100–150 req/s, this costs well under 1 ms of CPU per request),
and it keeps connections alive and reuses them (one per request in flight, opened on demand).

Open loop: request i is sent at t0 + i / rate whether or not earlier ones were answered, so a
slow server cannot slow the load (no coordinated omission); its latency runs from the time it
was due, so a late send counts against the server too. The first `warmup` seconds are sent but
not counted. Answers may carry Content-Length or be chunked; `Connection: close` is honoured.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

#: A request that gets no complete answer within this many seconds counts as an error.
ANSWER_TIMEOUT = 60.0
#: Statuses that carry no body whatever their headers say.
NO_BODY = frozenset({204, 304})


@dataclass(frozen=True)
class Prepared:
    """One request, encoded before the step: `kind` labels it in the results."""

    kind: str
    data: bytes
    head_only: bool = False


def encode(
    method: str,
    path: str,
    *,
    host: str,
    port: int,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    kind: str = "",
) -> Prepared:
    """The request's bytes: request line, Host, the given headers, Content-Length, body."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return Prepared(kind, head + (body or b""), head_only=method == "HEAD")


@dataclass
class Outcome:
    """What a step measured: one (kind, latency ms, status) per counted request."""

    results: list[tuple[str, float, str]] = field(default_factory=list)
    #: Counted 2xx answers the step's `check` rejected.
    wrong: int = 0
    #: Wall seconds from the first counted due time to the last answer.
    counted_seconds: float = 0.0
    #: Connections opened (a keep-alive connection is opened once and reused).
    connections: int = 0


class _Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, request: Prepared) -> tuple[int, bytes, bool]:
        """Status, body, and whether the connection may be reused."""
        self.writer.write(request.data)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:] if line)
        }
        reusable = headers.get("connection", "").lower() != "close"
        if request.head_only or status in NO_BODY or 100 <= status < 200:
            return status, b"", reusable
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return status, await self._chunked(), reusable
        if "content-length" in headers:
            return status, await self.reader.readexactly(int(headers["content-length"])), reusable
        return status, await self.reader.read(), False  # delimited by the close

    async def _chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_line = await self.reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while await self.reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                    pass
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self) -> None:
        self.writer.close()


class Pool:
    """Idle keep-alive connections to one server, opened on demand (one per request in flight).

    The connection idle longest is reused first, so requests rotate over every open connection
    and so over every server process that accepted one (as requests from many clients would);
    reusing the latest first piled the load onto the few connections, and the one process,
    that answered fastest."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: deque[_Connection] = deque()
        self.opened = 0

    async def _open(self) -> _Connection:
        self.opened += 1
        return _Connection(*await asyncio.open_connection(self.host, self.port))

    async def send(self, request: Prepared) -> tuple[int, bytes]:
        reused = bool(self.idle)
        connection = self.idle.popleft() if reused else await self._open()
        try:
            status, content, reusable = await connection.exchange(request)
        except (asyncio.IncompleteReadError, ConnectionError):
            connection.close()
            if not reused:
                raise
            # The server closed an idle keep-alive connection as we reused it (as any HTTP
            # client does): send once more on a new connection; the server never read it.
            connection = await self._open()
            try:
                status, content, reusable = await connection.exchange(request)
            except BaseException:
                connection.close()
                raise
        except BaseException:
            connection.close()
            raise
        if reusable:
            self.idle.append(connection)
        else:
            connection.close()
        return status, content

    def close(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle.clear()


async def run(
    host: str,
    port: int,
    requests: Sequence[Prepared],
    rate: float,
    warmup: float,
    check: Callable[[Prepared, bytes], bool] | None = None,
    timeout: float = ANSWER_TIMEOUT,
) -> Outcome:
    """Send `requests` at `rate` per second from now (+0.5 s) and record each counted answer.

    `check(request, body)` judges a 2xx answer's body; rejected ones are counted as `wrong`.
    Errors are recorded by name (the status, or the exception's class)."""
    outcome = Outcome()
    pool = Pool(host, port)
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.5
    counted_from = start + warmup

    async def one(due: float, request: Prepared) -> None:
        counted = due >= counted_from
        try:
            async with asyncio.timeout(timeout):
                status_code, content = await pool.send(request)
            status = str(status_code)
            judged = counted and check is not None and 200 <= status_code < 300
            if judged and check is not None and not check(request, content):
                outcome.wrong += 1
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
            status = type(e).__name__
        except TimeoutError:
            status = "timeout"
        if counted:
            outcome.results.append((request.kind, (loop.time() - due) * 1000, status))

    tasks = []
    for index, request in enumerate(requests):
        due = start + index / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due, request)))
    await asyncio.gather(*tasks)
    outcome.counted_seconds = loop.time() - counted_from
    outcome.connections = pool.opened
    pool.close()
    return outcome


def percentile(values: Sequence[float], share: float) -> float | None:
    """The value at `share` (0–1) of the sorted values, rounded to 0.1; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)
