"""Errors services raise; the web and CLI shells translate them (problem details, exit codes)."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class. `status_code` is the HTTP status the web shell answers with."""

    status_code = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class NotAuthenticated(ServiceError):
    status_code = 401
    title = "Not authenticated"


class AccessDenied(ServiceError):
    status_code = 403
    title = "Forbidden"


class ReauthenticationRequired(AccessDenied):
    """A sensitive action, and the caller's last password entry is too old."""

    title = "Re-authentication required"


class NotFound(ServiceError):
    status_code = 404
    title = "Not found"


class Conflict(ServiceError):
    status_code = 409
    title = "Conflict"


class ContentTooLarge(ServiceError):
    status_code = 413
    title = "Content Too Large"


class InvalidInput(ServiceError):
    status_code = 422
    title = "Invalid input"


class TooManyAttempts(ServiceError):
    status_code = 429
    title = "Too many attempts"

    def __init__(self, detail: str, *, retry_after_seconds: int = 60) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds
