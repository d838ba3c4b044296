"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from painpath.services.errors import ServiceError
from painpath.web.redaction import redact_paths

PROBLEM_JSON = "application/problem+json"


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


def install_problem_handlers(app: FastAPI) -> None:
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

    @app.exception_handler(Exception)
    async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
        # Still a problem document, and one that says nothing about the failure's internals.
        return problem(
            500,
            "Internal Server Error",
            "the server could not complete the request",
            instance=request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem(
            error.status_code,
            _reason(error.status_code),
            str(error.detail),
            instance=request.url.path,
            headers=dict(error.headers) if error.headers else None,
        )


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
