"""FHIR Condition, coded in ICD-10-CM or SNOMED CT."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base
from painpath.models.enums import str_enum
from painpath.models.mixins import PatientOwned, Timestamps
from painpath.models.recorded_by import Recorded


class ConditionCodeSystem(StrEnum):
    icd10cm = "http://hl7.org/fhir/sid/icd-10-cm"
    snomed = "http://snomed.info/sct"


class ConditionStatus(StrEnum):
    """FHIR condition-clinical."""

    active = "active"
    recurrence = "recurrence"
    relapse = "relapse"
    inactive = "inactive"
    remission = "remission"
    resolved = "resolved"


class Condition(PatientOwned, Recorded, Timestamps, Base):
    __tablename__ = "conditions"
    __table_args__ = (
        CheckConstraint(
            "abatement_date IS NULL OR onset_date IS NULL OR abatement_date >= onset_date",
            name="abatement_after_onset",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code_system: Mapped[ConditionCodeSystem] = mapped_column(
        str_enum(ConditionCodeSystem, "condition_code_system")
    )
    code: Mapped[str] = mapped_column(String(32))
    display: Mapped[str] = mapped_column(String(300))
    clinical_status: Mapped[ConditionStatus] = mapped_column(
        str_enum(ConditionStatus, "condition_clinical_status")
    )
    onset_date: Mapped[date | None]
    abatement_date: Mapped[date | None]
