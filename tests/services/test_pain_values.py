"""The pain series the pain rule, the progress view and the pain summary read: diary entries,
NRS observations and pain questionnaires (the NRS by its score, the PEG by its first item), read
in one statement on both databases, local days in the patient's zone, and bounded to a start
day when the caller gives one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from painpath.models import (
    MedicationAdministration,
    MedicationRequest,
    Observation,
    ObservationStatus,
    PainDiaryEntry,
    Patient,
    QuestionnaireResponse,
)
from painpath.monitoring.alerts import DailyValue, PrnUse
from painpath.services.monitoring.series import pain_and_prn, pain_values, prn_uses
from tests.monitoring_api.test_sync_statements import statements
from tests.support.cohort import Cast
from tests.support.orders import as_needed_oxycodone

CHICAGO = ZoneInfo("America/Chicago")


def _diary(patient_id: int, day: date, pain: int) -> PainDiaryEntry:
    return PainDiaryEntry(
        patient_id=patient_id,
        local_date=day,
        recorded_at=datetime(day.year, day.month, day.day, 20, tzinfo=UTC),
        pain=pain,
    )


def _nrs_reading(patient_id: int, at: datetime, value: float, status: str) -> Observation:
    return Observation(
        patient_id=patient_id,
        status=ObservationStatus(status),
        category="survey",
        loinc_code="72514-3",
        display="Pain severity 0-10 verbal numeric rating",
        value=value,
        unit="{score}",
        effective_at=at,
    )


def _response(
    patient_id: int, instrument: str, at: datetime, answers: list[object], total: float | None
) -> QuestionnaireResponse:
    return QuestionnaireResponse(
        patient_id=patient_id,
        questionnaire=instrument,
        status="completed",
        authored_at=at,
        answers=answers,
        total_score=total,
    )


def test_pain_comes_from_every_source_in_one_statement_and_from_a_start_day(
    app: FastAPI, cast: Cast
) -> None:
    home, other = cast.home_patient_id, cast.foreign_patient_id
    with app.state.session_factory.begin() as session:
        session.add_all(
            [
                _diary(home, date(2026, 10, 1), 3),
                _diary(home, date(2026, 11, 20), 6),
                _diary(other, date(2026, 11, 20), 9),
                # 03:00 UTC on 21 November is 21:00 on the 20th in Chicago.
                _nrs_reading(home, datetime(2026, 11, 21, 3, tzinfo=UTC), 7.5, "final"),
                _nrs_reading(home, datetime(2026, 11, 21, 15, tzinfo=UTC), 1, "entered-in-error"),
                _response(home, "nrs", datetime(2026, 11, 22, 18, tzinfo=UTC), [4], 4),
                _response(home, "peg", datetime(2026, 11, 23, 18, tzinfo=UTC), [8, 6, 7], 7),
                _response(home, "peg", datetime(2026, 11, 24, 18, tzinfo=UTC), [None, 1, 1], 1),
                _response(home, "phq9", datetime(2026, 11, 24, 18, tzinfo=UTC), [3] * 9, 27),
            ]
        )
    with app.state.session_factory() as session, statements(app) as seen:
        patient = session.get_one(Patient, home)
        seen.clear()
        everything = pain_values(session, patient, CHICAGO)
        assert len(seen) == 1
        recent = pain_values(session, patient, CHICAGO, since=date(2026, 11, 20))
    assert sorted(everything, key=lambda v: (v.day, v.value)) == [
        DailyValue(date(2026, 10, 1), 3.0),
        DailyValue(date(2026, 11, 20), 6.0),
        DailyValue(date(2026, 11, 20), 7.5),
        DailyValue(date(2026, 11, 22), 4.0),
        DailyValue(date(2026, 11, 23), 8.0),
    ]
    assert everything[:2] in (
        [DailyValue(date(2026, 10, 1), 3.0), DailyValue(date(2026, 11, 20), 6.0)],
        [DailyValue(date(2026, 11, 20), 6.0), DailyValue(date(2026, 10, 1), 3.0)],
    ), "diary entries come first, as they did from three statements"
    assert recent == [v for v in everything if v.day >= date(2026, 11, 20)]


def _dose(patient_id: int, order_id: int, at: datetime, status: str) -> MedicationAdministration:
    return MedicationAdministration(
        patient_id=patient_id,
        medication_request_id=order_id,
        effective_at=at,
        dose_value=5,
        dose_unit="mg",
        status=status,
        as_needed=True,
    )


def test_pain_and_as_needed_doses_in_one_statement_as_read_apart(app: FastAPI, cast: Cast) -> None:
    home = cast.home_patient_id
    with app.state.session_factory.begin() as session:
        order = as_needed_oxycodone(home)
        session.add(order)
        session.flush()
        session.add_all(
            [
                _diary(home, date(2026, 11, 20), 6),
                _nrs_reading(home, datetime(2026, 11, 21, 3, tzinfo=UTC), 7.5, "final"),
                # 03:00 UTC on 21 November is the 20th in Chicago: three doses that day.
                _dose(home, order.id, datetime(2026, 11, 20, 14, tzinfo=UTC), "completed"),
                _dose(home, order.id, datetime(2026, 11, 20, 20, tzinfo=UTC), "completed"),
                _dose(home, order.id, datetime(2026, 11, 21, 3, tzinfo=UTC), "completed"),
                _dose(home, order.id, datetime(2026, 11, 21, 15, tzinfo=UTC), "not-done"),
                _dose(home, order.id, datetime(2026, 11, 1, 15, tzinfo=UTC), "completed"),
            ]
        )
    since = date(2026, 11, 10)
    with app.state.session_factory() as session, statements(app) as seen:
        patient = session.get_one(Patient, home)
        orders = [session.get_one(MedicationRequest, order.id)]
        seen.clear()
        pain, prn = pain_and_prn(
            session, patient, CHICAGO, pain_since=None, prn_since=since, orders=orders
        )
        assert len(seen) == 1
        apart = prn_uses(session, patient, CHICAGO, since, opioids_only=True, orders=orders)
        assert pain == pain_values(session, patient, CHICAGO)
    assert prn == apart
    assert prn == [
        PrnUse(drug="oxycodone", max_per_day=4, doses_per_day={date(2026, 11, 20): 3}),
    ]
