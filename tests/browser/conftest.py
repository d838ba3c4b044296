"""A live painpath server on 127.0.0.1 and Debian's chromium driven through Playwright.

The server runs uvicorn in a background thread against a migrated SQLite file seeded with
the test cast and a small clinical record, once per session. Each test gets a fresh browser
context (no cookies carried over). Set PAINPATH_SCREENSHOTS=/some/dir to keep screenshots.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from painpath.config import Environment, Settings
from painpath.db.migrate import upgrade
from painpath.web.app import create_app
from tests.browser.clinical_record import seed_clinical_record
from tests.support.cohort import Cast, build_cast

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_SECONDS = 15


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    cast: Cast


def _serve_in_thread(app: object) -> tuple[uvicorn.Server, threading.Thread, socket.socket]:
    # Bind first and hand uvicorn the socket: the port is ours before the thread starts.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        lifespan="off",
        ws="none",
        http="h11",
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="painpath-live-server"
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(STARTUP_SECONDS)
            listener.close()
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    return server, thread, listener


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    database = tmp_path_factory.mktemp("live-server") / "painpath.sqlite3"
    url = f"sqlite:///{database}"
    upgrade(url)
    settings = Settings(
        environment=Environment.test,
        database_url=url,
        secret_key="browser-test-secret-key-that-is-long-enough",
        login_max_failures=50,  # the tests share one client address
    )
    app = create_app(settings)
    cast = build_cast(app.state.session_factory)
    seed_clinical_record(app.state.session_factory, cast)
    server, thread, listener = _serve_in_thread(app)
    host, port = listener.getsockname()
    try:
        yield LiveServer(base_url=f"http://{host}:{port}", cast=cast)
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)
        listener.close()
        app.state.engine.dispose()
        assert not thread.is_alive(), "the live server did not stop"


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.base_url, viewport={"width": 1200, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Call `screenshot("name")` to save a full-page PNG when PAINPATH_SCREENSHOTS is set."""
    folder = os.environ.get("PAINPATH_SCREENSHOTS")

    def take(name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=str(Path(folder) / f"{request.node.name}-{name}.png"), full_page=True
            )

    return take
