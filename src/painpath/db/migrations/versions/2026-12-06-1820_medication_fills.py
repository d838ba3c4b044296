"""Medication fills (pharmacy dispensings) for PDC/MPR and early refills, and per-patient alert
threshold overrides with a clinician-given pain baseline.

Revision ID: b4e2a9c7d1f3
Revises: 5d1c0e7a9b34
Create Date: 2026-12-06 18:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b4e2a9c7d1f3"
down_revision: str | None = "5d1c0e7a9b34"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "medication_fills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("medication_request_id", sa.Integer(), nullable=True),
        sa.Column("rxnorm_code", sa.String(length=16), nullable=False),
        sa.Column("drug", sa.String(length=100), nullable=False),
        sa.Column("drug_class", sa.String(length=32), nullable=False),
        sa.Column("fill_date", sa.Date(), nullable=False),
        sa.Column("days_supply", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=True),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "days_supply BETWEEN 1 AND 365", name=op.f("ck_medication_fills_days_supply_range")
        ),
        sa.CheckConstraint(
            "quantity IS NULL OR quantity > 0", name=op.f("ck_medication_fills_quantity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["medication_request_id"],
            ["medication_requests.id"],
            name=op.f("fk_medication_fills_medication_request_id_medication_requests"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_medication_fills_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medication_fills")),
        sa.UniqueConstraint(
            "patient_id", "client_id", name=op.f("uq_medication_fills_patient_id_client_id")
        ),
    )
    with op.batch_alter_table("medication_fills", schema=None) as batch_op:
        batch_op.create_index(
            "ix_medication_fills_patient_date", ["patient_id", "fill_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_medication_fills_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_medication_fills_medication_request_id"),
            ["medication_request_id"],
            unique=False,
        )

    op.create_table(
        "alert_threshold_overrides",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("pain_baseline", sa.Double(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_alert_threshold_overrides_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_alert_threshold_overrides_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_alert_threshold_overrides")),
    )


def downgrade() -> None:
    op.drop_table("alert_threshold_overrides")
    with op.batch_alter_table("medication_fills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_medication_fills_medication_request_id"))
        batch_op.drop_index(batch_op.f("ix_medication_fills_patient_id"))
        batch_op.drop_index("ix_medication_fills_patient_date")

    op.drop_table("medication_fills")
