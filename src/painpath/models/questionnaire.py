"""FHIR QuestionnaireResponse: the answers to one questionnaire, with its computed score."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.mixins import PatientOwned


class QuestionnaireResponse(PatientOwned, Base):
    __tablename__ = "questionnaire_responses"
    __table_args__ = (UniqueConstraint("patient_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Canonical id of the instrument, as the catalog names it, e.g. "peg", "phq-9".
    questionnaire: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="completed")
    authored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Item answers in order; None marks an unanswered item.
    answers: Mapped[list[Any]] = mapped_column(JSON)
    total_score: Mapped[float | None]
    # The scoring engine's result as JSON (instrument, version, score, band, subscales, flags…).
    score: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The assignment occurrence this response completes, when there is one.
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("questionnaire_assignments.id", ondelete="SET NULL")
    )
    occurrence: Mapped[int | None]
    client_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
