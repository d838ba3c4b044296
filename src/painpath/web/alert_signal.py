"""One hub per server process that feeds every open alert stream, so an idle stream costs
nothing and an alert costs one read for all streams, not one per stream.

Measured before (issue 15): each stream read its own alerts in a transaction of its own
whenever any alert was raised or changed — with 500 streams, 500 transactions per alert, which
doubled the servers' CPU and raised `/health` p99 by 238 % under a light API load. Then, with
one round per alert, each delivery was still audited per stream: ~240 audit rows per alert per
process, hashed and appended under the audit chain's head lock, which every request of both
processes needs (bench/README.md, open alert streams). Now:

- **Learning of alerts.** On PostgreSQL a listener thread holds one connection that LISTENs on
  `painpath_alerts` (one per process); the database NOTIFYs on every alert insert or update, in
  the writing transaction (migration 2026-12-08-0600), so an alert raised through any server
  process reaches the streams on all of them. On SQLite (one machine, no NOTIFY) the thread
  reads `max(alerts.id)` once per `POLL_SECONDS` for the whole process. After the listener
  (re)connects the hub looks once more, so nothing raised while it was away is missed.
- **Reading them, once.** The hub's worker thread then runs one round, in one transaction on a
  connection of the hub's own (never one a request is waiting for), for all the process's
  streams: one statement per credential kind says which streams' sessions and tokens are still
  live (`sessions.live_credentials`); one read fetches the alerts raised since the last round
  (`alerts.alerts_after`); one more finds the staff on those patients' active care teams
  (`auth.scope.care_team_staff`). Each stream is handed only the alerts its caller may see
  (`auth.scope.may_see`). A stream that just connected gets its own scoped catch-up read in
  the round (`alerts.alerts_for_feed`, after `Last-Event-ID`).
- **Auditing them, once per user.** Each alert handed to a user is audited as a read once per
  round however many streams that user has open (a clinician with 40 tabs: one row, not 40),
  with the request context of the user's oldest stream and the number of streams in the
  detail. The rows are written last, after all reading and filtering, so the chain's head lock
  (on SQLite the write lock, queued like other writers on `db.engine.begin_write`'s file lock)
  is held for a handful of rows. Nothing is handed over unless the round commits; a failed
  round is retried.
- **Handing them over.** Each alert's event is encoded once per round, and the bytes are
  shared by every stream it goes on; a stream's new events are joined into one write. The
  hand-over writes them to each stream's connection itself, through the stream response's
  ASGI `send`, run to its end in place (`write_now`): no stream task is woken, so a delivery
  to 250 streams is 250 socket writes in a few calls into the event loop, not 250 task
  switches through the response machinery (measured: bench/README.md, fifth pass). It is
  handed to the loop `SLICE` streams per call with a pause between calls, so requests are
  served in between. A stream whose reader falls behind (its connection still holding more
  unsent data than the transport's high-water mark when the next delivery comes) gets
  `fell-behind` and is closed: nothing more is queued for it, and the browser reconnects
  with `Last-Event-ID` and catches up.
- **No per-stream timers.** Every `CREDENTIAL_SECONDS` the round runs without alerts, so a
  stream whose credential ended (sign-out, password change, deactivation, role change) gets
  `signed-out` and closes. Keep-alive comments come from the worker too, and only to streams
  that were sent nothing lately: every second it takes the streams whose turn it is (each
  stream has one of `HEARTBEAT_SECONDS` turns, given in the order they opened) and sends a
  keep-alive to those handed nothing in the last `HEARTBEAT_SECONDS / 2` seconds, so a busy
  stream costs no keep-alive work, an idle one is never silent for more than
  1.5 × `HEARTBEAT_SECONDS`, and the writes are spread evenly instead of 500 at once. A
  stream's own task sleeps on its `asyncio.Event` with no timeout until the stream ends.

All database work of the streams runs on the hub's one worker thread and its own connection,
never on a thread or connection that serves requests. The hub's threads run, and its
connections stay open, only while a stream is open.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Coroutine, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool
from starlette.types import Message, Send

from painpath.audit.context import RequestContext
from painpath.auth.actor import Actor
from painpath.auth.scope import care_team_staff, may_see
from painpath.db.engine import begin_write, make_engine, make_session_factory
from painpath.kit.clock import utcnow
from painpath.models.alert import Alert
from painpath.schemas.monitoring_alerts import AlertRead
from painpath.services.identity import sessions
from painpath.services.identity.sessions import CredentialKey
from painpath.services.monitoring import alerts as monitoring_alerts
from painpath.services.transaction import unit_of_work

logger = logging.getLogger(__name__)

CHANNEL = "painpath_alerts"
#: SQLite: how often the process looks for a new alert.
POLL_SECONDS = 1.0
#: PostgreSQL: how long one wait for notifications lasts before the thread checks for a stop.
LISTEN_SECONDS = 1.0
#: PostgreSQL: the pause before reconnecting a lost listener connection.
RECONNECT_SECONDS = 2.0
#: The pause before a failed round (a locked or briefly unavailable database) is retried.
RETRY_SECONDS = 1.0
#: Each idle stream gets a keep-alive comment this often (one of this many one-second turns).
HEARTBEAT_SECONDS = 15
KEEP_ALIVE = b": keep-alive\n\n"
#: Sent, and the stream closed, when the session or token behind it ends; `retry: 0` hints
#: the browser's EventSource not to reconnect (it would be refused with 401 anyway).
SIGNED_OUT_EVENT = b'retry: 0\nevent: signed-out\ndata: {"detail":"the session has ended"}\n\n'
#: Sent, and the stream closed, when its reader has not taken what it was handed; the browser
#: reconnects and resumes after the last event it received (`Last-Event-ID`).
FELL_BEHIND_EVENT = (
    b'event: fell-behind\ndata: {"detail":"the stream fell behind its reader; reconnect to'
    b' resume after the last event received"}\n\n'
)
#: An alert committed this long after a newer one was handed over is still delivered.
LATE_COMMIT = timedelta(seconds=30)
#: Streams handed something in one call into their event loop, and the pause between calls.
SLICE = 25
SLICE_PAUSE_SECONDS = 0.002
#: Alerts read in one round at most; the next round goes on from the last one read.
ROUND_LIMIT = 500


class FeedCursor:
    """Where a reader is: the floor it never goes below, the highest id seen, what was seen."""

    def __init__(self, floor: int) -> None:
        self.floor = floor
        self.after = floor
        self.sent: dict[int, datetime] = {}

    def take(self, seen: list[tuple[int, datetime]]) -> None:
        for alert_id, created_at in seen:
            self.sent[alert_id] = created_at
            self.after = max(self.after, alert_id)
        horizon = utcnow() - 2 * LATE_COMMIT
        self.sent = {i: at for i, at in self.sent.items() if at >= horizon or i >= self.after}


@dataclass(eq=False)
class Feed:
    """One open stream: who reads it, where it is, and the response it writes to.

    `send` is the stream response's ASGI `send`; the hub writes each delivery through it from
    the stream's event loop (`_hand_over`), so a delivery wakes no task. `ended`, `closing`,
    `gone` and `done` belong to that loop (the hub's worker only reads `ended`); `cursor`,
    `catching_up`, `turn` and `handed_at` belong to the hub's worker.
    """

    actor: Actor
    key: CredentialKey
    context: RequestContext
    cursor: FeedCursor
    send: Send
    deadline: float  # on the monotonic clock: the stream ends at its first write after it
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.get_running_loop)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    ended: bool = False
    closing: bytes = b""  # the last event, written by the response as it closes the stream
    gone: bool = False  # the client went away: nothing more is written
    catching_up: bool = True
    turn: int = 0  # its second, of HEARTBEAT_SECONDS, for a keep-alive (set by the hub)
    handed_at: float = field(default_factory=time.monotonic)  # last hand-over (the worker's)

    def finish(self, closing: bytes = b"") -> None:
        """End the stream: the response writes `closing`, completes, and the feed is dropped."""
        if not self.ended:
            self.ended, self.closing = True, closing
        self.done.set()


def body(data: bytes) -> Message:
    return {"type": "http.response.body", "body": data, "more_body": True}


def write_now(send: Send, message: Message) -> bool:
    """Run `send(message)` to its end right here, without a task, if it does not wait; False,
    with nothing written, if it would. An ASGI server's `send` waits only while the
    connection's transport holds more unsent data than its high-water mark (uvicorn checks
    that before writing): then the reader is not keeping up."""
    sending = send(message)
    step = sending if isinstance(sending, Coroutine) else _awaited(sending)
    try:
        step.send(None)
    except StopIteration:
        return True
    step.close()  # it waits for the transport to drain: abandoned before writing anything
    return False


async def _awaited(awaitable: Awaitable[None]) -> None:
    await awaitable


def _hand_over(parcels: list[tuple[Feed, bytes, bool]]) -> None:
    """In the streams' event loop: write each stream's parcel to its connection (one call per
    loop and slice, no task woken), or end the stream with the parcel as its last event.

    A stream whose connection still holds more unsent data than the transport's high-water
    mark is ended with `fell-behind` instead: its reader is not reading, and what is queued
    for it must not grow without bound. One past its deadline is ended after the write.
    """
    now = time.monotonic()
    for feed, data, end in parcels:
        if feed.ended:
            continue
        if end:
            feed.finish(data)
            continue
        try:
            written = write_now(feed.send, body(data))
        except Exception:  # the connection is gone or the response is over: end it quietly
            logger.debug("alert stream: a write failed", exc_info=True)
            feed.gone = True
            feed.finish()
            continue
        if not written:
            feed.finish(FELL_BEHIND_EVENT)
        elif now >= feed.deadline:
            feed.finish()


def render(alert: AlertRead) -> bytes:
    """The alert's SSE event, made once per round and shared by every stream it goes on."""
    return f"id: {alert.id}\nevent: alert\ndata: {alert.model_dump_json()}\n\n".encode()


