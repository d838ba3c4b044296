"""Jinja2 environment for the server-rendered pages, and the context every page shares."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from painpath.auth.actor import Actor
from painpath.models.enums import Role
from painpath.web.deps import ensure_csrf_token

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

#: Shown on every clinical page and in the footer.
DECISION_SUPPORT_NOTE = "painpath supports clinicians and does not replace their judgement."
#: The vendored Apache ECharts (static/vendor/echarts-<version>/, scripts/vendor_echarts.sh).
ECHARTS_VERSION = "6.1.0"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,  # a misspelt variable fails the test, not the clinician
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.globals["decision_support_note"] = DECISION_SUPPORT_NOTE
_environment.globals["echarts_version"] = ECHARTS_VERSION
templates = Jinja2Templates(env=_environment)


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person as the page header shows them."""

    actor: Actor
    display_name: str
    #: Messages by others this person has not read yet (the navigation shows the count).
    unread_messages: int = 0

    @property
    def role(self) -> str:
        return self.actor.role.value

    @property
    def is_staff(self) -> bool:
        return self.actor.role in (Role.clinician, Role.pharmacist)

    @property
    def is_admin(self) -> bool:
        return self.actor.role is Role.admin

    @property
    def is_patient(self) -> bool:
        return self.actor.role is Role.patient

    @property
    def messages_link(self) -> str | None:
        """Where the navigation's Messages link goes: the patient's own threads, the staff
        inbox; None for administrators (they do not take part in messaging)."""
        if self.is_patient:
            return f"/patients/{self.actor.patient_id}/messages" if self.actor.patient_id else None
        return "/messages" if self.is_staff else None


def render(
    request: Request,
    name: str,
    *,
    viewer: Viewer | None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render a page with the header's viewer, the CSRF token and any one-time flash message."""
    csrf_token = ensure_csrf_token(request)
    flash = request.session.pop("flash", None)
    return templates.TemplateResponse(
        request,
        name,
        {"viewer": viewer, "csrf_token": csrf_token, "flash": flash, **context},
        status_code=status_code,
        headers=headers,
    )
