"""Waiting on a condition that the page can only answer asynchronously.

`page.wait_for_function` calls its predicate without awaiting it, so an `async` predicate returns a
Promise, which is truthy: the wait ends at once, whatever the Promise later says. A check on the
Cache API or IndexedDB is asynchronous by nature, so it is polled here with `page.evaluate`, which
does await.
"""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Page

POLL_MS = 50


def wait_until_true(page: Page, script: str, arg: Any = None, *, timeout_ms: int = 10_000) -> None:
    """Evaluate `script` (a function, possibly async, taking `arg`) until it returns a truthy
    value; fail naming the script if it has not within `timeout_ms`."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(script, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_ms} ms: {script}")
        page.wait_for_timeout(POLL_MS)
