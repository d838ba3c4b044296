"""The OpenAPI document, with the error responses every route can give declared in one place.

FastAPI documents each route's success response and a 422 in its own shape; painpath answers
every error as an RFC 9457 problem document (painpath.web.problems). Here each operation gets
the problem responses that apply to it — 401/403 behind the login, 404 with a path parameter,
400/413 with a request body, 422 with parameters, a body or on any write, 409 on writes, 429 on
the login routes, 500 everywhere — all `application/problem+json` with one `Problem` schema,
replacing FastAPI's 422.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from painpath.web.problems import PROBLEM_JSON

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

OPERATION_OUTCOME_SCHEMA: dict[str, Any] = {
    "title": "OperationOutcome",
    "description": "FHIR R4 OperationOutcome (CDS Hooks answers 412 with one).",
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {"resourceType": {"const": "OperationOutcome"}, "issue": {"type": "array"}},
}

DESCRIPTIONS = {
    400: "Malformed request (e.g. a body that is not JSON)",
    401: "Not authenticated",
    403: "Not allowed for this user",
    404: "Not found",
    409: "Conflicts with the current state",
    413: "Request body too large",
    422: "Invalid input; `errors` names each field",
    429: "Too many attempts; retry later",
    500: "Internal error (no details are given)",
    503: "Not configured on this server",
}

#: Routes anyone may call; every other /api route needs a session or a bearer token.
PUBLIC = frozenset({"/api/auth/login", "/api/auth/token", "/health", "/cds-services"})
WRITES = frozenset({"post", "put", "patch", "delete"})


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[status],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    statuses = {500}
    parameters = operation.get("parameters") or []
    if path.startswith("/cds-services/"):
        # Client JWT, unknown service, invalid hook request, CDS not configured.
        return statuses | {400, 401, 404, 503}
    if path not in PUBLIC and path.startswith("/api/"):
        statuses |= {401, 403}
    if any(p.get("in") == "path" for p in parameters):
        statuses |= {404}
    if parameters or "requestBody" in operation or method in WRITES:
        # A write with no body can still be refused by a rule on the stored state (say,
        # renewing recovery codes without MFA enrolled): 422 naming what is wrong.
        statuses |= {422}
    if "requestBody" in operation:
        statuses |= {400, 413}
    if method in WRITES and path.startswith("/api/"):
        statuses |= {409}
    if path in ("/api/auth/login", "/api/auth/token"):
        statuses |= {401, 429}
    return statuses


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document with the problem responses added (cached on the app)."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components["OperationOutcome"] = OPERATION_OUTCOME_SCHEMA
    for schema_name in ("HTTPValidationError", "ValidationError"):
        components.pop(schema_name, None)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(_statuses(path, method, operation)):
                responses[str(status)] = _problem(status)
            if path.startswith("/cds-services/") and not path.endswith("/feedback"):
                responses["412"] = {
                    "description": "Prefetch missing and not obtainable from the FHIR server",
                    "content": {
                        "application/fhir+json": {
                            "schema": {"$ref": "#/components/schemas/OperationOutcome"}
                        }
                    },
                }
    app.openapi_schema = document
    return document


def install_openapi(app: FastAPI) -> None:
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
