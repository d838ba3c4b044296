"""How the alert hub hands deliveries to a stream: a reader that falls behind is closed with a
reason and its queue stays bounded; keep-alives go only to streams sent nothing lately; the
hub's database work has an engine of its own (issue 15)."""

from __future__ import annotations

from pathlib import Path

from painpath.audit.context import RequestContext
from painpath.auth.actor import Actor
from painpath.db.engine import make_engine
from painpath.models.enums import Role
from painpath.web.alert_signal import (
    FELL_BEHIND_EVENT,
    HEARTBEAT_SECONDS,
    PENDING_BYTES,
    AlertHub,
    Feed,
    FeedCursor,
    _hand_over,
    quiet,
)
from tests.support.own_loop import run_in_own_loop

CLINICIAN = Actor(7, "dr.test", Role.clinician)
EVENT = "id: 1\nevent: alert\ndata: {}\n\n"


def _feed() -> Feed:
    return Feed(CLINICIAN, ("token", 1, CLINICIAN.user_id), RequestContext(), FeedCursor(0))


def test_a_stream_whose_reader_falls_behind_is_closed_with_a_reason_and_a_bounded_queue() -> None:
    async def scenario() -> tuple[bool, int, str, bool]:
        feed = _feed()
        chunk = "x" * (PENDING_BYTES // 4)
        for _ in range(40):  # the stream never takes what it is handed
            _hand_over([(feed, [chunk], False)])
        held = sum(map(len, feed.outbox))
        sent = await feed.next()
        _hand_over([(feed, [EVENT], False)])  # after it was closed: nothing more is queued
        return feed.ended, held, sent, feed.event.is_set()

    ended, held, sent, woken = run_in_own_loop(scenario)
    assert ended
    assert sent == FELL_BEHIND_EVENT
    assert held == len(FELL_BEHIND_EVENT)  # what was waiting is dropped, not kept
    assert not woken


def test_a_stream_that_takes_its_deliveries_is_never_closed() -> None:
    async def scenario() -> tuple[bool, list[str]]:
        feed = _feed()
        chunk = "x" * (PENDING_BYTES // 2)
        sent = []
        for _ in range(20):
            _hand_over([(feed, [chunk, EVENT], False)])
            sent.append(await feed.next())
        return feed.ended, sent

    ended, sent = run_in_own_loop(scenario)
    assert not ended
    assert sent == ["x" * (PENDING_BYTES // 2) + EVENT] * 20  # each hand-over in one write


def test_keep_alives_go_only_to_streams_whose_turn_it_is_and_that_were_sent_nothing_lately() -> (
    None
):
    async def feeds() -> list[Feed]:
        return [_feed() for _ in range(4)]

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
