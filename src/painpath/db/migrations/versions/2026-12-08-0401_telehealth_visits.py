"""Telehealth: clinician availability (weekly templates, exceptions), visits with one live visit
per clinician and start, account time zones, and visit minutes in the monitoring ledger.

Revision ID: c41f0e7a9b25
Revises: 86f54f24493f
Create Date: 2026-12-08 04:01:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c41f0e7a9b25"
down_revision: str | None = "86f54f24493f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "availability_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "unavailable",
                "available",
                name="availability_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "slot_minutes BETWEEN 5 AND 240",
            name=op.f("ck_availability_exceptions_slot_minutes_range"),
        ),
        sa.CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute",
            name=op.f("ck_availability_exceptions_window"),
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["users.id"],
            name=op.f("fk_availability_exceptions_clinician_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_exceptions")),
    )
    with op.batch_alter_table("availability_exceptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_availability_exceptions_clinician_day", ["clinician_id", "day"], unique=False
        )

    op.create_table(
        "availability_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "slot_minutes BETWEEN 5 AND 240",
            name=op.f("ck_availability_templates_slot_minutes_range"),
        ),
        sa.CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute",
            name=op.f("ck_availability_templates_window"),
        ),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_availability_templates_weekday_range")
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["users.id"],
            name=op.f("fk_availability_templates_clinician_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_templates")),
    )
    with op.batch_alter_table("availability_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_availability_templates_clinician_id"), ["clinician_id"], unique=False
        )

    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "booked",
                "completed",
                "cancelled",
                name="visit_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("room", sa.String(length=64), nullable=False),
        sa.Column("calendar_uid", sa.String(length=128), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("booked_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("subjective", sa.Text(), nullable=True),
        sa.Column("objective", sa.Text(), nullable=True),
        sa.Column("assessment", sa.Text(), nullable=True),
        sa.Column("plan", sa.Text(), nullable=True),
        sa.Column("note_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "minutes IS NULL OR minutes BETWEEN 1 AND 600", name=op.f("ck_visits_minutes_range")
        ),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_visits_sequence_not_negative")),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_visits_interval")),
        sa.ForeignKeyConstraint(
            ["booked_by_id"],
            ["users.id"],
            name=op.f("fk_visits_booked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"],
            ["users.id"],
            name=op.f("fk_visits_cancelled_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["users.id"],
            name=op.f("fk_visits_clinician_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_visits_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        sa.UniqueConstraint("calendar_uid", name=op.f("uq_visits_calendar_uid")),
        sa.UniqueConstraint("room", name=op.f("uq_visits_room")),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visits_clinician_start", ["clinician_id", "starts_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_visits_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(
            "uq_visits_clinician_live_start",
            ["clinician_id", "starts_at"],
            unique=True,
            sqlite_where=sa.text("status <> 'cancelled'"),
            postgresql_where=sa.text("status <> 'cancelled'"),
        )

    with op.batch_alter_table("clinician_time_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visit_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_clinician_time_entries_visit_id"), ["visit_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_clinician_time_entries_visit_id_visits"),
            "visits",
            ["visit_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("time_zone")

    with op.batch_alter_table("clinician_time_entries", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_clinician_time_entries_visit_id_visits"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_clinician_time_entries_visit_id"), type_="unique")
        batch_op.drop_column("visit_id")

    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_visits_clinician_live_start",
            sqlite_where=sa.text("status <> 'cancelled'"),
            postgresql_where=sa.text("status <> 'cancelled'"),
        )
        batch_op.drop_index(batch_op.f("ix_visits_patient_id"))
        batch_op.drop_index("ix_visits_clinician_start")

    op.drop_table("visits")
    with op.batch_alter_table("availability_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_availability_templates_clinician_id"))

    op.drop_table("availability_templates")
    with op.batch_alter_table("availability_exceptions", schema=None) as batch_op:
        batch_op.drop_index("ix_availability_exceptions_clinician_day")

    op.drop_table("availability_exceptions")
