"""FHIR CareTeam: the clinicians and pharmacists who look after one patient."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from painpath.db.base import Base
from painpath.models.mixins import PatientOwned, Timestamps


class CareTeam(PatientOwned, Timestamps, Base):
    __tablename__ = "care_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # FHIR CareTeam.status: only an active team grants access.
    active: Mapped[bool] = mapped_column(default=True)
    participants: Mapped[list[CareTeamParticipant]] = relationship(
        back_populates="care_team", cascade="all, delete-orphan", lazy="selectin"
    )


class CareTeamParticipant(Base):
    __tablename__ = "care_team_participants"
    __table_args__ = (UniqueConstraint("care_team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    care_team_id: Mapped[int] = mapped_column(ForeignKey("care_teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    care_team: Mapped[CareTeam] = relationship(back_populates="participants")
