"""Therapy courses: one course per patient per therapy started, and what happens in it.

A course follows its family's workflow (`painpath.care.workflows.states`): biologic screening
then start, neurostimulation candidacy, trial, implant and programming, regenerative
contraindication review, acknowledged evidence status and injections. Outcome assessments
(baseline and follow-ups) belong to every course. States, end reasons, items and instruments
are the care engine's vocabulary, stored as strings and read back through it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.db.base import Base, UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.mixins import PatientOwned, Timestamps
from painpath.models.recorded_by import Recorded


class TherapyCourse(PatientOwned, Recorded, Timestamps, Base):
    __tablename__ = "therapy_courses"
    __table_args__ = (Index("ix_therapy_courses_patient_therapy", "patient_id", "therapy"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Care knowledge therapy id, e.g. "tnf_inhibitor", "spinal_cord_stimulation".
    therapy: Mapped[str] = mapped_column(String(60))
    # biologic | neurostimulation | regenerative | general (the workflow followed).
    family: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    # The product or device chosen, e.g. "adalimumab", "prp_leukocyte_poor".
    product: Mapped[str | None] = mapped_column(String(60))
    # Care knowledge condition id the course treats, when given.
    condition: Mapped[str | None] = mapped_column(String(60))
    # Target site, e.g. "left knee" or "lumbar radicular leg pain".
    site: Mapped[str | None] = mapped_column(String(120))
    # Start of treatment: biologic start, implant day, first injection, programme start.
    started_on: Mapped[date | None]
    # Neurostimulation: the day the trial leads went in (trial days are on or after it).
    trial_started_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(String(30))
    end_note: Mapped[str | None] = mapped_column(String(500))
    # Implanted stimulators: device, MR labelling and lead placement, recorded at implant.
    device: Mapped[str | None] = mapped_column(String(120))
    mr_labelling: Mapped[str | None] = mapped_column(String(60))
    lead_location: Mapped[str | None] = mapped_column(String(120))
    # Regenerative: who acknowledged the evidence status, when, and the exact text shown.
    status_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_acknowledged_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    status_acknowledged_text: Mapped[str | None] = mapped_column(String(2000))


class CourseOwned(PatientOwned):
    """A row of one course (patient_id repeated so the care-team gate keys on it directly)."""

    course_id: Mapped[int] = mapped_column(
        ForeignKey("therapy_courses.id", ondelete="CASCADE"), index=True
    )


class TherapyCheck(CourseOwned, Recorded, Base):
    """A checklist result: biologic screening, neurostimulation candidacy, or a regenerative
    contraindication (result "present" or "absent")."""

    __tablename__ = "therapy_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    # screening | candidacy | contraindication
    kind: Mapped[str] = mapped_column(String(20))
    item: Mapped[str] = mapped_column(String(60))
    result: Mapped[str] = mapped_column(String(80))
    # The day of the test or review (results expire after the item's validity window).
    checked_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TherapyTrialDay(CourseOwned, Recorded, Base):
    """One day of a neurostimulation trial: pain relief and function against before the trial."""

    __tablename__ = "therapy_trial_days"
    __table_args__ = (
        UniqueConstraint("course_id", "day"),
        CheckConstraint("relief_percent BETWEEN 0 AND 100", name="relief_percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    relief_percent: Mapped[float]
    # better | same | worse
    function_change: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TherapyProgram(CourseOwned, Recorded, Base):
    """A stimulator program set at a programming session, with the pain it gave."""

    __tablename__ = "therapy_programs"
    __table_args__ = (
        CheckConstraint("frequency_hz > 0", name="frequency_positive"),
        CheckConstraint("pulse_width_us > 0", name="pulse_width_positive"),
        CheckConstraint("amplitude_ma >= 0", name="amplitude_non_negative"),
        CheckConstraint(
            "pain_after IS NULL OR pain_after BETWEEN 0 AND 10", name="pain_after_0_10"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programmed_on: Mapped[date]
    name: Mapped[str] = mapped_column(String(60))
    waveform: Mapped[str] = mapped_column(String(30))
    frequency_hz: Mapped[float]
    pulse_width_us: Mapped[float]
    amplitude_ma: Mapped[float]
    # Electrode configuration, e.g. "E2+ E3- E4-".
    contacts: Mapped[str] = mapped_column(String(60))
    # in_person | remote
    mode: Mapped[str] = mapped_column(String(10))
    # Average pain (0-10) on this program, at the next review.
    pain_after: Mapped[float | None]
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TherapyInjection(CourseOwned, Recorded, Base):
    """A regenerative injection, with the preparation details NICE IPG637 asks clinics to audit."""

    __tablename__ = "therapy_injections"
    __table_args__ = (CheckConstraint("volume_ml > 0", name="volume_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    injected_on: Mapped[date]
    product: Mapped[str] = mapped_column(String(60))
    # Preparation system, kit and lot, platelet concentration: free text for the audit.
    preparation: Mapped[str | None] = mapped_column(String(200))
    volume_ml: Mapped[float]
    activation: Mapped[str] = mapped_column(String(30))
    site: Mapped[str] = mapped_column(String(120))
    guidance: Mapped[str] = mapped_column(String(20))
    adverse_events: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TherapyAssessment(CourseOwned, Recorded, Base):
    """An outcome assessment: a baseline or a follow-up on one instrument."""

    __tablename__ = "therapy_assessments"
    __table_args__ = (Index("ix_therapy_assessments_course_day", "course_id", "assessed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessed_on: Mapped[date]
    instrument: Mapped[str] = mapped_column(String(40))
    # baseline | follow_up
    timepoint: Mapped[str] = mapped_column(String(10))
    # {field: number}, validated against the instrument's bounds when stored and when read.
    values: Mapped[dict[str, float]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClinicSetting(Base):
    """A clinic-wide setting (e.g. whether an implant needs a successful trial); every change
    is audited."""

    __tablename__ = "clinic_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
