"""How the alert hub hands deliveries to a stream: written straight to its connection, no task
woken; a reader that falls behind is closed with a reason and nothing more is queued for it;
keep-alives go only to streams sent nothing lately; the hub's database work has an engine of
its own (issue 15)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from starlette.types import Message

from painpath.audit.context import RequestContext
from painpath.auth.actor import Actor
from painpath.db.engine import make_engine
from painpath.models.enums import Role
from painpath.web.alert_signal import (
    FELL_BEHIND_EVENT,
    HEARTBEAT_SECONDS,
    SIGNED_OUT_EVENT,
    AlertHub,
    Feed,
    FeedCursor,
    _hand_over,
    quiet,
)
from tests.support.own_loop import run_in_own_loop

CLINICIAN = Actor(7, "dr.test", Role.clinician)
EVENT = b"id: 1\nevent: alert\ndata: {}\n\n"
HIGH_WATER = 64 * 1024


class Connection:
    """An ASGI server's `send` with flow control as uvicorn's: it writes at once unless more
    than `HIGH_WATER` bytes are still unsent; then it waits until the reader takes them."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.unsent = 0
        self.drained = asyncio.Event()

    async def send(self, message: Message) -> None:
        while self.unsent > HIGH_WATER:
            await self.drained.wait()
        self.written.append(message["body"])
        self.unsent += len(message["body"])

    def read(self) -> None:
        self.unsent = 0
        self.drained.set()


def _feed(connection: Connection, deadline: float = float("inf")) -> Feed:
    key = ("token", 1, CLINICIAN.user_id)
    return Feed(CLINICIAN, key, RequestContext(), FeedCursor(0), connection.send, deadline)


def test_a_delivery_is_written_to_the_connection_in_the_hand_over_itself() -> None:
    async def scenario() -> tuple[list[bytes], bool]:
        connection = Connection()
        feed = _feed(connection)
        _hand_over([(feed, EVENT, False), (feed, EVENT + EVENT, False)])
        return list(connection.written), feed.done.is_set()  # read before anything awaits

    written, done = run_in_own_loop(scenario)
    assert written == [EVENT, EVENT + EVENT]  # each parcel one write, no task in between
    assert not done


def test_a_stream_whose_reader_falls_behind_is_closed_with_a_reason_and_nothing_queued() -> None:
    async def scenario() -> tuple[Feed, Connection, int]:
        connection = Connection()
        feed = _feed(connection)
        chunk = b"x" * (HIGH_WATER // 4)
        for _ in range(40):  # the reader never takes what it is sent
            _hand_over([(feed, chunk, False)])
        writes = len(connection.written)
        connection.read()
        _hand_over([(feed, EVENT, False)])  # after it was closed: nothing more is written
        await asyncio.sleep(0)  # a send left waiting would now write
        return feed, connection, writes

    feed, connection, writes = run_in_own_loop(scenario)
    assert feed.ended
    assert feed.done.is_set()
    assert feed.closing == FELL_BEHIND_EVENT  # the response writes it as it closes
    assert writes == 5  # up to just past the high-water mark, and not one write more
    assert len(connection.written) == writes


def test_a_stream_whose_reader_keeps_up_is_never_closed() -> None:
    async def scenario() -> tuple[bool, int]:
        connection = Connection()
        feed = _feed(connection)
        chunk = b"x" * (HIGH_WATER // 2)
        for _ in range(20):
            _hand_over([(feed, chunk + EVENT, False)])
            connection.read()
        return feed.ended, len(connection.written)

    ended, writes = run_in_own_loop(scenario)
    assert not ended
    assert writes == 20


def test_a_stream_ends_at_its_first_write_after_its_deadline_or_when_signed_out() -> None:
    async def scenario() -> tuple[Feed, Feed, Feed, Connection]:
        connection = Connection()
        due, later, signed_out = (
            _feed(connection, time.monotonic() - 1),
            _feed(connection),
            _feed(connection),
        )
        _hand_over(
            [(due, EVENT, False), (later, EVENT, False), (signed_out, SIGNED_OUT_EVENT, True)]
        )
        return due, later, signed_out, connection

    due, later, signed_out, connection = run_in_own_loop(scenario)
    assert connection.written == [EVENT, EVENT]  # the signed-out event is the response's last
    assert (due.ended, due.closing) == (True, b"")
    assert not later.ended
    assert (signed_out.ended, signed_out.closing) == (True, SIGNED_OUT_EVENT)


def test_keep_alives_go_only_to_streams_whose_turn_it_is_and_that_were_sent_nothing_lately() -> (
    None
):
    async def feeds() -> list[Feed]:
        return [_feed(Connection()) for _ in range(4)]

    idle, busy, other_turn, just_quiet = run_in_own_loop(feeds)
    now = 1000.0
    idle.handed_at = now - HEARTBEAT_SECONDS
    busy.handed_at = now - 1  # an alert a second ago: no keep-alive needed
    other_turn.handed_at = now - HEARTBEAT_SECONDS
    other_turn.turn = 3
    just_quiet.handed_at = now - HEARTBEAT_SECONDS / 2
    assert quiet([idle, busy, other_turn, just_quiet], 0, now) == [idle, just_quiet]


def test_the_hub_reads_on_an_engine_of_its_own_unless_the_database_lives_in_memory(
    tmp_path: Path,
) -> None:
    on_disk = make_engine(f"sqlite:///{tmp_path / 'painpath.sqlite3'}")
    hub = AlertHub(on_disk, credential_seconds=5.0)
    assert hub.engine is not on_disk
    assert hub.engine.url == on_disk.url
    # An in-memory database is one connection: a second engine would see another, empty one.
    in_memory = make_engine("sqlite://")
    assert AlertHub(in_memory, credential_seconds=5.0).engine is in_memory
