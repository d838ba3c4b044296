"""The page after a questionnaire is sent: thanks, and with an urgent answer (PHQ-9 item 9 above
0) the safety message with crisis lines and word that the care team has been alerted (the
questionnaire service raised the urgent alert in the transaction that stored the answers)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from painpath.auth.permissions import Permission
from painpath.schemas.base import MAX_ROW_ID
from painpath.services.access import PatientAccess
from painpath.services.monitoring import questionnaires as monitoring_questionnaires
from painpath.web.deps import SessionDep, access
from painpath.web.ui.deps import ViewerDep
from painpath.web.ui.instrument_names import instrument_names
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import render

router = APIRouter(route_class=UIRoute)

DONE = "/patients/{patient_id}/questionnaire-responses/{response_id}"
#: The item flag that means a same-day safety review (painpath.monitoring.instruments data).
SELF_HARM_FLAG = "phq9_item9_positive"
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
ResponseReader = Annotated[
    PatientAccess, access(Permission.observation_read, "QuestionnaireResponse")
]


def _stored_score(stored: Any) -> dict[str, Any]:
    """The stored score JSON, as far as it has the engine's shape (a stored row is hostile)."""
    if not isinstance(stored, dict):
        return {"score": None, "band": None, "flags": []}
    listed = stored.get("flags")
    flags = [
        {
            "code": str(flag.get("code", "")),
            "severity": str(flag.get("severity", "")),
            "text": str(flag.get("text") or flag.get("code", "")),
        }
        for flag in (listed if isinstance(listed, list) else [])
        if isinstance(flag, dict)
    ]
    t_score = stored.get("t_score")
    return {
        "score": stored.get("score"),
        "t_score": t_score if isinstance(t_score, int | float) else None,
        "band": stored.get("band"),
        "flags": flags,
    }


def _urgent_codes(score: dict[str, Any]) -> set[str]:
    return {str(flag.get("code")) for flag in score["flags"] if flag.get("severity") == "urgent"}


@router.get(DONE)
def response_page(
    request: Request,
    response_id: RowId,
    grant: ResponseReader,
    viewer: ViewerDep,
    session: SessionDep,
) -> Response:
    """Thanks; with an urgent answer, the safety message and that the care team is alerted."""
    row = monitoring_questionnaires.get_response(session, access=grant, response_id=response_id)
    score = _stored_score(row.score)
    urgent = _urgent_codes(score)
    return render(
        request,
        "questionnaire_done.html",
        viewer=viewer,
        patient=grant.patient,
        response=row,
        definition=instrument_names(row.questionnaire),
        score=score,
        self_harm=SELF_HARM_FLAG in urgent,
        urgent=bool(urgent),
    )
