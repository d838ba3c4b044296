"""PGx reports: one row per uploaded VCF or lab-call file, with the engine's report JSON.

Revision ID: 0ea58b7f825b
Revises: 58a20868138f
Create Date: 2026-11-25 12:26:13.164325
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0ea58b7f825b"
down_revision: str | None = "58a20868138f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pgx_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "source_kind",
            sa.Enum(
                "vcf",
                "lab",
                name="pgx_source_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("sample_id", sa.String(length=255), nullable=False),
        sa.Column("build", sa.String(length=16), nullable=True),
        sa.Column("meds", sa.JSON(), nullable=False),
        sa.Column("knowledge_version", sa.String(length=64), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_pgx_reports_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["users.id"],
            name=op.f("fk_pgx_reports_uploaded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pgx_reports")),
        sa.UniqueConstraint(
            "patient_id", "fingerprint", name=op.f("uq_pgx_reports_patient_id_fingerprint")
        ),
    )
    with op.batch_alter_table("pgx_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pgx_reports_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pgx_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pgx_reports_patient_id"))
    op.drop_table("pgx_reports")
