"""Therapies a patient has had and how each ended (care suggestions' `tried`).

Revision ID: 700eb3df0e85
Revises: d9e075cae627
Create Date: 2026-12-08 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "700eb3df0e85"
down_revision: str | None = "d9e075cae627"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "care_therapies_tried",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("therapy", sa.String(length=60), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "entered-in-error",
                name="care_therapy_tried_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sa.String(length=300), nullable=True),
        sa.Column("recorder_id", sa.Integer(), nullable=True),
        sa.Column("recorder_role", sa.String(length=16), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "weeks IS NULL OR (weeks >= 0 AND weeks <= 1040)",
            name=op.f("ck_care_therapies_tried_weeks_range"),
        ),
        sa.CheckConstraint(
            "status = 'active' OR status_reason IS NOT NULL",
            name=op.f("ck_care_therapies_tried_error_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_care_therapies_tried_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorder_id"],
            ["users.id"],
            name=op.f("fk_care_therapies_tried_recorder_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_therapies_tried")),
    )
    with op.batch_alter_table("care_therapies_tried", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_therapies_tried_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("care_therapies_tried", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_therapies_tried_patient_id"))
    op.drop_table("care_therapies_tried")
