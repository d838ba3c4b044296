"""The HTML page a browser gets for an error: the status, a plain message, the request id to
quote to support, and nothing of the failure's internals."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import Request, Response

from painpath.audit.context import request_context
from painpath.web.deps import SESSION_ID_KEY
from painpath.web.ui.templating import render

MESSAGES = {
    403: "You do not have access to this page. If you think you should, ask your care "
    "team or an administrator to check your care-team membership.",
    404: "We could not find that page. Check the address, or go back to your home page.",
    405: "That page cannot be used this way.",
    422: "Some of the information in the request was not valid.",
    429: "Too many attempts. Please wait a few minutes and try again.",
    500: "Something went wrong on our side and the page could not be shown. Nothing you did "
    "caused it. Try again in a moment; if it keeps happening, tell support the request id below.",
}


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_page(request: Request, status: int, *, message: str | None = None) -> Response:
    """A friendly page for `status`; the header offers a way home and out."""
    signed_in = "session" in request.scope and isinstance(request.session.get(SESSION_ID_KEY), str)
    return render(
        request,
        "error.html",
        viewer=None,
        status_code=status,
        status=status,
        title=reason(status),
        message=message or MESSAGES.get(status, "Something went wrong with that request."),
        signed_in=signed_in,
        request_id=request_context.get().request_id,
    )
