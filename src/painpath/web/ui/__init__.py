"""The server-rendered pages for clinicians, pharmacists, patients and administrators.

Plain HTML forms, no JavaScript; every page's errors render as HTML (see `routing`), while
the JSON API keeps its problem details.
"""

from fastapi import APIRouter

from painpath.web.ui import admin_users, panel, patient_summary, pgx_report, sign_in
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import STATIC_DIR

ui_router = APIRouter(route_class=UIRoute, include_in_schema=False)
for module in (sign_in, panel, patient_summary, pgx_report, admin_users):
    ui_router.include_router(module.router)

__all__ = ["STATIC_DIR", "ui_router"]
