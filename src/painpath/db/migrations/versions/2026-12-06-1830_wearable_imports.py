"""Wearable imports: the imported files, their device samples and the daily aggregates.

Revision ID: c9a1f0e2b7d4
Revises: b4e2a9c7d1f3
Create Date: 2026-12-06 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c9a1f0e2b7d4"
down_revision: str | None = "b4e2a9c7d1f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _patient_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["patient_id"],
        ["patients.id"],
        name=op.f(f"fk_{table}_patient_id_patients"),
        ondelete="CASCADE",
    )


def _import_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["import_id"],
        ["wearable_imports.id"],
        name=op.f(f"fk_{table}_import_id_wearable_imports"),
        ondelete="SET NULL",
    )


def upgrade() -> None:
    op.create_table(
        "wearable_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("importer", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "complete",
                name="wearable_import_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("samples_read", sa.Integer(), nullable=False),
        sa.Column("samples_added", sa.Integer(), nullable=False),
        sa.Column("days_summarized", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        _patient_fk("wearable_imports"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wearable_imports")),
        sa.UniqueConstraint(
            "patient_id", "file_sha256", name=op.f("uq_wearable_imports_patient_id_file_sha256")
        ),
    )
    with op.batch_alter_table("wearable_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wearable_imports_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "wearable_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=True),
        sa.Column("source_name", sa.String(length=100), nullable=False),
        sa.Column("device", sa.String(length=255), nullable=True),
        sa.Column("source_kind", sa.String(length=8), nullable=False),
        sa.Column("modality", sa.String(length=16), nullable=False),
        sa.Column("sleep_stage", sa.String(length=24), nullable=True),
        sa.Column("loinc_code", sa.String(length=16), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("end_at >= start_at", name=op.f("ck_wearable_samples_end_after_start")),
        sa.CheckConstraint(
            "modality IN ('sensed', 'self-reported')", name=op.f("ck_wearable_samples_modality")
        ),
        _import_fk("wearable_samples"),
        _patient_fk("wearable_samples"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wearable_samples")),
        sa.UniqueConstraint(
            "patient_id", "client_id", name=op.f("uq_wearable_samples_patient_id_client_id")
        ),
    )
    with op.batch_alter_table("wearable_samples", schema=None) as batch_op:
        batch_op.create_index(
            "ix_wearable_samples_patient_metric_start",
            ["patient_id", "metric", "start_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_wearable_samples_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "wearable_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("steps", sa.Double(), nullable=True),
        sa.Column("active_minutes", sa.Double(), nullable=True),
        sa.Column("active_energy_kcal", sa.Double(), nullable=True),
        sa.Column("distance_m", sa.Double(), nullable=True),
        sa.Column("sleep_minutes", sa.Double(), nullable=True),
        sa.Column("in_bed_minutes", sa.Double(), nullable=True),
        sa.Column("resting_heart_rate", sa.Double(), nullable=True),
        sa.Column("heart_rate_samples", sa.Integer(), nullable=False),
        sa.Column("step_sources", sa.JSON(), nullable=False),
        sa.Column("heart_rate_sources", sa.JSON(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        _import_fk("wearable_days"),
        _patient_fk("wearable_days"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wearable_days")),
        sa.UniqueConstraint("patient_id", "day", name=op.f("uq_wearable_days_patient_id_day")),
    )
    with op.batch_alter_table("wearable_days", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wearable_days_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("wearable_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wearable_days_patient_id"))
    op.drop_table("wearable_days")
    with op.batch_alter_table("wearable_samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wearable_samples_patient_id"))
        batch_op.drop_index("ix_wearable_samples_patient_metric_start")
    op.drop_table("wearable_samples")
    with op.batch_alter_table("wearable_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wearable_imports_patient_id"))
    op.drop_table("wearable_imports")
