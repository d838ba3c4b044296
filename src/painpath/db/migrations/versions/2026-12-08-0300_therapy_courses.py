"""Therapy courses (biologic screening, neurostimulation trial, implant and programs,
regenerative injections, outcome assessments) and clinic settings.

Revision ID: 7c3e91a4d5b2
Revises: 5c1e7a93b2d4
Create Date: 2026-12-07 00:39:52.289997
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c3e91a4d5b2"
down_revision: str | None = "5c1e7a93b2d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clinic_settings",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["users.id"],
            name=op.f("fk_clinic_settings_changed_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_clinic_settings")),
    )
    op.create_table(
        "therapy_courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("therapy", sa.String(length=60), nullable=False),
        sa.Column("family", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("product", sa.String(length=60), nullable=True),
        sa.Column("condition", sa.String(length=60), nullable=True),
        sa.Column("site", sa.String(length=120), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("trial_started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=30), nullable=True),
        sa.Column("end_note", sa.String(length=500), nullable=True),
        sa.Column("device", sa.String(length=120), nullable=True),
        sa.Column("mr_labelling", sa.String(length=60), nullable=True),
        sa.Column("lead_location", sa.String(length=120), nullable=True),
        sa.Column("status_acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("status_acknowledged_text", sa.String(length=2000), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("recorder_role", sa.String(length=16), nullable=True),
        sa.Column("recorder_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_therapy_courses_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorder_id"],
            ["users.id"],
            name=op.f("fk_therapy_courses_recorder_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["status_acknowledged_by"],
            ["users.id"],
            name=op.f("fk_therapy_courses_status_acknowledged_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_therapy_courses")),
    )
    with op.batch_alter_table("therapy_courses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_therapy_courses_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            "ix_therapy_courses_patient_therapy", ["patient_id", "therapy"], unique=False
        )

    op.create_table(
        "therapy_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("instrument", sa.String(length=40), nullable=False),
        sa.Column("timepoint", sa.String(length=10), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("recorder_role", sa.String(length=16), nullable=True),
        sa.Column("recorder_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["therapy_courses.id"],
            name=op.f("fk_therapy_assessments_course_id_therapy_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_therapy_assessments_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorder_id"],
            ["users.id"],
            name=op.f("fk_therapy_assessments_recorder_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_therapy_assessments")),
    )
    with op.batch_alter_table("therapy_assessments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_therapy_assessments_course_day", ["course_id", "assessed_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_therapy_assessments_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_therapy_assessments_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "therapy_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("item", sa.String(length=60), nullable=False),
        sa.Column("result", sa.String(length=80), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("recorder_role", sa.String(length=16), nullable=True),
        sa.Column("recorder_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["therapy_courses.id"],
            name=op.f("fk_therapy_checks_course_id_therapy_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_therapy_checks_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorder_id"],
            ["users.id"],
            name=op.f("fk_therapy_checks_recorder_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_therapy_checks")),
    )
    with op.batch_alter_table("therapy_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_therapy_checks_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_therapy_checks_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "therapy_injections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("injected_on", sa.Date(), nullable=False),
        sa.Column("product", sa.String(length=60), nullable=False),
        sa.Column("preparation", sa.String(length=200), nullable=True),
        sa.Column("volume_ml", sa.Double(), nullable=False),
        sa.Column("activation", sa.String(length=30), nullable=False),
        sa.Column("site", sa.String(length=120), nullable=False),
        sa.Column("guidance", sa.String(length=20), nullable=False),
        sa.Column("adverse_events", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("recorder_role", sa.String(length=16), nullable=True),
        sa.Column("recorder_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("volume_ml > 0", name=op.f("ck_therapy_injections_volume_positive")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["therapy_courses.id"],
            name=op.f("fk_therapy_injections_course_id_therapy_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_therapy_injections_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorder_id"],
            ["users.id"],
            name=op.f("fk_therapy_injections_recorder_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_therapy_injections")),
    )
    with op.batch_alter_table("therapy_injections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_therapy_injections_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_therapy_injections_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "therapy_programs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programmed_on", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("waveform", sa.String(length=30), nullable=False),
        sa.Column("frequency_hz", sa.Double(), nullable=False),
        sa.Column("pulse_width_us", sa.Double(), nullable=False),
        sa.Column("amplitude_ma", sa.Double(), nullable=False),
        sa.Column("contacts", sa.String(length=60), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("pain_after", sa.Double(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("recorder_role", sa.String(length=16), nullable=True),
        sa.Column("recorder_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "amplitude_ma >= 0", name=op.f("ck_therapy_programs_amplitude_non_negative")
        ),
        sa.CheckConstraint("frequency_hz > 0", name=op.f("ck_therapy_programs_frequency_positive")),
        sa.CheckConstraint(
            "pain_after IS NULL OR pain_after BETWEEN 0 AND 10",
            name=op.f("ck_therapy_programs_pain_after_0_10"),
        ),
        sa.CheckConstraint(
            "pulse_width_us > 0", name=op.f("ck_therapy_programs_pulse_width_positive")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["therapy_courses.id"],
            name=op.f("fk_therapy_programs_course_id_therapy_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_therapy_programs_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorder_id"],
            ["users.id"],
            name=op.f("fk_therapy_programs_recorder_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_therapy_programs")),
    )
    with op.batch_alter_table("therapy_programs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_therapy_programs_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_therapy_programs_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "therapy_trial_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("relief_percent", sa.Double(), nullable=False),
        sa.Column("function_change", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("recorder_role", sa.String(length=16), nullable=True),
        sa.Column("recorder_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "relief_percent BETWEEN 0 AND 100",
            name=op.f("ck_therapy_trial_days_relief_percent_range"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["therapy_courses.id"],
            name=op.f("fk_therapy_trial_days_course_id_therapy_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_therapy_trial_days_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorder_id"],
            ["users.id"],
            name=op.f("fk_therapy_trial_days_recorder_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_therapy_trial_days")),
        sa.UniqueConstraint("course_id", "day", name=op.f("uq_therapy_trial_days_course_id_day")),
    )
    with op.batch_alter_table("therapy_trial_days", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_therapy_trial_days_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_therapy_trial_days_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("therapy_trial_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_therapy_trial_days_patient_id"))
        batch_op.drop_index(batch_op.f("ix_therapy_trial_days_course_id"))

    op.drop_table("therapy_trial_days")
    with op.batch_alter_table("therapy_programs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_therapy_programs_patient_id"))
        batch_op.drop_index(batch_op.f("ix_therapy_programs_course_id"))

    op.drop_table("therapy_programs")
    with op.batch_alter_table("therapy_injections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_therapy_injections_patient_id"))
        batch_op.drop_index(batch_op.f("ix_therapy_injections_course_id"))

    op.drop_table("therapy_injections")
    with op.batch_alter_table("therapy_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_therapy_checks_patient_id"))
        batch_op.drop_index(batch_op.f("ix_therapy_checks_course_id"))

    op.drop_table("therapy_checks")
    with op.batch_alter_table("therapy_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_therapy_assessments_patient_id"))
        batch_op.drop_index(batch_op.f("ix_therapy_assessments_course_id"))
        batch_op.drop_index("ix_therapy_assessments_course_day")

    op.drop_table("therapy_assessments")
    with op.batch_alter_table("therapy_courses", schema=None) as batch_op:
        batch_op.drop_index("ix_therapy_courses_patient_therapy")
        batch_op.drop_index(batch_op.f("ix_therapy_courses_patient_id"))

    op.drop_table("therapy_courses")
    op.drop_table("clinic_settings")
