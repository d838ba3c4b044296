"""One check per server process of the credentials behind every open alert stream.

An alert stream lives for minutes and must end when the session or token behind it does
(sign-out, password change, deactivation, role change, expiry). Checked per stream, 500 idle
streams cost 100 database transactions a second and, worse, 100 hops a second onto the worker
threads that serve requests. Here one background thread per process checks every open stream's
credential at once, every `interval` seconds, in one statement per credential kind
(`sessions.live_credentials`), and wakes each stream whose credential has ended; the woken
stream confirms it with its own check and closes. An idle stream costs no query at all.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from painpath.services.identity import sessions
from painpath.services.identity.sessions import Credential, CredentialKey
from painpath.services.transaction import unit_of_work

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class Watched:
    """One open stream: its credential and how to wake it."""

    key: CredentialKey
    loop: asyncio.AbstractEventLoop
    event: asyncio.Event


class CredentialWatch:
    """The process's credential checker for long-lived streams; runs while a stream is open."""

    def __init__(self, factory: sessionmaker[Session], interval: float) -> None:
        self.factory = factory
        self.interval = interval
        self._watched: set[Watched] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.checks = 0  # how many rounds ran (for tests and the bench)

    @contextmanager
    def watch(self, credential: Credential, event: asyncio.Event) -> Iterator[None]:
        """Set `event` (from the checker's thread) once `credential` is no longer live."""
        entry = Watched(sessions.credential_key(credential), asyncio.get_running_loop(), event)
        with self._lock:
            self._watched.add(entry)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="painpath-stream-credentials", daemon=True
                )
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._watched.discard(entry)

    def _run(self) -> None:
        stop = threading.Event()
        while True:
            stop.wait(self.interval)
            with self._lock:
                watched = list(self._watched)
                if not watched:
                    self._thread = None  # the next stream starts a new checker
                    return
            try:
                with unit_of_work(self.factory) as session:
                    live = sessions.live_credentials(session, {entry.key for entry in watched})
            except Exception:  # a locked or briefly unavailable database: next round
                logger.warning("stream credentials: the check failed", exc_info=True)
                continue
            self.checks += 1
            for entry in watched:
                if entry.key not in live:
                    try:
                        entry.loop.call_soon_threadsafe(entry.event.set)
                    except RuntimeError:  # its event loop has closed: the stream is gone
                        continue


_watch_lock = threading.Lock()


def credential_watch(
    state: object, factory: sessionmaker[Session], interval: float
) -> CredentialWatch:
    """The process's `CredentialWatch`, kept on the app's state (made on first use)."""
    with _watch_lock:
        watch = getattr(state, "stream_credential_watch", None)
        if not isinstance(watch, CredentialWatch):
            watch = CredentialWatch(factory, interval)
            setattr(state, "stream_credential_watch", watch)  # noqa: B010 (dynamic State)
        return watch
