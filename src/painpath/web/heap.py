"""A server process's garbage collector: the startup heap frozen out of collections, and young
collections only after a few requests' worth of new objects.

Measured at 100 order-sign calls a second, 2 processes (issue 15, bench/README.md): with
CPython's defaults each process ran a full (generation 2) collection every 3–4 s, 160–330 ms
long, collecting nothing. A full collection walks every tracked object, and a worker holds
some 300,000 that live as long as it does (modules, routes, SQLAlchemy's mappers and compiled
statements, value sets, pydantic models); it ran that often because a young collection, due
after every 700 net new container objects, promotes whatever requests have in flight (a 60 KB
hook call's parsed body and mapping is thousands of dicts and lists), and promoted objects
count towards the next full collection. A process paused that long while it held the audit
chain's head lock also stalled the other process's calls: the p99 at 100 req/s was 230–250 ms.

- `gc.freeze()` after startup moves the startup heap to the permanent generation: a full
  collection walks only what was made since. The server's entry points (`painpath serve`, one
  process or each worker) first collect the startup garbage once (`collect_startup_garbage`),
  so none of it is frozen; an app run in process (the tests' clients) skips that collection,
  which would walk the whole test process's heap for every client.
- `YOUNG_COLLECTION_THRESHOLD`: a young collection after 20,000 net new container objects, so
  most of a request's objects are freed (by reference counting) before one runs and are never
  promoted. Reference cycles are still collected, a little later.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Net new container objects (allocations less deallocations) before a young collection.
YOUNG_COLLECTION_THRESHOLD = 20_000


def collect_startup_garbage() -> None:
    """Once per server process, after the app is built: free the cycles startup left behind,
    so that `startup_heap_frozen` does not keep them for the life of the process."""
    gc.collect()


@contextmanager
def startup_heap_frozen() -> Iterator[None]:
    """For the body: the startup heap frozen and young collections less often; CPython's
    settings again after it."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
