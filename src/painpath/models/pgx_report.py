"""A pharmacogenomic report on a patient's record: one uploaded VCF or lab-call file, interpreted.

The report JSON is the engine's versioned document (`painpath.pgx.report`, schema
painpath.pgx.report/1) exactly as computed at upload; the per-gene `GenotypeResult` rows are
replaced from it in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.enums import str_enum
from painpath.models.mixins import PatientOwned


class PgxSourceKind(StrEnum):
    """What was uploaded: a VCF/BCF file, or a lab's outside-call TSV."""

    vcf = "vcf"
    lab = "lab"


class PgxReport(PatientOwned, Base):
    __tablename__ = "pgx_reports"
    # An upload repeated with the same bytes and options finds its report through this key.
    __table_args__ = (UniqueConstraint("patient_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_kind: Mapped[PgxSourceKind] = mapped_column(str_enum(PgxSourceKind, "pgx_source_kind"))
    # The file name the client sent (None for lab calls sent as JSON).
    filename: Mapped[str | None] = mapped_column(String(255))
    # SHA-256 of the uploaded bytes, hex.
    sha256: Mapped[str] = mapped_column(String(64))
    # SHA-256 over the file digest, the options (sample, build, medicines) and knowledge version.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # The sample the report is for (the VCF column; "lab" for lab calls).
    sample_id: Mapped[str] = mapped_column(String(255))
    # GRCh37 or GRCh38 as decided for the file (None for lab calls).
    build: Mapped[str | None] = mapped_column(String(16))
    # Co-prescribed medicines given with the upload (phenoconversion), as sent.
    meds: Mapped[list[str]] = mapped_column(JSON)
    knowledge_version: Mapped[str] = mapped_column(String(64))
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
