"""A pharmacogene result on a patient's record (from a VCF, a lab report or demo data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.mixins import PatientOwned


class GenotypeResult(PatientOwned, Base):
    __tablename__ = "genotype_results"
    __table_args__ = (UniqueConstraint("patient_id", "gene"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gene: Mapped[str] = mapped_column(String(16))
    # Star-allele diplotype (e.g. "*1/*4") or rs genotype for OPRM1/COMT (e.g. "rs1799971 A/G").
    diplotype: Mapped[str] = mapped_column(String(100))
    phenotype: Mapped[str | None] = mapped_column(String(100))
    activity_score: Mapped[float | None]
    # vcf, lab or synthetic: where the call came from.
    source: Mapped[str] = mapped_column(String(16))
    # Version of the allele and phenotype tables that produced the call.
    knowledge_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
