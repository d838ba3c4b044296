"""FHIR Patient."""

from __future__ import annotations

from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base
from painpath.models.enums import AdministrativeGender, str_enum
from painpath.models.mixins import Timestamps


class Patient(Timestamps, Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Medical record number: the clinic's own identifier, unique within painpath.
    mrn: Mapped[str] = mapped_column(String(64), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date]
    gender: Mapped[AdministrativeGender] = mapped_column(
        str_enum(AdministrativeGender, "administrative_gender")
    )
    # IANA zone the patient lives in; diaries and daily aggregates use the patient's day.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(default=True)
