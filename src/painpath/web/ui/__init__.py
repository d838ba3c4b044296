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
    app_shell,
    availability_pages,
    care_plan_pages,
    care_tried_pages,
    clinic_settings_page,
    diary_pages,
    message_pages,
    pain_summary_page,
    panel,
    patient_app,
    patient_summary,
    pgx_report,
    questionnaire_pages,
    questionnaire_result,
    sign_in,
    therapy_pages,
    visit_pages,
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
    pain_summary_page,
    pgx_report,
    admin_users,
    clinic_settings_page,
    diary_pages,
    questionnaire_pages,
    questionnaire_result,
    alert_actions,
    care_tried_pages,
    care_plan_pages,
    therapy_pages,
    patient_app,
    app_shell,
    visit_pages,
    availability_pages,
    message_pages,
):
    ui_router.include_router(module.router)

__all__ = ["STATIC_DIR", "ui_router"]
