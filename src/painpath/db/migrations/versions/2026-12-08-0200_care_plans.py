"""Care plans (FHIR CarePlan): one per patient, with goals, activities and scheduled sessions.

Revision ID: 5c1e7a93b2d4
Revises: 700eb3df0e85
Create Date: 2026-12-08 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1e7a93b2d4"
down_revision: str | None = "700eb3df0e85"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "care_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "active",
                "on-hold",
                "completed",
                "revoked",
                name="care_plan_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("condition", sa.String(length=60), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_care_plans_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_care_plans_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_care_plans_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plans")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_care_plans_patient_id")),
    )
    with op.batch_alter_table("care_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_plans_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "care_plan_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("therapy", sa.String(length=60), nullable=False),
        sa.Column("family", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "active",
                "completed",
                "stopped",
                name="care_activity_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "stop_reason",
            sa.Enum(
                "inadequate_response",
                "intolerance",
                "loss_of_response",
                "contraindicated",
                "patient_declined",
                "access_or_cost",
                "goals_met",
                "other",
                name="care_stop_reason",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("status_note", sa.String(length=500), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("stop_date", sa.Date(), nullable=True),
        sa.Column("schedule", sa.String(length=40), nullable=True),
        sa.Column("basis", sa.String(length=1000), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("status_changed_by", sa.Integer(), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'stopped') = (stop_reason IS NOT NULL)",
            name=op.f("ck_care_plan_activities_stopped_has_reason"),
        ),
        sa.CheckConstraint(
            "stop_date IS NULL OR start_date IS NULL OR stop_date >= start_date",
            name=op.f("ck_care_plan_activities_stop_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_care_plan_activities_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_care_plan_activities_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["care_plans.id"],
            name=op.f("fk_care_plan_activities_plan_id_care_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_changed_by"],
            ["users.id"],
            name=op.f("fk_care_plan_activities_status_changed_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plan_activities")),
    )
    with op.batch_alter_table("care_plan_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_plan_activities_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            "ix_care_plan_activities_patient_status", ["patient_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_care_plan_activities_plan_id"), ["plan_id"], unique=False
        )

    op.create_table(
        "care_plan_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("target", sa.Double(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column(
            "lifecycle_status",
            sa.Enum(
                "proposed",
                "active",
                "on-hold",
                "completed",
                "cancelled",
                name="care_goal_lifecycle",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "achievement_status",
            sa.Enum(
                "in-progress",
                "improving",
                "worsening",
                "no-change",
                "achieved",
                "not-achieved",
                "no-progress",
                name="care_goal_achievement",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("achieved_on", sa.Date(), nullable=True),
        sa.Column("latest_value", sa.Double(), nullable=True),
        sa.Column("latest_on", sa.Date(), nullable=True),
        sa.Column("progress", sa.String(length=300), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "due_date IS NULL OR due_date >= start_date",
            name=op.f("ck_care_plan_goals_due_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_care_plan_goals_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_care_plan_goals_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["care_plans.id"],
            name=op.f("fk_care_plan_goals_plan_id_care_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_care_plan_goals_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plan_goals")),
    )
    with op.batch_alter_table("care_plan_goals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_plan_goals_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            "ix_care_plan_goals_patient_lifecycle", ["patient_id", "lifecycle_status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_care_plan_goals_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "care_plan_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("scheduled_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "attended",
                "missed",
                "cancelled",
                name="care_session_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["care_plan_activities.id"],
            name=op.f("fk_care_plan_sessions_activity_id_care_plan_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_care_plan_sessions_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_care_plan_sessions_recorded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plan_sessions")),
        sa.UniqueConstraint(
            "activity_id", "sequence", name=op.f("uq_care_plan_sessions_activity_id_sequence")
        ),
    )
    with op.batch_alter_table("care_plan_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_plan_sessions_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            "ix_care_plan_sessions_patient_day", ["patient_id", "scheduled_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_care_plan_sessions_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("care_plan_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plan_sessions_patient_id"))
        batch_op.drop_index("ix_care_plan_sessions_patient_day")
        batch_op.drop_index(batch_op.f("ix_care_plan_sessions_activity_id"))

    op.drop_table("care_plan_sessions")
    with op.batch_alter_table("care_plan_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plan_goals_plan_id"))
        batch_op.drop_index("ix_care_plan_goals_patient_lifecycle")
        batch_op.drop_index(batch_op.f("ix_care_plan_goals_patient_id"))

    op.drop_table("care_plan_goals")
    with op.batch_alter_table("care_plan_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plan_activities_plan_id"))
        batch_op.drop_index("ix_care_plan_activities_patient_status")
        batch_op.drop_index(batch_op.f("ix_care_plan_activities_patient_id"))

    op.drop_table("care_plan_activities")
    with op.batch_alter_table("care_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plans_patient_id"))

    op.drop_table("care_plans")
