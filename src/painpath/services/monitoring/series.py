"""A patient's stored monitoring data as daily series on the patient's local days, for the alert
snapshot: pain, steps, questionnaire results, as-needed opioid use, and when data last came.

Pain per day comes from three places, all on the 0-10 NRS: pain-diary entries (their
`local_date`), NRS observations (LOINC 72514-3, on the local day of `effective_at`) and
questionnaire responses — the NRS score, and the PEG's pain item (item 1, "average pain in the
past week"; the PEG total mixes in interference, so it is not used). When several fall on one
day the day's value is their mean (`PatientSnapshot.daily_pain`).

Steps per day (LOINC 41950-7, steps in 24 hours): the wearable importer's daily aggregate
(`client_id` `daily:41950-7:YYYY-MM-DD`, or `daily:steps:YYYY-MM-DD`) when the day has one,
else the largest synced 41950-7 value of the day (each is a day total, so phone and watch are
not added up).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Date,
    Float,
    Integer,
    String,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from painpath.db.base import UTCDateTime
from painpath.kit.clock import EARLIEST_DATE, as_utc, in_range
from painpath.models.medication import MedicationAdministration, MedicationRequest
from painpath.models.observation import Observation, ObservationStatus
from painpath.models.pain_diary import PainDiaryEntry
from painpath.models.patient import Patient
from painpath.models.questionnaire import QuestionnaireResponse
from painpath.models.questionnaire_schedule import QuestionnaireAssignment
from painpath.monitoring.alerts import DailyValue, PrnUse, QuestionnaireResult
from painpath.monitoring.dosing import TimingError
from painpath.services.monitoring.regimen import COUNTED_STATUSES, max_per_day
from painpath.terminology import DrugClass, lookup_rxnorm

PAIN_NRS_LOINC = "72514-3"
STEPS_LOINC = "41950-7"
PAIN_INSTRUMENTS = {"nrs": "score", "peg": "item1"}
_DAILY_STEPS = re.compile(r"^daily:(?:steps|41950-7):(\d{4}-\d{2}-\d{2})$")
_VALID = Observation.status != ObservationStatus.entered_in_error


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return as_utc(moment).astimezone(zone).date()


def _day_of(moment: datetime, zone: ZoneInfo) -> date | None:
    """The local day of a stored instant; None outside the accepted date range (a row written
    past validation is left out of the series rather than overflowing a date computation)."""
    instant = as_utc(moment)
    return instant.astimezone(zone).date() if in_range(instant.date()) else None


def local_start(day: date, zone: ZoneInfo) -> datetime:
    """The instant the local day begins, for querying UTC columns."""
    return datetime.combine(day, time(0), tzinfo=zone)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


#: The statements' parameters: the patient, and the day and instant a series starts from.
_PATIENT: BindParameter[int] = bindparam("patient_id", type_=Integer)
_SINCE_DAY: BindParameter[date] = bindparam("since_day", type_=Date)
_SINCE_START: BindParameter[datetime] = bindparam("since_start", type_=UTCDateTime)
_PRN_START: BindParameter[datetime] = bindparam("prn_start", type_=UTCDateTime)
_ORDER_IDS: BindParameter[list[int]] = bindparam("order_ids", expanding=True)


#: The pain statements' rows: source, day, instant, value, instrument, answers.
_PainRows = CompoundSelect[str, date | None, datetime | None, float | None, str | None, Any]


def _pain_statement(bounded: bool) -> _PainRows:
    """The patient's pain values from the diary, NRS observations and pain questionnaires, as
    one statement (was three): `source`, the diary's day, the instant, the value, the
    questionnaire's answers (the PEG's first item is its pain score). `bounded`: only from
    `since_day` (its local start `since_start`) on. Parameter `patient_id`."""
    diary = select(
        literal_column("'diary'", String).label("source"),
        PainDiaryEntry.local_date.label("day"),
        cast(null(), UTCDateTime).label("at"),
        cast(PainDiaryEntry.pain, Float).label("value"),
        cast(null(), String).label("instrument"),
        cast(null(), JSON).label("answers"),
    ).where(PainDiaryEntry.patient_id == _PATIENT)
    observations = select(
        literal_column("'observation'", String),
        cast(null(), Date),
        Observation.effective_at,
        Observation.value,
        cast(null(), String),
        cast(null(), JSON),
    ).where(
        Observation.patient_id == _PATIENT,
        Observation.loinc_code == PAIN_NRS_LOINC,
        Observation.value.is_not(None),
        _VALID,
    )
    responses = select(
        literal_column("'questionnaire'", String),
        cast(null(), Date),
        QuestionnaireResponse.authored_at,
        QuestionnaireResponse.total_score,
        QuestionnaireResponse.questionnaire,
        QuestionnaireResponse.answers,
    ).where(
        QuestionnaireResponse.patient_id == _PATIENT,
        QuestionnaireResponse.questionnaire.in_(PAIN_INSTRUMENTS),
        QuestionnaireResponse.status == "completed",
    )
    if bounded:
        diary = diary.where(PainDiaryEntry.local_date >= _SINCE_DAY)
        observations = observations.where(Observation.effective_at >= _SINCE_START)
        responses = responses.where(QuestionnaireResponse.authored_at >= _SINCE_START)
    return union_all(diary, observations, responses)


def _counted_doses() -> tuple[ColumnElement[bool], ...]:
    """The as-needed doses taken under the counted orders (`order_ids`), from `prn_start` on."""
    return (
        MedicationAdministration.patient_id == _PATIENT,
        MedicationAdministration.medication_request_id.in_(_ORDER_IDS),
        MedicationAdministration.as_needed.is_(True),
        MedicationAdministration.status == "completed",
        MedicationAdministration.effective_at >= _PRN_START,
    )


#: Built once each (issue 15: building a statement and computing its cache key cost more than
#: running it); the values go in as parameters (`_pain_params`, `_dose_params`).
_PAIN = {bounded: _pain_statement(bounded) for bounded in (False, True)}
_DOSES = select(
    MedicationAdministration.medication_request_id, MedicationAdministration.effective_at
).where(*_counted_doses())
#: `pain_and_prn`: the doses ride in the pain series' UNION ALL as source "dose", the
#: prescription id in `value` and the dose's time in `at`.
_PAIN_AND_DOSES: dict[bool, _PainRows] = {
    bounded: union_all(
        *_PAIN[bounded].selects,
        select(
            literal_column("'dose'", String),
            cast(null(), Date),
            MedicationAdministration.effective_at,
            cast(MedicationAdministration.medication_request_id, Float),
            cast(null(), String),
            cast(null(), JSON),
        ).where(*_counted_doses()),
    )
    for bounded in (False, True)
}


def _pain_params(patient_id: int, since: date | None, zone: ZoneInfo) -> dict[str, object]:
    if since is None:
        return {"patient_id": patient_id}
    return {"patient_id": patient_id, "since_day": since, "since_start": local_start(since, zone)}


def _dose_params(limits: _PrnLimits, since: date, zone: ZoneInfo) -> dict[str, object]:
    return {"order_ids": list(limits.drug_of), "prn_start": local_start(since, zone)}


def _questionnaire_pain(instrument: str, total: object, answers: object) -> float | None:
    if PAIN_INSTRUMENTS[instrument] == "score":
        return _number(total)
    if isinstance(answers, list) and answers:
        return _number(answers[0])
    return None


def pain_values(
    session: Session, patient: Patient, zone: ZoneInfo, since: date | None = None
) -> list[DailyValue]:
    """Every pain value on record (the baseline may be the first diary week, however old), or
    those from the local day `since` on: diary entries, then observations, then questionnaires."""
    rows = session.execute(_PAIN[since is not None], _pain_params(patient.id, since, zone))
    return _pain_from(rows, zone)


def _pain_from(rows: Iterable[Sequence[Any]], zone: ZoneInfo) -> list[DailyValue]:
    """The pain values of `_pain_rows`' rows (rows of another source are not read here)."""
    by_source: dict[str, list[DailyValue]] = {"diary": [], "observation": [], "questionnaire": []}
    for source, day, at, value, instrument, answers in rows:
        if source == "diary":
            found = day if in_range(day) else None
        elif source == "observation":
            found = None if value is None else _day_of(at, zone)
        elif source == "questionnaire":
            value = _questionnaire_pain(instrument, value, answers)
            found = None if value is None else _day_of(at, zone)
        else:
            continue
        if found is not None:
            by_source[source].append(DailyValue(found, float(value)))
    return [value for values in by_source.values() for value in values]