def quiet(feeds: list[Feed], turn: int, now: float) -> list[Feed]:
    """The streams due a keep-alive at `now`: those whose turn it is and that were handed
    nothing in the last half `HEARTBEAT_SECONDS` (a stream sent something lately needs none)."""
    quiet_since = now - HEARTBEAT_SECONDS / 2
    return [feed for feed in feeds if feed.turn == turn and feed.handed_at <= quiet_since]


def _own_engine(engine: Engine) -> Engine:
    """An engine of the hub's own on the same database, so a round never takes a connection
    from the pool sized for the requests; a database in memory (one shared connection) is
    shared."""
    if isinstance(engine.pool, StaticPool):
        return engine
    return make_engine(engine.url.render_as_string(hide_password=False), pool_size=1)


@dataclass
class _Delivery:
    """One alert handed to one user in a round: on which of the user's streams."""

    alert: Alert
    feeds: list[Feed]


class AlertHub:
    """The process's alert feed for its open streams (see the module docstring)."""

    def __init__(self, engine: Engine, credential_seconds: float) -> None:
        self.engine = _own_engine(engine)
        self._owns_engine = self.engine is not engine
        self.factory = make_session_factory(self.engine)
        self.credential_seconds = credential_seconds
        self._feeds: dict[Feed, None] = {}  # in the order they opened
        self._lock = threading.Lock()
        self._due = threading.Event()
        self._alerts_due = False
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        self._worker: threading.Thread | None = None
        self._cursor: FeedCursor | None = None  # the worker's; reset when it stops
        self._opened = 0  # streams subscribed so far, for their keep-alive turns
        self.rounds = 0  # rounds that committed (for tests and the bench)
        self.checks = 0  # of them, those that checked every stream's credential

    @property
    def uses_notify(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def subscribe(self, feed: Feed) -> Iterator[Feed]:
        """Feed `feed` while the block runs; its catch-up read is the next round's."""
        with self._lock:
            feed.turn = self._opened % HEARTBEAT_SECONDS
            self._opened += 1
            self._feeds[feed] = None
            self._start()
        self._due.set()
        try:
            yield feed
        finally:
            with self._lock:
                self._feeds.pop(feed, None)

    def caught_up(self, streams: int) -> bool:
        """`streams` streams are open and each has had its catch-up read (for tests)."""
        with self._lock:
            return len(self._feeds) == streams and not any(f.catching_up for f in self._feeds)

    def wake(self) -> None:
        """An alert may have been raised or changed: read new alerts in a round soon."""
        with self._lock:
            self._alerts_due = True
        self._due.set()

    def close(self) -> None:
        self._stop.set()
        self._due.set()
        for thread in (self._listener, self._worker):
            if thread is not None:
                thread.join(LISTEN_SECONDS + POLL_SECONDS + 1)

    # -- threads ------------------------------------------------------------------------------

    def _start(self) -> None:
        """Start the threads that are not running (called with the lock held)."""
        if self._worker is None:
            self._worker = threading.Thread(
                target=self._work, name="painpath-alert-hub", daemon=True
            )
            self._worker.start()
        if self._listener is None:
            target = self._listen if self.uses_notify else self._poll
            self._listener = threading.Thread(
                target=target, name="painpath-alert-signal", daemon=True
            )
            self._listener.start()

    def _idle(self, thread: str) -> bool:
        """True, and the calling thread is to end, once no stream is open (the next stream
        starts new threads)."""
        with self._lock:
            if self._feeds and not self._stop.is_set():
                return False
            if thread == "worker":
                self._worker = None
                self._cursor = None
            else:
                self._listener = None
            return True

    def _work(self) -> None:
        now = time.monotonic()
        next_check, next_beat, turn = now + self.credential_seconds, now + 1.0, 0
        while not self._idle("worker"):
            self._due.wait(max(min(next_check, next_beat) - time.monotonic(), 0.0))
            with self._lock:
                self._due.clear()
                alerts_due, self._alerts_due = self._alerts_due, False
                feeds = [feed for feed in self._feeds if not feed.ended]
            now = time.monotonic()
            check = now >= next_check
            if check:
                next_check = now + self.credential_seconds
            if alerts_due or check or any(feed.catching_up for feed in feeds):
                try:
                    more = self._round(feeds, alerts_due=alerts_due, check=check)
                except Exception:  # a locked or briefly unavailable database: again soon
                    logger.warning("alert hub: the round failed", exc_info=True)
                    if alerts_due:
                        self.wake()
                    self._stop.wait(RETRY_SECONDS)
                    continue
                if more:
                    self.wake()
            if now >= next_beat:
                next_beat, turn = now + 1.0, (turn + 1) % HEARTBEAT_SECONDS
                self._send([(feed, KEEP_ALIVE, False) for feed in quiet(feeds, turn, now)])
        if self._owns_engine:
            self.engine.dispose()  # no stream is open: the hub holds no connection

    def _round(self, feeds: list[Feed], *, alerts_due: bool, check: bool) -> bool:
        """One transaction for every stream (see the module docstring); True when more alerts
        are waiting than one round reads."""
        recent_since = utcnow() - LATE_COMMIT
        parcels: list[tuple[Feed, bytes, bool]] = []
        taken: list[tuple[Feed, list[tuple[int, datetime]]]] = []
        shared: list[Alert] = []
        rendered: dict[int, bytes] = {}  # each alert's event, made once for all its streams
        deliveries: dict[tuple[int, int], _Delivery] = {}  # by (user id, alert id)
        with unit_of_work(self.factory) as session:
            live = sessions.live_credentials(session, {feed.key for feed in feeds})
            if self._cursor is None:  # each stream's catch-up covers what came before
                self._cursor = FeedCursor(monitoring_alerts.latest_alert_id(session))
            elif alerts_due:
                cursor = self._cursor
                rows = monitoring_alerts.alerts_after(
                    session,
                    floor=cursor.floor,
                    after=cursor.after,
                    recent_since=recent_since,
                    limit=ROUND_LIMIT,
                )
                shared = [row for row in rows if row.id not in cursor.sent]
            staff = care_team_staff(session, {alert.patient_id for alert in shared})
            for feed in feeds:
                if feed.key not in live:
                    parcels.append((feed, SIGNED_OUT_EVENT, True))
                    continue
                if feed.catching_up:
                    rows = monitoring_alerts.alerts_for_feed(
                        session,
                        actor=feed.actor,
                        floor=feed.cursor.floor,
                        after=feed.cursor.after,
                        recent_since=recent_since,
                    )
                else:
                    rows = [
                        alert
                        for alert in shared
                        if alert.id > feed.cursor.floor
                        and may_see(feed.actor, alert.patient_id, staff)
                    ]
                fresh = [alert for alert in rows if alert.id not in feed.cursor.sent]
                if not fresh:
                    continue
                for alert in fresh:
                    if alert.id not in rendered:
                        rendered[alert.id] = render(AlertRead.model_validate(alert))
                    delivery = deliveries.get((feed.actor.user_id, alert.id))
                    if delivery is None:
                        delivery = deliveries[feed.actor.user_id, alert.id] = _Delivery(alert, [])
                    delivery.feeds.append(feed)
                parcels.append((feed, b"".join(rendered[alert.id] for alert in fresh), False))
                taken.append((feed, [(alert.id, alert.created_at) for alert in fresh]))
            if deliveries:
                _audit(session, deliveries.values())
            seen = [(alert.id, alert.created_at) for alert in shared]
        # Committed: only now is anything handed over or marked as sent.
        self._cursor.take(seen)
        for feed, pairs in taken:
            feed.cursor.take(pairs)
        for feed in feeds:
            feed.catching_up = False
        self.rounds += 1
        self.checks += 1 if check else 0
        self._send(parcels)
        return alerts_due and len(shared) >= ROUND_LIMIT

    def _send(self, parcels: list[tuple[Feed, bytes, bool]]) -> None:
        """Hand the parcels over, `SLICE` streams per call into their loop, with a pause
        between slices, so the loop serves requests between them rather than writing to
        hundreds of streams in one go."""
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Feed, bytes, bool]]]
        by_loop = defaultdict(list)
        now = time.monotonic()
        for parcel in parcels:
            parcel[0].handed_at = now
            by_loop[parcel[0].loop].append(parcel)
        for start in range(0, max(map(len, by_loop.values()), default=0), SLICE):
            if start:
                time.sleep(SLICE_PAUSE_SECONDS)
            for loop, batch in by_loop.items():
                if start < len(batch):
                    try:
                        loop.call_soon_threadsafe(_hand_over, batch[start : start + SLICE])
                    except RuntimeError:  # the event loop has closed: its streams are gone
                        continue

    def _latest_id(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.scalar(select(func.max(Alert.id))) or 0)

    def _poll(self) -> None:
        last: int | None = None
        while not self._idle("listener"):
            try:
                latest = self._latest_id()
            except Exception:  # a locked or briefly unavailable database: try again
                logger.warning("alert hub: polling for new alerts failed", exc_info=True)
            else:
                if latest != last:  # the first look too: the streams may have missed one
                    self.wake()
                last = latest
            self._stop.wait(POLL_SECONDS)

    def _conninfo(self) -> str:
        url = self.engine.url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def _listen(self) -> None:
        import psycopg  # the postgres extra; only PostgreSQL deployments reach this

        while not self._idle("listener"):
            try:
                with psycopg.connect(self._conninfo(), autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self.wake()  # catch up on anything raised while not listening
                    while not self._idle("listener"):
                        if any(True for _ in connection.notifies(timeout=LISTEN_SECONDS)):
                            self.wake()
                    return
            except psycopg.Error:
                logger.warning("alert hub: the LISTEN connection failed", exc_info=True)
                self._stop.wait(RECONNECT_SECONDS)


def _audit(session: Session, deliveries: Iterable[_Delivery]) -> None:
    """Audit each alert once per user it was handed to, however many of the user's streams it
    went on: with the user's oldest stream's request context (the feeds are in the order they
    opened) and the number of streams. Then, on SQLite, queue for the write lock like the
    requests that write (`begin_write`), right before the rows are appended at commit."""
    for delivery in deliveries:
        oldest, streams = delivery.feeds[0], len(delivery.feeds)
        monitoring_alerts.audit_delivery(
            session,
            actor=oldest.actor,
            alerts=[delivery.alert],
            context=oldest.context,
            detail=None if streams == 1 else f"sent on {streams} open alert streams",
        )
    begin_write(session)


_hubs_lock = threading.Lock()


def alert_hub(state: object, engine: Engine, credential_seconds: float) -> AlertHub:
    """The process's `AlertHub`, kept on the app's state (made on first use)."""
    with _hubs_lock:
        hub = getattr(state, "alert_hub", None)
        if not isinstance(hub, AlertHub):
            hub = AlertHub(engine, credential_seconds)
            setattr(state, "alert_hub", hub)  # noqa: B010 (Starlette State is dynamic)
        return hub
