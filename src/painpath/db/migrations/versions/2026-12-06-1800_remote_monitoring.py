"""Remote monitoring: pain diary, questionnaire schedules, alerts, clinician time, mobile sync.

Also extends dose logs (PRN flag, reason not taken), observations (acquisition modality) and
questionnaire responses (the engine's score JSON, the assignment occurrence they complete).

Revision ID: 5d1c0e7a9b34
Revises: 96caed8c65f6
Create Date: 2026-12-06 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1c0e7a9b34"
down_revision: str | None = "96caed8c65f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pain_diary_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pain", sa.Integer(), nullable=False),
        sa.Column("body_regions", sa.JSON(), nullable=False),
        sa.Column("qualities", sa.JSON(), nullable=False),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("sleep_hours", sa.Double(), nullable=True),
        sa.Column("sleep_quality", sa.Integer(), nullable=True),
        sa.Column("mood", sa.Integer(), nullable=True),
        sa.Column("notes", sa.String(length=1000), nullable=True),
        sa.Column("client_id", sa.String(length=128), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "mood IS NULL OR mood BETWEEN 0 AND 10", name=op.f("ck_pain_diary_entries_mood_0_10")
        ),
        sa.CheckConstraint("pain BETWEEN 0 AND 10", name=op.f("ck_pain_diary_entries_pain_0_10")),
        sa.CheckConstraint(
            "sleep_hours IS NULL OR sleep_hours BETWEEN 0 AND 24",
            name=op.f("ck_pain_diary_entries_sleep_hours"),
        ),
        sa.CheckConstraint(
            "sleep_quality IS NULL OR sleep_quality BETWEEN 0 AND 10",
            name=op.f("ck_pain_diary_entries_sleep_quality_0_10"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_pain_diary_entries_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pain_diary_entries")),
        sa.UniqueConstraint(
            "patient_id", "client_id", name=op.f("uq_pain_diary_entries_patient_id_client_id")
        ),
    )
    with op.batch_alter_table("pain_diary_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pain_diary_entries_patient_day", ["patient_id", "local_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pain_diary_entries_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "sync_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_sync_changes_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_changes")),
        sa.UniqueConstraint("patient_id", "seq", name=op.f("uq_sync_changes_patient_id_seq")),
    )
    with op.batch_alter_table("sync_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_changes_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "sync_sequences",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_sync_sequences_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_sync_sequences")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column(
            "severity",
            sa.Enum(
                "urgent",
                "high",
                "moderate",
                "info",
                name="alert_severity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("active_key", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("message", sa.String(length=2000), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=True),
        sa.Column("window_end", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "acknowledged",
                "resolved",
                name="alert_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("resolution_note", sa.String(length=1000), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"],
            ["users.id"],
            name=op.f("fk_alerts_acknowledged_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_alerts_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"],
            ["users.id"],
            name=op.f("fk_alerts_resolved_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint(
            "patient_id", "active_key", name=op.f("uq_alerts_patient_id_active_key")
        ),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index("ix_alerts_patient_status", ["patient_id", "status"], unique=False)

    op.create_table(
        "clinician_time_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("interactive", sa.Boolean(), nullable=False),
        sa.Column(
            "program",
            sa.Enum(
                "RPM",
                "RTM-MSK",
                name="monitoring_program",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "minutes BETWEEN 1 AND 600", name=op.f("ck_clinician_time_entries_minutes_range")
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["users.id"],
            name=op.f("fk_clinician_time_entries_clinician_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_clinician_time_entries_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinician_time_entries")),
    )
    with op.batch_alter_table("clinician_time_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clinician_time_entries_clinician_id"), ["clinician_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_clinician_time_entries_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            "ix_clinician_time_entries_patient_start", ["patient_id", "started_at"], unique=False
        )

    op.create_table(
        "questionnaire_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(length=64), nullable=False),
        sa.Column(
            "recurrence",
            sa.Enum(
                "once",
                "daily",
                "weekly",
                "every-n-days",
                name="recurrence",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_minutes", sa.Integer(), nullable=False),
        sa.Column("reminder_minutes", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("assigned_by", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_at IS NULL OR ends_at > starts_at",
            name=op.f("ck_questionnaire_assignments_ends_after_start"),
        ),
        sa.CheckConstraint(
            "interval_days >= 1", name=op.f("ck_questionnaire_assignments_interval_positive")
        ),
        sa.CheckConstraint(
            "window_minutes >= 1", name=op.f("ck_questionnaire_assignments_window_positive")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by"],
            ["users.id"],
            name=op.f("fk_questionnaire_assignments_assigned_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_questionnaire_assignments_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_assignments")),
    )
    with op.batch_alter_table("questionnaire_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questionnaire_assignments_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "sync_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_sync_batches_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sync_batches_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_batches")),
        sa.UniqueConstraint(
            "patient_id", "batch_id", name=op.f("uq_sync_batches_patient_id_batch_id")
        ),
    )
    with op.batch_alter_table("sync_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_batches_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "questionnaire_occurrence_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column(
            "event",
            sa.Enum(
                "scheduled",
                "delivered",
                "opened",
                "snoozed",
                "completed",
                "missed",
                name="occurrence_event",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snooze_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["questionnaire_assignments.id"],
            name=op.f("fk_questionnaire_occurrence_log_assignment_id_questionnaire_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_questionnaire_occurrence_log_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["questionnaire_responses.id"],
            name=op.f("fk_questionnaire_occurrence_log_response_id_questionnaire_responses"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_questionnaire_occurrence_log_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_occurrence_log")),
    )
    with op.batch_alter_table("questionnaire_occurrence_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_questionnaire_occurrence_log_occurrence",
            ["assignment_id", "occurrence"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_questionnaire_occurrence_log_patient_id"), ["patient_id"], unique=False
        )

    with op.batch_alter_table("medication_administrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("as_needed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("reason_not_taken", sa.String(length=200), nullable=True))

    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("modality", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_observations_modality"),
            "modality IS NULL OR modality IN ('sensed', 'self-reported')",
        )

    with op.batch_alter_table("questionnaire_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("score", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("assignment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("occurrence", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_questionnaire_responses_assignment_id_questionnaire_assignments"),
            "questionnaire_assignments",
            ["assignment_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("questionnaire_responses", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_questionnaire_responses_assignment_id_questionnaire_assignments"),
            type_="foreignkey",
        )
        batch_op.drop_column("occurrence")
        batch_op.drop_column("assignment_id")
        batch_op.drop_column("score")

    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_observations_modality"), type_="check")
        batch_op.drop_column("modality")

    with op.batch_alter_table("medication_administrations", schema=None) as batch_op:
        batch_op.drop_column("reason_not_taken")
        batch_op.drop_column("as_needed")

    with op.batch_alter_table("questionnaire_occurrence_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaire_occurrence_log_patient_id"))
        batch_op.drop_index("ix_questionnaire_occurrence_log_occurrence")

    op.drop_table("questionnaire_occurrence_log")
    with op.batch_alter_table("sync_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_batches_patient_id"))

    op.drop_table("sync_batches")
    with op.batch_alter_table("questionnaire_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaire_assignments_patient_id"))

    op.drop_table("questionnaire_assignments")
    with op.batch_alter_table("clinician_time_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_clinician_time_entries_patient_start")
        batch_op.drop_index(batch_op.f("ix_clinician_time_entries_patient_id"))
        batch_op.drop_index(batch_op.f("ix_clinician_time_entries_clinician_id"))

    op.drop_table("clinician_time_entries")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_patient_status")
        batch_op.drop_index(batch_op.f("ix_alerts_patient_id"))

    op.drop_table("alerts")
    op.drop_table("sync_sequences")
    with op.batch_alter_table("sync_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_changes_patient_id"))

    op.drop_table("sync_changes")
    with op.batch_alter_table("pain_diary_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pain_diary_entries_patient_id"))
        batch_op.drop_index("ix_pain_diary_entries_patient_day")

    op.drop_table("pain_diary_entries")
