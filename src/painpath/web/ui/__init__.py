"""The server-rendered pages for clinicians, pharmacists, patients and administrators.

Plain HTML forms; one small script (static/alerts_live.js) makes the panel's alerts live. Every
page's errors render as HTML (see `routing`), while the JSON API keeps its problem details.
"""

from fastapi import APIRouter

from painpath.web.ui import (
    account_security,
    admin_users,
    alert_actions,
    alerts_panel,
    diary_pages,
    message_pages,
    panel,
    patient_summary,
    pgx_report,
    questionnaire_pages,
    questionnaire_result,
    sign_in,
)
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import STATIC_DIR

ui_router = APIRouter(route_class=UIRoute, include_in_schema=False)
for module in (
    sign_in,
    account_security,
    panel,
    alerts_panel,
    patient_summary,
    pgx_report,
    admin_users,
    diary_pages,
    questionnaire_pages,
    questionnaire_result,
    alert_actions,
    message_pages,
):
    ui_router.include_router(module.router)

__all__ = ["STATIC_DIR", "ui_router"]
