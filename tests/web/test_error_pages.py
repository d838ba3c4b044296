"""What a failed request answers (issue 8 item 2 and the reset of item 1).

A browser asking for a page gets an HTML error page: the status kept, the request id shown,
nothing of the failure's internals. The JSON API keeps its problem details. A 500 is a whole
answer on a connection that stays open: before, Starlette's last-resort handler re-raised after
answering, uvicorn closed the socket, and a browser's next request on that keep-alive
connection was reset ("Connection reset by peer").
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from painpath.config import Settings
from painpath.web.app import create_app
from tests.support.live import serving
from tests.support.page_walk import BROWSER_ACCEPT

SECRET = "postgresql://painpath:s3cret@db.internal/painpath"


@pytest.fixture
def broken_app(settings: Settings, engine: Engine) -> FastAPI:
    """The app with a page and an API route that fail the way a bug does."""
    app = create_app(settings, engine=engine)

    @app.get("/broken-page")
    def broken_page() -> None:
        raise RuntimeError(f"could not reach {SECRET}")

    @app.get("/api/broken")
    def broken_api() -> None:
        raise RuntimeError(f"could not reach {SECRET}")

    return app


@pytest.fixture
def browser(broken_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(broken_app, headers={"Accept": BROWSER_ACCEPT}) as client:
        yield client


def _shows_request_id(response_text: str, request_id: str) -> bool:
    return f'<code class="request-id">{request_id}</code>' in response_text


def test_an_unknown_path_is_an_html_404_for_a_browser(browser: TestClient) -> None:
    response = browser.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not Found" in response.text
    assert _shows_request_id(response.text, response.headers["x-request-id"])


def test_an_unknown_api_path_keeps_problem_details_for_a_browser(browser: TestClient) -> None:
    response = browser.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_a_program_gets_problem_details_for_an_unknown_path(broken_app: FastAPI) -> None:
    with TestClient(broken_app, headers={"Accept": "application/json"}) as client:
        response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_a_page_that_fails_is_an_html_500_with_the_request_id_and_no_internals(
    browser: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="painpath.web.problems"):
        response = browser.get("/broken-page", headers={"X-Request-Id": "trace-1234"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-request-id"] == "trace-1234"
    assert _shows_request_id(response.text, "trace-1234")
    for internal in ("s3cret", "db.internal", "RuntimeError", "Traceback"):
        assert internal not in response.text
    # The operators still get the traceback, with the request id to find it by.
    assert any("trace-1234" in record.getMessage() for record in caplog.records)
    assert any(record.exc_info for record in caplog.records)


def test_an_api_route_that_fails_is_a_problem_document_with_the_request_id(
    browser: TestClient,
) -> None:
    response = browser.get("/api/broken")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"]
    assert "s3cret" not in response.text


def test_a_500_is_answered_whole_and_the_connection_stays_open(broken_app: FastAPI) -> None:
    with serving(broken_app) as (host, port):
        connection = http.client.HTTPConnection(host, port, timeout=10)
        try:
            for path in ("/api/broken", "/broken-page", "/api/broken"):
                connection.request("GET", path, headers={"Accept": BROWSER_ACCEPT})
                failed = connection.getresponse()
                assert failed.status == 500
                failed.read()
                socket_used = connection.sock
                # The same socket answers the next request: not closed, not reset.
                connection.request("GET", "/health")
                healthy = connection.getresponse()
                assert healthy.status == 200, healthy.read()
                healthy.read()
                assert connection.sock is socket_used
        finally:
            connection.close()
