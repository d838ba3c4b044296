"""What a failed request answers: RFC 9457 problem details for API clients, an HTML error page
for a browser asking for a page.

The JSON API (`/api/...`) and the CDS Hooks services always answer problem details. Any other
path answers a browser (one whose Accept header names text/html) with the page renderer given
to `install_problem_handlers`; page routes themselves render their errors (web.ui.routing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from painpath.audit.context import request_context
from painpath.services.errors import ServiceError
from painpath.web.redaction import redact_paths

PROBLEM_JSON = "application/problem+json"
#: Paths whose clients are programs: their errors are always problem details.
MACHINE_PATH_PREFIXES = ("/api/", "/cds-services")

#: Renders an HTML error page: (request, status) → response.
PageRenderer = Callable[[Request, int], Response]

logger = logging.getLogger(__name__)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": redact_paths(detail),
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = [_redacted(item) for item in errors]
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _redacted(item: dict[str, Any]) -> dict[str, Any]:
    message = item.get("message")
    return item | {"message": redact_paths(message)} if isinstance(message, str) else item


def wants_page(request: Request) -> bool:
    """A browser asking for a page: not an API path, and text/html among the accepted types."""
    path = request.url.path
    if path.startswith(MACHINE_PATH_PREFIXES) or path == "/api":
        return False
    return "text/html" in request.headers.get("accept", "").lower()


def _field_name(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body",)]
    return ".".join(parts) or "body"


def _describe_validation(error: RequestValidationError) -> tuple[int, str, list[dict[str, Any]]]:
    items: list[dict[str, Any]] = []
    for entry in error.errors():
        if entry.get("type") == "json_invalid":
            reason = entry.get("ctx", {}).get("error", "invalid JSON")
            return 400, f"the request body is not valid JSON: {reason}", []
        message = str(entry.get("msg", "invalid value"))
        message = message.removeprefix("Value error, ")
        items.append({"field": _field_name(tuple(entry.get("loc", ()))), "message": message})
    summary = "; ".join(f"{item['field']}: {item['message']}" for item in items)
    return 422, summary or "the request is not valid", items


def server_error(request: Request, page: PageRenderer | None) -> Response:
    """The 500 answer: a page for a browser, else a problem document; neither says why."""
    if page is not None and wants_page(request):
        try:
            return page(request, 500)
        except Exception:  # the page itself failing must not hide the first error's answer
            logger.exception("the error page could not be rendered")
    return problem(
        500,
        "Internal Server Error",
        "the server could not complete the request",
        instance=request.url.path,
    )


def install_problem_handlers(app: FastAPI, *, page: PageRenderer | None = None) -> None:
    """Problem details for service, validation and HTTP errors; `page` renders a browser's."""

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, error: ServiceError) -> JSONResponse:
        errors = [{"field": error.field, "message": error.detail}] if error.field else None
        headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
        return problem(
            error.status_code,
            error.title,
            error.detail,
            instance=request.url.path,
            errors=errors,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        status, detail, items = _describe_validation(error)
        title = "Malformed request body" if status == 400 else "Invalid input"
        return problem(status, title, detail, instance=request.url.path, errors=items)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
        # Unknown paths and methods (the router's 404 and 405) land here.
        headers = dict(error.headers) if error.headers else None
        if page is not None and wants_page(request):
            response = page(request, error.status_code)
            response.headers.update(headers or {})
            return response
        return problem(
            error.status_code,
            _reason(error.status_code),
            str(error.detail),
            instance=request.url.path,
            headers=headers,
        )


class UnexpectedErrorMiddleware:
    """The last resort for an exception no handler took: log it, answer 500, and end there.

    Starlette's own last resort (ServerErrorMiddleware) sends its answer and then re-raises,
    so the server logs the error again and closes the connection under the client: a browser
    on a keep-alive connection then sees "connection reset" for its next request. Here the
    answer is complete and the connection stays usable. Installed inside the session and
    request-context middleware, the 500 carries the request id and the page knows the viewer.
    A response that had already started cannot be replaced: then the error goes on up and
    the server drops the connection, which is the only honest end for a cut-off response.
    """

    def __init__(self, app: ASGIApp, page: PageRenderer | None = None) -> None:
        self.app = app
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception:
            if started:
                raise
            logger.exception(
                "unexpected error answering %s %s (request %s)",
                scope.get("method"),
                scope.get("path"),
                request_context.get().request_id,
            )
            request = Request(scope, receive)
            await server_error(request, self.page)(scope, receive, send)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