def _aggregate_day(text: str) -> date | None:
    """The day an aggregate's client id names; None for one that only looks like a day."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if in_range(day) else None


def step_values(
    session: Session, patient: Patient, zone: ZoneInfo, since: date
) -> list[DailyValue]:
    rows = session.execute(
        select(Observation.effective_at, Observation.value, Observation.client_id).where(
            Observation.patient_id == patient.id,
            Observation.loinc_code == STEPS_LOINC,
            Observation.effective_at >= local_start(since - timedelta(days=1), zone),
            Observation.value.is_not(None),
            _VALID,
        )
    )
    aggregates: dict[date, float] = {}
    synced: dict[date, float] = {}
    for effective_at, value, client_id in rows:
        if value is None:
            continue
        named = _DAILY_STEPS.match(client_id or "")
        if named:
            if (day := _aggregate_day(named.group(1))) is not None:
                aggregates[day] = float(value)
            continue
        day = _day_of(effective_at, zone)
        if day is not None:
            synced[day] = max(synced.get(day, 0.0), float(value))
    days = {**synced, **aggregates}
    return [DailyValue(day, value) for day, value in sorted(days.items()) if day >= since]


def questionnaire_results(
    session: Session, patient: Patient, zone: ZoneInfo, since: date
) -> list[QuestionnaireResult]:
    rows = session.scalars(
        select(QuestionnaireResponse).where(
            QuestionnaireResponse.patient_id == patient.id,
            QuestionnaireResponse.authored_at >= local_start(since, zone),
            QuestionnaireResponse.status == "completed",
        )
    )
    results = []
    for row in rows:
        day = _day_of(row.authored_at, zone)
        if day is None:
            continue
        flags = (row.score or {}).get("flags", [])
        codes = tuple(str(f["code"]) for f in flags if isinstance(f, dict) and "code" in f)
        results.append(
            QuestionnaireResult(
                instrument=row.questionnaire,
                day=day,
                score=row.total_score,
                flags=codes,
                response_id=str(row.id),
            )
        )
    return results


def _is_opioid(rxnorm_code: str) -> bool:
    drug = lookup_rxnorm(rxnorm_code)
    return drug is not None and drug.drug_class is DrugClass.opioid


def prn_uses(
    session: Session,
    patient: Patient,
    zone: ZoneInfo,
    since: date,
    *,
    opioids_only: bool,
    orders: Sequence[MedicationRequest] | None = None,
) -> list[PrnUse]:
    """As-needed doses taken per local day, per drug (ingredient), against the largest maximum
    per day among the drug's as-needed orders (orders whose stored timing is outside the
    plausible range are left out; the adherence report names them). `orders`: the patient's
    as-needed prescriptions, when the caller has read them already."""
    if orders is None:
        orders = list(
            session.scalars(
                select(MedicationRequest).where(
                    MedicationRequest.patient_id == patient.id,
                    MedicationRequest.as_needed.is_(True),
                )
            )
        )
    limits = _PrnLimits.of(orders, opioids_only=opioids_only)
    doses = session.execute(_DOSES, {"patient_id": patient.id, **_dose_params(limits, since, zone)})
    return limits.uses(doses, zone)


def pain_and_prn(
    session: Session,
    patient: Patient,
    zone: ZoneInfo,
    *,
    pain_since: date | None,
    prn_since: date,
    orders: Sequence[MedicationRequest],
) -> tuple[list[DailyValue], list[PrnUse]]:
    """`pain_values(…, pain_since)` and `prn_uses(…, prn_since, opioids_only=True, orders=…)`
    in one statement (a sync with a diary entry and dose logs runs both rules, issue 15): the
    doses ride in the pain series' UNION ALL as source "dose", the prescription id in `value`
    and the dose's time in `at`."""
    limits = _PrnLimits.of(orders, opioids_only=True)
    rows: Iterable[Sequence[Any]] = session.execute(
        _PAIN_AND_DOSES[pain_since is not None],
        {**_pain_params(patient.id, pain_since, zone), **_dose_params(limits, prn_since, zone)},
    )
    pain_rows: list[Sequence[Any]] = []
    taken: list[tuple[int | None, datetime]] = []
    for row in rows:
        if row[0] == "dose":
            taken.append((None if row[3] is None else int(row[3]), row[2]))
        else:
            pain_rows.append(row)
    return _pain_from(pain_rows, zone), limits.uses(taken, zone)


