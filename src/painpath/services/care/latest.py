"""The newest stored observation per LOINC code, and the newest questionnaire response per
instrument, for one patient, each in one query (a window function; SQLite and PostgreSQL).

The suggestions read about twenty codes per page load; one query per code cost most of the
stored-record route's time. Observations marked entered-in-error are skipped.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath.models.observation import Observation, ObservationStatus
from painpath.models.questionnaire import QuestionnaireResponse


def latest_observations(
    session: Session, patient_id: int, codes: Collection[str]
) -> dict[str, Observation]:
    """{LOINC code: its newest observation} for the codes the patient has."""
    if not codes:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=Observation.loinc_code,
            order_by=(Observation.effective_at.desc(), Observation.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(Observation.id, rank)
        .where(
            Observation.patient_id == patient_id,
            Observation.loinc_code.in_(sorted(codes)),
            Observation.status != ObservationStatus.entered_in_error,
        )
        .subquery()
    )
    rows = session.scalars(
        select(Observation).join(ranked, ranked.c.id == Observation.id).where(ranked.c.rank == 1)
    )
    return {row.loinc_code: row for row in rows}


def newest(rows: Collection[Observation]) -> Observation | None:
    """The newest of several codes' newest observations."""
    return max(rows, key=lambda row: (row.effective_at, row.id), default=None)


def latest_responses(
    session: Session, patient_id: int, instruments: Collection[str]
) -> dict[str, QuestionnaireResponse]:
    """{instrument: its newest response} for the instruments the patient has answered."""
    if not instruments:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=QuestionnaireResponse.questionnaire,
            order_by=(QuestionnaireResponse.authored_at.desc(), QuestionnaireResponse.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(QuestionnaireResponse.id, rank)
        .where(
            QuestionnaireResponse.patient_id == patient_id,
            QuestionnaireResponse.questionnaire.in_(sorted(instruments)),
        )
        .subquery()
    )
    rows = session.scalars(
        select(QuestionnaireResponse)
        .join(ranked, ranked.c.id == QuestionnaireResponse.id)
        .where(ranked.c.rank == 1)
    )
    return {row.questionnaire: row for row in rows}
