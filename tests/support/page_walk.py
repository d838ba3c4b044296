"""Follow every page link a signed-in browser can reach, breadth first, and report what a
browser should never see: a server error, raw JSON where a page was asked for, or markup the
HTML5 parser has to repair (`tests/support/html_check.py`).

A client here behaves like a browser: it sends a browser's Accept header, keeps one keep-alive
connection, signs in through the login form (its CSRF token included) and follows links
(`a`, `link`, `script`, `img`, and the `data-fragment`/`data-stream` URLs the pages' script
fetches) and the default submission of GET forms. Logout and POST forms
are not followed. Static assets are fetched once per walk set (`assets_seen`); JSON API links
(downloads) are fetched to check they do not fail, not parsed as pages.

Paginated views can link on forever (the week before, and the one before that): at most
`MAX_QUERIES_PER_PATH` distinct query strings of one path are followed, and the walk says how
many links it left for that reason.
"""

from __future__ import annotations

import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import httpx
import pytest

from tests.support.html_check import markup_errors

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
MAX_QUERIES_PER_PATH = 100
#: A walk that grows past this is following generated links, not a real site.
MAX_REQUESTS = 4000
SKIPPED_PATHS = frozenset({"/logout"})
JSON_TYPES = ("application/json", "application/problem+json")
SCRIPT_URL_ATTRIBUTES = ("data-fragment", "data-stream")


@dataclass
class _Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    select: str | None = None
    select_value: str | None = None


