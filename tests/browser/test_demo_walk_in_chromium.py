"""The demo in a real browser (issue 8): `painpath demo run` started for real, one login of each
role signed in through the form in chromium, and each kind of page that role can reach by
links opened once. Any console error, uncaught page error, failed request or server error
fails the walk. The pages visited and the walk's duration go into the test output.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.routing import iter_route_contexts
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, expect

from painpath.demo.staff import featured_logins
from painpath.web.ui import ui_router
from tests.support.demo_server import (
    DemoServer,
    add_a_lab_report_and_a_questionnaire,
    demo_server,
)
from tests.support.page_walk import route_pattern, show_in_test_output

pytestmark = pytest.mark.browser

PATIENTS = 8
SKIPPED_PATHS = frozenset({"/logout", "/login"})


@pytest.fixture(scope="module")
def demo(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    folder = tmp_path_factory.mktemp("demo-in-chromium")
    url = f"sqlite:///{folder / 'painpath.sqlite3'}"
    with demo_server(url, folder, patients=PATIENTS) as server:
        add_a_lab_report_and_a_questionnaire(server)
        yield server


@dataclass
class BrowserWalk:
    login: str
    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error on {message.location}: {message.text}")

    def _failed(self, request: Request) -> None:
        # Leaving a page aborts its event stream: that is the browser's doing, not a failure.
        if request.resource_type != "eventsource" and "ERR_ABORTED" not in (request.failure or ""):
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response: Response) -> None:
        if response.status >= 500:
            self.problems.append(f"{response.status} for {response.url}")


def _page_kinds() -> list[tuple[str, re.Pattern[str]]]:
    return [
        (str(context.path), route_pattern(str(context.path)))
        for context in iter_route_contexts(ui_router.routes)
        if "GET" in (context.methods or set())
    ]


def _kind_of(path: str) -> str | None:
    return next((template for template, pattern in _page_kinds() if pattern.match(path)), None)


def _walk(page: Page, base_url: str, walk: BrowserWalk) -> None:
    """Open each kind of page reachable by links once (breadth first), waiting for its scripts."""
    kinds_seen: set[str] = set()
    queue = deque([urlsplit(page.url).path])
    while queue:
        path = queue.popleft()
        kind = _kind_of(path)
        if kind is None or kind in kinds_seen:
            continue
        kinds_seen.add(kind)
        response = page.goto(base_url + path, wait_until="load")
        assert response is not None
        walk.pages.append(f"{path} {response.status}")
        if page.locator("[data-live-alerts]").count():
            # The panel's script loads the alert list once connected; let it finish.
            # A locator assertion, not wait_for_function: a string predicate is evaluated as
            # code in the page, which the Content-Security-Policy (no unsafe-eval) may refuse.
            expect(page.locator("[data-live-state]").first).not_to_have_text(
                "New alerts appear here as they are raised."
            )
        # Links marked `download` (calendar files, attachments) save a file: not a page to open.
        links = page.eval_on_selector_all(
            "a[href]:not([download])", "links => links.map(link => link.href)"
        )
        for link in links:
            parts = urlsplit(link)
            if f"{parts.scheme}://{parts.netloc}" == base_url and parts.path not in SKIPPED_PATHS:
                queue.append(parts.path)


@pytest.mark.parametrize("login", [login.username for login in featured_logins()])
def test_each_role_walks_the_demo_in_chromium_without_errors(
    browser: Browser, demo: DemoServer, login: str, request: pytest.FixtureRequest
) -> None:
    context = browser.new_context(base_url=demo.base_url, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    walk = BrowserWalk(login)
    walk.watch(page)
    began = time.perf_counter()
    try:
        page.goto("/login")
        page.get_by_label("Username").fill(login)
        page.get_by_label("Password").fill(demo.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: not urlsplit(url).path.startswith("/login"))
        _walk(page, demo.base_url, walk)
    finally:
        context.close()
    seconds = time.perf_counter() - began
    show_in_test_output(
        request,
        [f"chromium walk {login}: {len(walk.pages)} pages in {seconds:.1f} s"]
        + [f"  {visited}" for visited in walk.pages],
    )
    assert walk.problems == []
    assert len(walk.pages) >= 1
