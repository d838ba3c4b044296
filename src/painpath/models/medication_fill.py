"""FHIR MedicationDispense, reduced to what adherence needs: a pharmacy fill of one drug.

PDC and MPR (PQA method) and the opioid early-refill check read these rows. `drug` (the primary
ingredient) and `drug_class` come from painpath's RxNorm formulary when the fill is stored.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.mixins import PatientOwned


class MedicationFill(PatientOwned, Base):
    __tablename__ = "medication_fills"
    __table_args__ = (
        UniqueConstraint("patient_id", "client_id"),
        Index("ix_medication_fills_patient_date", "patient_id", "fill_date"),
        CheckConstraint("days_supply BETWEEN 1 AND 365", name="days_supply_range"),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The prescription filled, when the pharmacy record names it.
    medication_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("medication_requests.id", ondelete="SET NULL"), index=True
    )
    rxnorm_code: Mapped[str] = mapped_column(String(16))
    # Primary ingredient, e.g. "oxycodone": PQA shifts overlapping supply per drug.
    drug: Mapped[str] = mapped_column(String(100))
    # painpath's drug class of the ingredient, e.g. "opioid", "snri": PDC is per class.
    drug_class: Mapped[str] = mapped_column(String(32))
    # The day dispensed (pharmacy dates carry no time).
    fill_date: Mapped[date]
    days_supply: Mapped[int]
    quantity: Mapped[float | None]
    # The client's (or pharmacy feed's) own id: a retried upload does not add the fill twice.
    client_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