class _Links(HTMLParser):
    """The link targets of one page, and the default submission of each GET form."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[_Form] = []
        self._form: _Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        # What a page's script fetches (the panel's live alerts: a fragment and an event stream).
        self.links.extend(found[name] for name in SCRIPT_URL_ATTRIBUTES if name in found)
        if tag in ("a", "link") and "href" in found:
            self.links.append(found["href"])
        elif tag in ("script", "img") and "src" in found:
            self.links.append(found["src"])
        elif tag == "form":
            method = found.get("method", "get").lower()
            self._form = _Form(found.get("action", ""), method)
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "button", "textarea"):
            self._field(tag, found)
        elif self._form is not None and tag == "select":
            self._form.select = found.get("name")
            self._form.select_value = None
        elif self._form is not None and tag == "option" and self._form.select:
            value = found.get("value", "")
            if self._form.select_value is None or "selected" in found:
                self._form.select_value = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._form is not None and self._form.select:
            self._form.fields.append((self._form.select, self._form.select_value or ""))
            self._form.select = None
        elif tag == "form":
            self._form = None

    def _field(self, tag: str, found: dict[str, str]) -> None:
        assert self._form is not None
        name = found.get("name")
        kind = found.get("type", "text").lower()
        if not name or tag == "button" or kind in ("submit", "button", "reset", "file"):
            return
        if kind in ("checkbox", "radio") and "checked" not in found:
            return
        self._form.fields.append((name, found.get("value", "")))


def page_links(html: str, base: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    targets = [urljoin(base, link) for link in parser.links]
    for form in parser.forms:
        if form.method == "get":
            action = urljoin(base, form.action or base)
            targets.append(f"{action.split('?')[0]}?{urlencode(form.fields)}")
    return targets


@dataclass
class WalkReport:
    login: str
    pages: int = 0
    requests: int = 0
    assets: int = 0
    api_links: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    client_errors: list[str] = field(default_factory=list)
    left_paginated: int = 0
    paths: set[str] = field(default_factory=set)

    def summary(self) -> str:
        return (
            f"{self.login}: {self.pages} pages, {self.requests} requests "
            f"({self.assets} static assets, {self.api_links} API links), "
            f"{self.seconds:.1f} s, {self.left_paginated} paginated links left"
        )


def browser_client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Accept": BROWSER_ACCEPT}, timeout=60)


def sign_in_through_form(client: httpx.Client, username: str, password: str) -> httpx.Response:
    """Fill in and submit the login form as a person would; the answer after redirects."""
    login = client.get("/login")
    assert login.status_code == 200, login.text
    parser = _Links()
    parser.feed(login.text)
    form = next(f for f in parser.forms if f.method == "post")
    fields = dict(form.fields) | {"username": username, "password": password}
    answer = client.post(urljoin(str(login.url), form.action), data=fields)
    assert answer.status_code == 303, f"{username}: {answer.status_code} {answer.text[:300]}"
    assert not answer.headers["location"].startswith("/login"), answer.headers["location"]
    return client.get(answer.headers["location"], follow_redirects=True)


def _same_site(url: str, origin: str) -> str | None:
    """The path and query of a same-site URL, without its fragment; None for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def walk_pages(
    client: httpx.Client, login: str, *, start: str = "/", assets_seen: set[str]
) -> WalkReport:
    """Breadth-first over every page reachable from `start`; see the module doc."""
    report = WalkReport(login)
    origin = str(client.base_url).rstrip("/")
    queue: deque[str] = deque([start])
    seen = {start}
    queries: Counter[str] = Counter()
    began = time.perf_counter()
    while queue:
        target = queue.popleft()
        report.requests += 1
        assert report.requests <= MAX_REQUESTS, f"{login}: the walk does not end ({target})"
        path = target.split("?")[0]
        if path.startswith("/static/"):
            report.assets += 1
            _check_asset(client, target, report)
            continue
        if path.startswith("/api/"):
            report.api_links += 1
            _check_api_link(client, target, report)
            continue
        response = client.get(target, follow_redirects=False)
        where = f"{login} GET {target}"
        content_type = response.headers.get("content-type", "")
        if response.status_code >= 500:
            report.problems.append(f"{where}: {response.status_code}")
        if content_type.startswith(JSON_TYPES):
            report.problems.append(f"{where}: {response.status_code} raw JSON ({content_type})")
        links: list[str] = []
        if response.status_code < 400:
            report.paths.add(path)
        if response.is_redirect:
            links = [urljoin(str(response.url), response.headers["location"])]
        elif response.status_code >= 400:
            report.client_errors.append(f"{where}: {response.status_code}")
        elif content_type.startswith("text/html"):
            report.pages += 1
            links = page_links(response.text, str(response.url))
            report.problems.extend(f"{where}: {error}" for error in markup_errors(response.text))
        for link in links:
            found = _same_site(link, origin)
            if found is None or found in seen or found.split("?")[0] in SKIPPED_PATHS:
                continue
            link_path = found.split("?")[0]
            if "?" in found and not link_path.startswith("/static/"):
                if queries[link_path] >= MAX_QUERIES_PER_PATH:
                    report.left_paginated += 1
                    continue
                queries[link_path] += 1
            if link_path.startswith("/static/"):
                if link_path in assets_seen:
                    continue
                assets_seen.add(link_path)
            seen.add(found)
            queue.append(found)
    report.seconds = time.perf_counter() - began
    return report


def _check_asset(client: httpx.Client, target: str, report: WalkReport) -> None:
    response = client.get(target)
    if response.status_code != 200:
        report.problems.append(f"{report.login} GET {target}: asset {response.status_code}")


def _check_api_link(client: httpx.Client, target: str, report: WalkReport) -> None:
    with client.stream("GET", target) as response:
        if response.status_code >= 500:
            report.problems.append(f"{report.login} GET {target}: {response.status_code}")
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            response.read()


ROUTE_PARAM = re.compile(r"{[^}]+}")


def route_pattern(template: str) -> re.Pattern[str]:
    """A regex matching the paths of a route template such as /patients/{patient_id}."""
    parts = ROUTE_PARAM.split(template)
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in parts) + "$")


def show_in_test_output(request: pytest.FixtureRequest, lines: list[str]) -> None:
    """Write `lines` into the test session's output (the terminal, past output capture) and
    into the JUnit report's properties of the test."""
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            for line in lines:
                reporter.write_line(line)
    for number, line in enumerate(lines):
        request.node.user_properties.append((f"walk {number}", line))
