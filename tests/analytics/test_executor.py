"""`Runner.run_while_starting`: shards run in this process while the cluster starts, and the
rest are handed on the moment it is up, not after the shard under way here."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import pytest

from painpath.analytics.executor import Runner, Shard


def test_the_rest_are_handed_on_while_a_shard_still_runs_here() -> None:
    starting: Future[Any] = Future()
    first_may_end = threading.Event()
    seen: list[str] = []

    def first() -> dict[str, Any]:
        # The cluster comes up while this shard runs here: the rest must not wait for it.
        seen.append("first started")
        starting.set_result(None)  # no client: the rest then run in the caller's thread
        assert first_may_end.wait(10), "the rest waited for the shard running here"
        return {"shard": "first"}

    def later(name: str) -> dict[str, Any]:
        seen.append(name)
        first_may_end.set()
        return {"shard": name}

    done: list[tuple[str, dict[str, Any]]] = []
    Runner(None, starting).run_while_starting(
        [Shard("a", first, ()), Shard("b", later, ("b",)), Shard("c", later, ("c",))],
        lambda key, result: done.append((key, result)),
    )
    assert seen == ["first started", "b", "c"]
    assert sorted(done) == [("a", {"shard": "first"}), ("b", {"shard": "b"}), ("c", {"shard": "c"})]
    assert [key for key, _ in done][-1] == "a"  # reported once it finished, after the rest


def test_shards_run_here_one_after_another_until_the_cluster_is_up() -> None:
    starting: Future[Any] = Future()
    threads: list[str] = []

    def shard(name: str) -> dict[str, Any]:
        threads.append(threading.current_thread().name)
        if name == "b":
            starting.set_result(None)
        return {"shard": name}

    done: list[str] = []
    Runner(None, starting).run_while_starting(
        [Shard(n, shard, (n,)) for n in "abcd"], lambda key, result: done.append(key)
    )
    assert done[0] == "a"
    assert sorted(done) == ["a", "b", "c", "d"]
    # a and b in the local thread while the cluster started; c and d by the (absent) cluster.
    assert [t.startswith("painpath-local") for t in threads] == [True, True, False, False]


def test_an_error_in_the_shard_running_here_reaches_the_job() -> None:
    starting: Future[Any] = Future()

    def failing() -> dict[str, Any]:
        starting.set_result(None)
        raise ValueError("bad shard")

    done: list[str] = []
    with pytest.raises(ValueError, match="bad shard"):
        Runner(None, starting).run_while_starting(
            [Shard("a", failing, ()), Shard("b", dict, ())],
            lambda key, result: done.append(key),
        )
    assert "a" not in done
