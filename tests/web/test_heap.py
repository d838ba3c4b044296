"""A serving app freezes its startup heap out of garbage collection and collects young objects
less often (issue 15: full collections of the startup heap paused each process for 160–330 ms
every few seconds under load); CPython's settings come back when it stops."""

from __future__ import annotations

import gc

from fastapi import FastAPI
from fastapi.testclient import TestClient

from painpath.web.heap import YOUNG_COLLECTION_THRESHOLD


def test_a_serving_app_freezes_the_startup_heap_and_restores_the_collector_after(
    app: FastAPI,
) -> None:
    thresholds = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_freeze_count() > 10_000  # modules, routes, mappers: the startup heap
        assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *thresholds[1:])
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == thresholds
