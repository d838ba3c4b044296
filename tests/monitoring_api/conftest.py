"""Fixtures for the remote-monitoring API: the cast's home patient with a prescription, and
signed-in headers for the patient and their clinician."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from painpath.db.base import Base
from tests.support.cohort import Cast
from tests.support.walk import medication_body

Headers = dict[str, str]


@pytest.fixture
def clinician(client: TestClient, cast: Cast) -> Headers:
    return cast.headers(client, "clinician")


@pytest.fixture
def patient(client: TestClient, cast: Cast) -> Headers:
    return cast.headers(client, "patient")


@pytest.fixture
def home(cast: Cast) -> str:
    """The home patient's URL."""
    return f"/api/patients/{cast.home_patient_id}"


@pytest.fixture
def prescription_id(client: TestClient, clinician: Headers, home: str) -> int:
    """Oxycodone 5 mg up to four times a day as needed (RxNorm 7804), from 2026-01-05."""
    response = client.post(f"{home}/medication-requests", json=medication_body(), headers=clinician)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
def count(app: FastAPI) -> Callable[[type[Base]], int]:
    """How many rows a table holds now."""

    def rows(model: type[Base]) -> int:
        with app.state.session_factory() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    return rows


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    """The test app served by uvicorn on a loopback port, for clients that really stream."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        app, lifespan="off", ws="none", http="h11", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive(), "the live server stopped while starting"
        assert time.monotonic() < deadline, "the live server did not start in time"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(15)
    listener.close()
