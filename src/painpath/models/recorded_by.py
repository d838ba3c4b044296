"""Who entered a clinical record: the user (FHIR `recorder`) and the role they held then.

The role is stored with the row, not looked up: it says whether a value came from the
patient or from staff as it was at entry, whatever the account becomes later. Rows from
before painpath kept this (observations) have neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


@dataclass(frozen=True, slots=True)
class RecordedBy:
    user_id: int | None
    role: str


class Recorded:
    """Mixin: `recorder_id` and `recorder_role`, read together as `recorded_by`."""

    @declared_attr
    def recorder_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    # patient, clinician, pharmacist or admin (painpath.models.enums.Role), at entry time.
    recorder_role: Mapped[str | None] = mapped_column(String(16))

    @property
    def recorded_by(self) -> RecordedBy | None:
        if self.recorder_role is None:
            return None
        return RecordedBy(user_id=self.recorder_id, role=self.recorder_role)
