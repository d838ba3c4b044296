"""Demo therapy courses for the first demo patients, one per workflow family, with dates
relative to the cohort's `as_of` day: a PRP series (status acknowledged, contraindications
reviewed, three injections, WOMAC baseline and 3-month follow-up), a spinal cord stimulator
(candidacy, a 5-day trial reaching >= 50 % relief, implant, two programs), a TNF inhibitor
waiting in screening (the start gate still refuses it), a CGRP antibody under way, and a
duloxetine course that ended with an inadequate response (it feeds 'therapies tried').
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from painpath.care.workflows.regenerative import status_notice
from painpath.models.enums import Role
from painpath.models.therapy_course import (
    TherapyAssessment,
    TherapyCheck,
    TherapyCourse,
    TherapyInjection,
    TherapyProgram,
    TherapyTrialDay,
)

CANDIDACY = {
    "psychological_evaluation": "suitable",
    "imaging": "reviewed_no_contraindication",
    "mri_conditional_labelling": "full_body_conditional_chosen",
    "anticoagulant_hold_plan": "hold_plan_documented",
    "infection": "none",
}
PRP_REVIEW = {
    "platelet_dysfunction": "absent",
    "septicaemia_or_site_infection": "absent",
    "haemodynamic_instability": "absent",
    "recent_steroid": "absent",
    "nsaid_use": "present",
    "anticoagulant_use": "absent",
    "low_haemoglobin_or_platelets": "absent",
    "active_cancer": "absent",
    "pregnancy": "absent",
}


def seed_therapies(session: Session, teams: Sequence[tuple[int, int]], *, as_of: date) -> int:
    """Seed courses for the first patients: `teams` is (patient id, clinician id) in cohort
    order. Returns the number of courses written."""
    written = 0
    for index, (patient_id, clinician_id) in enumerate(teams[:3]):
        by = {"recorder_id": clinician_id, "recorder_role": Role.clinician.value}
        seeders = (_prp_and_scs, _biologics, _tried)[index]
        written += seeders(session, patient_id, by, as_of)
    session.flush()
    return written


def _course(session: Session, patient_id: int, by: dict[str, Any], **fields: Any) -> TherapyCourse:
    course = TherapyCourse(patient_id=patient_id, **fields, **by)
    session.add(course)
    session.flush()
    return course


def _checks(
    session: Session,
    course: TherapyCourse,
    by: dict[str, Any],
    kind: str,
    results: dict[str, str],
    on: date,
) -> None:
    session.add_all(
        TherapyCheck(
            patient_id=course.patient_id,
            course_id=course.id,
            kind=kind,
            item=item,
            result=result,
            checked_on=on,
            **by,
        )
        for item, result in results.items()
    )


def _assess(
    session: Session,
    course: TherapyCourse,
    by: dict[str, Any],
    instrument: str,
    rows: Sequence[tuple[date, str, dict[str, float]]],
) -> None:
    session.add_all(
        TherapyAssessment(
            patient_id=course.patient_id,
            course_id=course.id,
            assessed_on=on,
            instrument=instrument,
            timepoint=timepoint,
            values=values,
            **by,
        )
        for on, timepoint, values in rows
    )


def _prp_and_scs(session: Session, patient_id: int, by: dict[str, Any], today: date) -> int:
    first = today - timedelta(days=100)
    prp = _course(
        session,
        patient_id,
        by,
        therapy="prp_injection",
        family="regenerative",
        state="injections",
        product="prp_leukocyte_poor",
        condition="knee_osteoarthritis",
        site="left knee",
        started_on=first,
        status_acknowledged_at=datetime.combine(first - timedelta(days=1), time(15), UTC),
        status_acknowledged_by=by["recorder_id"],
        status_acknowledged_text=status_notice("prp_injection").text,
    )
    _checks(session, prp, by, "contraindication", PRP_REVIEW, first - timedelta(days=1))
    session.add_all(
        TherapyInjection(
            patient_id=patient_id,
            course_id=prp.id,
            injected_on=first + timedelta(weeks=week),
            product="prp_leukocyte_poor",
            preparation="synthetic kit, lot DEMO-1, 4x platelets",
            volume_ml=4,
            activation="none",
            site="left knee",
            guidance="ultrasound",
            **by,
        )
        for week in (0, 1, 2)
    )
    _assess(
        session,
        prp,
        by,
        "womac",
        [
            (
                first - timedelta(days=1),
                "baseline",
                {"pain": 62, "function": 58, "patient_global": 60},
            ),
            (
                first + timedelta(weeks=13),
                "follow_up",
                {"pain": 38, "function": 41, "patient_global": 35},
            ),
        ],
    )

    trial = today - timedelta(days=70)
    scs = _course(
        session,
        patient_id,
        by,
        therapy="spinal_cord_stimulation",
        family="neurostimulation",
        state="implanted",
        condition="persistent_spinal_pain_syndrome",
        site="lumbar radicular leg pain",
        trial_started_on=trial,
        started_on=trial + timedelta(days=21),
        device="Synthetic Neuro IPG-10 (rechargeable)",
        mr_labelling="mr_conditional_full_body",
        lead_location="T9-T10 midline",
    )
    _checks(session, scs, by, "candidacy", CANDIDACY, trial - timedelta(days=10))
    session.add_all(
        TherapyTrialDay(
            patient_id=patient_id,
            course_id=scs.id,
            day=trial + timedelta(days=n),
            relief_percent=relief,
            function_change="better" if relief >= 50 else "same",
            **by,
        )
        for n, relief in enumerate((35, 50, 60, 65, 70))
    )
    implanted = trial + timedelta(days=21)
    session.add_all(
        [
            TherapyProgram(
                patient_id=patient_id,
                course_id=scs.id,
                programmed_on=implanted + timedelta(days=1),
                name="P1 tonic",
                waveform="tonic",
                frequency_hz=50,
                pulse_width_us=300,
                amplitude_ma=3.2,
                contacts="E2+ E3- E4-",
                mode="in_person",
                pain_after=4.5,
                **by,
            ),
            TherapyProgram(
                patient_id=patient_id,
                course_id=scs.id,
                programmed_on=implanted + timedelta(days=29),
                name="P2 10 kHz",
                waveform="high_frequency_10khz",
                frequency_hz=10000,
                pulse_width_us=30,
                amplitude_ma=2.0,
                contacts="E3+ E4-",
                mode="remote",
                pain_after=3,
                **by,
            ),
        ]
    )
    _assess(
        session,
        scs,
        by,
        "scs_relief",
        [
            (trial - timedelta(days=10), "baseline", {"pain": 7.5}),
            (implanted + timedelta(weeks=4), "follow_up", {"pain": 3.0}),
        ],
    )
    return 2


def _biologics(session: Session, patient_id: int, by: dict[str, Any], today: date) -> int:
    tnf = _course(
        session,
        patient_id,
        by,
        therapy="tnf_inhibitor",
        family="biologic",
        state="screening",
        product="adalimumab",
        condition="rheumatoid_arthritis",
    )
    _checks(
        session,
        tnf,
        by,
        "screening",
        {
            "hepatitis_b_surface_antigen": "negative",
            "hepatitis_b_core_antibody": "negative",
            "hepatitis_c_antibody": "negative",
            "active_infection": "none",
        },
        today - timedelta(days=7),
    )
    started = today - timedelta(days=120)
    cgrp = _course(
        session,
        patient_id,
        by,
        therapy="cgrp_monoclonal_antibody",
        family="biologic",
        state="active",
        product="galcanezumab",
        condition="chronic_migraine",
        started_on=started,
    )
    _checks(
        session,
        cgrp,
        by,
        "screening",
        {
            "pregnancy": "not_pregnant_not_planning",
            "cardiovascular_disease": "none",
        },
        started - timedelta(days=5),
    )
    _assess(
        session,
        cgrp,
        by,
        "monthly_migraine_days",
        [
            (started - timedelta(days=3), "baseline", {"migraine_days": 16}),
            (started + timedelta(weeks=12), "follow_up", {"migraine_days": 7}),
        ],
    )
    return 2


def _tried(session: Session, patient_id: int, by: dict[str, Any], today: date) -> int:
    start = today - timedelta(days=200)
    duloxetine = _course(
        session,
        patient_id,
        by,
        therapy="duloxetine",
        family="general",
        state="ended",
        started_on=start,
        ended_on=start + timedelta(weeks=12),
        end_reason="inadequate_response",
        end_note="Pain NRS 7 -> 6 after 12 weeks at 60 mg",
    )
    _assess(
        session,
        duloxetine,
        by,
        "pain_nrs",
        [
            (start, "baseline", {"pain": 7}),
            (start + timedelta(weeks=12), "follow_up", {"pain": 6}),
        ],
    )
    return 1