class _PrnLimits:
    """The counted as-needed orders by id (their drug, the order) and each drug's largest
    maximum per day; orders whose stored timing is implausible are left out."""

    def __init__(self) -> None:
        self.drug_of: dict[int, tuple[Any, MedicationRequest]] = {}
        self.limits: dict[str, int] = {}

    @classmethod
    def of(cls, orders: Sequence[MedicationRequest], *, opioids_only: bool) -> _PrnLimits:
        found = cls()
        for order in orders:
            if order.status not in COUNTED_STATUSES:
                continue
            if opioids_only and not _is_opioid(order.rxnorm_code):
                continue
            try:
                most = max_per_day(order)
            except TimingError:
                continue  # no maximum to hold doses to
            drug = lookup_rxnorm(order.rxnorm_code)
            found.drug_of[order.id] = (drug, order)
            name = drug.ingredient if drug else order.display
            found.limits[name] = max(found.limits.get(name, 0), most)
        return found

    def uses(self, doses: Iterable[Sequence[Any]], zone: ZoneInfo) -> list[PrnUse]:
        """Doses (prescription id, time) counted per drug and local day."""
        counts: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
        for request_id, effective_at in doses:
            day = _day_of(effective_at, zone)
            if request_id is None or day is None:
                continue
            drug, order = self.drug_of[request_id]
            counts[drug.ingredient if drug else order.display][day] += 1
        return [
            PrnUse(drug=name, max_per_day=limit, doses_per_day=dict(counts.get(name, {})))
            for name, limit in sorted(self.limits.items())
        ]


