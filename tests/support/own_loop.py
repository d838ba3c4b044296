"""Async test bodies on an event loop of their own thread: the browser tests' sync Playwright
keeps a loop running on the main thread, where `asyncio.run` cannot start another."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

T = TypeVar("T")


def run_in_own_loop(test: Callable[[], Awaitable[T]]) -> T:
    """`test()` run to its end on a new event loop in a new thread; its result, or its error."""
    results: list[T] = []
    failures: list[BaseException] = []

    def target() -> None:
        try:
            results.append(anyio.run(test))
        except BaseException as error:  # re-raised in the test's thread below
            failures.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]
    return results[0]
