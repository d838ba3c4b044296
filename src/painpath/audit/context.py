"""Where a request came from, carried in a context variable so services need no web imports."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from painpath.audit.flood import DenialThrottle


@dataclass(frozen=True, slots=True)
class RequestContext:
    http_method: str | None = None
    path: str | None = None
    client_address: str | None = None
    request_id: str | None = None
    #: The web app's bound on anonymous denial rows; None (CLI, jobs) writes every row.
    denial_throttle: DenialThrottle | None = None


request_context: ContextVar[RequestContext] = ContextVar(
    "painpath_request_context",
    default=RequestContext(),  # noqa: B039 (frozen)
)
