"""CDS Hooks: cards issued (briefly kept), feedback from the EHR, and alert snoozes.

Revision ID: 96caed8c65f6
Revises: 0ea58b7f825b
Create Date: 2026-11-25 12:55:13.241025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "96caed8c65f6"
down_revision: str | None = "0ea58b7f825b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cds_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_uuid", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("accepted_suggestions", sa.JSON(), nullable=False),
        sa.Column("override_reason_system", sa.String(length=255), nullable=True),
        sa.Column("override_reason_code", sa.String(length=64), nullable=True),
        sa.Column("user_comment", sa.String(length=1000), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alert_code", sa.String(length=64), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_cds_feedback_patient_id_patients"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cds_feedback")),
    )
    with op.batch_alter_table("cds_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cds_feedback_card_uuid"), ["card_uuid"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cds_feedback_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "cds_issued_cards",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("alert_code", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("ehr_patient_id", sa.String(length=128), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_cds_issued_cards_patient_id_patients"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_cds_issued_cards")),
    )
    with op.batch_alter_table("cds_issued_cards", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cds_issued_cards_issued_at"), ["issued_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cds_issued_cards_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "cds_snoozes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("ehr_patient_id", sa.String(length=128), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("alert_code", sa.String(length=64), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=True),
        sa.Column("feedback_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["cds_feedback.id"],
            name=op.f("fk_cds_snoozes_feedback_id_cds_feedback"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_cds_snoozes_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cds_snoozes")),
    )
    with op.batch_alter_table("cds_snoozes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cds_snoozes_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(
            "ix_cds_snoozes_patient_code", ["issuer", "ehr_patient_id", "alert_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cds_snoozes_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cds_snoozes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cds_snoozes_patient_id"))
        batch_op.drop_index("ix_cds_snoozes_patient_code")
        batch_op.drop_index(batch_op.f("ix_cds_snoozes_expires_at"))

    op.drop_table("cds_snoozes")
    with op.batch_alter_table("cds_issued_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cds_issued_cards_patient_id"))
        batch_op.drop_index(batch_op.f("ix_cds_issued_cards_issued_at"))

    op.drop_table("cds_issued_cards")
    with op.batch_alter_table("cds_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cds_feedback_patient_id"))
        batch_op.drop_index(batch_op.f("ix_cds_feedback_card_uuid"))

    op.drop_table("cds_feedback")
