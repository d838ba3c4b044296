"""An app served by uvicorn in a thread on a loopback port, for clients that need a real
server: keep-alive connections, streams, a browser."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

STARTUP_SECONDS = 15


@contextmanager
def serving(app: FastAPI) -> Iterator[tuple[str, int]]:
    """Serve `app` until the block ends; yields (host, port)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, lifespan="off", ws="none", http="h11", log_level="critical", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while not server.started:
            assert thread.is_alive(), "the live server stopped while starting"
            assert time.monotonic() < deadline, "the live server did not start in time"
            time.sleep(0.05)
        host, port = listener.getsockname()
        yield host, port
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)
        listener.close()
