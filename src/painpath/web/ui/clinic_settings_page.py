"""The administrators' clinic-settings page: whether an implant needs a successful trial.

Reading and switching go through `services.care.therapies.settings`, which audits both; a
non-administrator is refused (and audited) there, so the page cannot be used to bypass it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from painpath.services.care.therapies import settings as clinic_settings
from painpath.services.errors import AccessDenied
from painpath.web.deps import SessionDep
from painpath.web.ui.deps import FormViewerDep, ViewerDep
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import render

router = APIRouter(route_class=UIRoute)
PAGE = "/admin/clinic-settings"


@router.get(PAGE)
def settings_page(request: Request, viewer: ViewerDep, session: SessionDep) -> Response:
    if not viewer.is_admin:
        raise AccessDenied("clinic settings are for administrators")
    current = clinic_settings.read_settings(session, actor=viewer.actor)
    return render(request, "clinic_settings.html", viewer=viewer, current=current)


@router.post(PAGE)
def change_settings(
    request: Request,
    viewer: FormViewerDep,
    session: SessionDep,
    require_trial: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    required = require_trial == "on"
    clinic_settings.set_trial_required(session, actor=viewer.actor, required=required)
    request.session["flash"] = (
        "An implant now needs a successful trial."
        if required
        else "An implant no longer needs a successful trial (recorded in the audit trail)."
    )
    return RedirectResponse(PAGE, status_code=303)