def data_span(
    session: Session, patient_id: int, zone: ZoneInfo
) -> tuple[datetime | None, date | None]:
    """(last data, monitoring start) in one statement: it runs on every sync POST.

    Last data: the latest time any patient-generated data describe: diary entries,
    questionnaire answers, dose logs, and observations sent by an app or device (they carry a
    client id or an acquisition modality) or holding pain or step counts. Monitoring start:
    the local day of the patient's first questionnaire assignment (monitoring began then)."""
    device_made = or_(
        Observation.client_id.is_not(None),
        Observation.modality.is_not(None),
        Observation.loinc_code.in_((PAIN_NRS_LOINC, STEPS_LOINC)),
    )
    columns = (
        select(func.max(PainDiaryEntry.recorded_at))
        .where(PainDiaryEntry.patient_id == patient_id)
        .scalar_subquery(),
        select(func.max(QuestionnaireResponse.authored_at))
        .where(QuestionnaireResponse.patient_id == patient_id)
        .scalar_subquery(),
        select(func.max(MedicationAdministration.effective_at))
        .where(MedicationAdministration.patient_id == patient_id)
        .scalar_subquery(),
        select(func.max(Observation.effective_at))
        .where(Observation.patient_id == patient_id, device_made, _VALID)
        .scalar_subquery(),
        select(func.min(QuestionnaireAssignment.starts_at))
        .where(
            QuestionnaireAssignment.patient_id == patient_id,
            QuestionnaireAssignment.starts_at >= local_start(EARLIEST_DATE, zone),
        )
        .scalar_subquery(),
    )
    *latest, first_assigned = session.execute(select(*columns)).one()
    found = [as_utc(moment) for moment in latest if moment is not None]
    start = None if first_assigned is None else _day_of(first_assigned, zone)
    return max(found, default=None), start
