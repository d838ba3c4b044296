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
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

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
    #: The server's database, for tests that count the rows a page's actions stored.
    database_url: str = ""


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
        video_room_url_template="https://meet.example.org/{room}",
    )
    app = create_app(settings)
    cast = build_cast(app.state.session_factory)
    seed_clinical_record(app.state.session_factory, cast)
    server, thread, listener = _serve_in_thread(app)
    host, port = listener.getsockname()
    try:
        yield LiveServer(base_url=f"http://{host}:{port}", cast=cast, database_url=url)
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)
        listener.close()
        app.state.engine.dispose()
        assert not thread.is_alive(), "the live server did not stop"


#: How chromium words a Content-Security-Policy refusal on the console.
CSP_VIOLATION = "Content Security Policy"


@pytest.fixture(scope="session")
def csp_violations() -> list[str]:
    """Every CSP refusal any page of the run logged, in order."""
    return []


@pytest.fixture(autouse=True)
def fail_on_csp_violations(csp_violations: list[str]) -> Iterator[None]:
    """A page that breaks the Content-Security-Policy fails its test (the page lost a script,
    a style or a request in a real browser)."""
    start = len(csp_violations)
    yield
    refused = csp_violations[start:]
    if refused:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(refused))


@pytest.fixture(scope="session")
def browser(chromium: Path, csp_violations: list[str]) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        new_context = browser.new_context

        def watched_context(**options: Any) -> BrowserContext:
            # Every context of every test, whichever fixture makes it, reports CSP refusals.
            context = new_context(**options)
            context.on(
                "console",
                lambda message: (
                    csp_violations.append(
                        f"{message.page.url if message.page else '?'}: {message.text}"
                    )
                    if CSP_VIOLATION in message.text
                    else None
                ),
            )
            return context

        browser.new_context = watched_context  # type: ignore[method-assign]
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
