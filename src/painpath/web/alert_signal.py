"""One watcher per server process that wakes every open alert stream when an alert is raised.

On PostgreSQL a background thread holds one connection that LISTENs on `painpath_alerts`; the
database NOTIFYs on every alert insert or update, in the writing transaction (migration
2026-12-08-0600), so a stream on any process behind a load balancer learns of an alert raised
through any other process as soon as it commits. On SQLite (one machine, no NOTIFY) the thread
polls `max(alerts.id)` once per `POLL_SECONDS` for the whole process, not once per stream.

Streams subscribe with `AlertSignal.subscribe()` and `await subscription.wait(timeout)`; a wake
only says "look again": each stream then reads its own caller's alerts through the services,
with their scope and audit. After the listener (re)connects every stream is woken, so nothing
raised while it was away is missed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import anyio
from sqlalchemy import Engine, func, select

from painpath.models.alert import Alert

logger = logging.getLogger(__name__)

CHANNEL = "painpath_alerts"
#: SQLite: how often the process looks for a new alert.
POLL_SECONDS = 1.0
#: PostgreSQL: how long one wait for notifications lasts before the thread checks for a stop.
LISTEN_SECONDS = 1.0
#: PostgreSQL: the pause before reconnecting a lost listener connection.
RECONNECT_SECONDS = 2.0


@dataclass(eq=False)
class Subscription:
    """One open stream's doorbell."""

    loop: asyncio.AbstractEventLoop
    event: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self, timeout: float) -> bool:
        """True when woken (an alert may have been raised), False after `timeout` seconds."""
        with anyio.move_on_after(timeout):
            await self.event.wait()
        woken = self.event.is_set()
        self.event.clear()
        return woken


class AlertSignal:
    """The process's alert watcher (see the module docstring); started by the first subscriber."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._subscribers: set[Subscription] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.wakes = 0  # how many times the streams were woken (for tests and the bench)

    @property
    def uses_notify(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def subscribe(self) -> Iterator[Subscription]:
        subscription = Subscription(asyncio.get_running_loop())
        with self._lock:
            self._subscribers.add(subscription)
            self._start()
        try:
            yield subscription
        finally:
            with self._lock:
                self._subscribers.discard(subscription)

    def wake_all(self) -> None:
        """Ring every subscriber's doorbell (callable from any thread)."""
        with self._lock:
            subscribers = list(self._subscribers)
            self.wakes += 1
        for subscription in subscribers:
            try:
                subscription.loop.call_soon_threadsafe(subscription.event.set)
            except RuntimeError:  # its event loop has closed: the stream is gone
                continue

    def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(LISTEN_SECONDS + POLL_SECONDS + 1)

    def _start(self) -> None:
        """Start the watcher thread unless one runs (called with the lock held)."""
        if self._thread is not None:
            return
        target = self._listen if self.uses_notify else self._poll
        self._thread = threading.Thread(target=target, name="painpath-alert-signal", daemon=True)
        self._thread.start()

    def _latest_id(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.scalar(select(func.max(Alert.id))) or 0)

    def _idle(self) -> bool:
        """True, and the thread is to end, once no stream is open: a watcher runs only while
        someone listens (the next subscriber starts a new one)."""
        with self._lock:
            if self._subscribers and not self._stop.is_set():
                return False
            self._thread = None
            return True

    def _poll(self) -> None:
        last: int | None = None
        while not self._idle():
            try:
                latest = self._latest_id()
            except Exception:  # a locked or briefly unavailable database: try again
                logger.warning("alert signal: polling for new alerts failed", exc_info=True)
            else:
                if latest != last:  # the first look too: the streams may have missed one
                    self.wake_all()
                last = latest
            self._stop.wait(POLL_SECONDS)

    def _conninfo(self) -> str:
        url = self.engine.url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def _listen(self) -> None:
        import psycopg  # the postgres extra; only PostgreSQL deployments reach this

        while not self._idle():
            try:
                with psycopg.connect(self._conninfo(), autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self.wake_all()  # catch up on anything raised while not listening
                    while not self._idle():
                        if any(True for _ in connection.notifies(timeout=LISTEN_SECONDS)):
                            self.wake_all()
                    return
            except psycopg.Error:
                logger.warning("alert signal: the LISTEN connection failed", exc_info=True)
                self._stop.wait(RECONNECT_SECONDS)


_signals_lock = threading.Lock()


def alert_signal(state: object, engine: Engine) -> AlertSignal:
    """The process's `AlertSignal`, kept on the app's state (made on first use)."""
    with _signals_lock:
        signal = getattr(state, "alert_signal", None)
        if not isinstance(signal, AlertSignal):
            signal = AlertSignal(engine)
            setattr(state, "alert_signal", signal)  # noqa: B010 (Starlette State is dynamic)
        return signal
