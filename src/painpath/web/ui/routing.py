"""HTML errors for the pages, leaving the JSON API's problem details untouched.

`UIRoute` swaps in page-shaped exception handlers for its own requests only. The handlers
run after the request's transaction has rolled back and audited the failure, exactly as
the API's handlers do, so a denied page view leaves the same audited denial as a denied
API call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from painpath.services.errors import AccessDenied, NotAuthenticated, NotFound, ServiceError
from painpath.web.ui.deps import FormExpired, login_url
from painpath.web.ui.error_pages import MESSAGES, error_page


def _service_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ServiceError)
    if isinstance(error, NotAuthenticated):
        # An ended session was already forgotten (web.deps.cookie_session); one half-way through
        # signing in (second factor) is kept, and the login page sends it on.
        return RedirectResponse(login_url(request), status_code=303)
    if isinstance(error, FormExpired):
        return error_page(
            request, 403, message="This form has expired. Go back, reload the page and try again."
        )
    if isinstance(error, AccessDenied | NotFound):
        # No detail: it could name a record the viewer may not know exists.
        return error_page(request, error.status_code)
    return error_page(request, error.status_code, message=error.detail)


def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    # A malformed id in the path is a page that does not exist; anything else is bad input.
    in_path = any(entry.get("loc", ("",))[0] == "path" for entry in error.errors())
    if in_path:
        return error_page(request, 404)
    # Name the fields (never echo their values): e.g. "days" for ?days=abc.
    fields = sorted(
        {
            str(entry["loc"][-1])[:40]
            for entry in error.errors()
            if len(entry.get("loc", ())) > 1 and entry["loc"][0] in ("query", "body")
        }
    )
    named = f" Check: {', '.join(fields)}." if fields else ""
    return error_page(request, 422, message=MESSAGES[422] + named)


def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    response = error_page(request, error.status_code)
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    return response


_PAGE_HANDLERS: dict[Any, Callable[[Request, Exception], Response]] = {
    ServiceError: _service_error,
    RequestValidationError: _validation_error,
    StarletteHTTPException: _http_error,
}


class UIRoute(APIRoute):
    """A page route: its errors render as HTML pages (and 401 as a redirect to /login)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        handlers, _status_handlers = scope.get("starlette.exception_handlers", ({}, {}))
        # Status handlers would take precedence over ours, so the page drops them.
        scope["starlette.exception_handlers"] = ({**handlers, **_PAGE_HANDLERS}, {})
        await super().handle(scope, receive, send)
