"""Care suggestions from a patient's stored record.

The record becomes the same JSON document `painpath care suggest` and `POST /api/care/suggest`
read, and goes through the same validation and engine, so the three give the same answer for
the same facts. From the record: coded active conditions (the pain condition and the problems
the rules know), active medication requests, the latest value of each lab the vocabulary names
(by LOINC), stored genotypes, the latest PHQ-9, GAD-7, STarT Back and PEG scores, age and sex,
the therapies tried (services.care.tried.tried_for_patient), and pregnancy, pregnancy planning
and breastfeeding from coded conditions and pregnancy-status / pregnancy-intent observations
(services.care.reproductive; what the record does not say is said in the notes). Stored values
that the engine cannot use (an unknown code, an impossible lab, an unknown therapy) are listed
in the notes rather than failing the page. Observations marked entered-in-error are not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.auth.permissions import Permission
from painpath.care import Suggestions, knowledge, parse_request, suggest
from painpath.care.codes import condition_for, problem_for, reproductive_state_for
from painpath.care.inputs import Profile
from painpath.care.medicines import UnknownMedicine, implausible_dose, read_medicine
from painpath.models.condition import Condition, ConditionStatus
from painpath.models.enums import AdministrativeGender
from painpath.models.medication import MedicationRequest, MedicationRequestStatus
from painpath.models.observation import Observation
from painpath.opioids import Medication
from painpath.services.access import PatientAccess
from painpath.services.care.latest import latest_observations, latest_responses, newest
from painpath.services.care.reproductive import reproductive_status
from painpath.services.care.tried import tried_for_patient
from painpath.services.errors import InvalidInput
from painpath.services.records import list_genotypes
from painpath.terminology import lookup_rxnorm

ACTIVE = (ConditionStatus.active, ConditionStatus.recurrence, ConditionStatus.relapse)
_POSITIVE = frozenset({"positive", "detected", "reactive", "pos"})
_NEGATIVE = frozenset({"negative", "not detected", "non-reactive", "nonreactive", "neg"})
_PERIOD_DAYS = {"h": 1 / 24, "d": 1.0, "wk": 7.0, "mo": 30.0}


@dataclass(frozen=True)
class StoredSuggestions:
    document: dict[str, Any]  # the request built from the record
    suggestions: Suggestions
    notes: tuple[str, ...]


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _active_conditions(session: Session, access: PatientAccess) -> list[Condition]:
    return list(
        session.scalars(
            select(Condition)
            .where(Condition.patient_id == access.patient_id, Condition.clinical_status.in_(ACTIVE))
            .order_by(Condition.id)
        )
    )


def _conditions(
    rows: list[Condition], wanted: str | None, notes: list[str]
) -> tuple[str, list[str]]:
    pain: list[str] = []
    problems: list[str] = []
    for row in rows:
        found = condition_for(row.code)
        problem = problem_for(row.code)
        if found:
            pain.append(found)
        elif problem:
            problems.append(problem)
        elif reproductive_state_for(row.code) is None:
            notes.append(f"Condition {row.code} ({row.display[:60]}) is not used by the rules.")
    pain = list(dict.fromkeys(pain))
    if wanted is not None:
        chosen = condition_for(wanted)
        if chosen is None:
            raise InvalidInput(f"unknown condition {wanted[:40]!r}", field="condition")
        return chosen, problems
    if len(pain) == 1:
        return pain[0], problems
    if not pain:
        raise InvalidInput(
            "no coded pain condition painpath knows in the record; pass ?condition=",
            field="condition",
        )
    raise InvalidInput(
        f"the record has several pain conditions ({', '.join(pain)}); pass ?condition=",
        field="condition",
    )


def _dose_problem(medication: dict[str, Any]) -> str | None:
    """Why a stored dose cannot be read (an implausible sig, an impossible daily dose)."""
    try:
        return implausible_dose(Medication.model_validate(medication))
    except ValidationError as error:
        return str(error.errors()[0]["msg"])


def _medicines(session: Session, access: PatientAccess, notes: list[str]) -> list[Any]:
    rows = session.scalars(
        select(MedicationRequest)
        .where(
            MedicationRequest.patient_id == access.patient_id,
            MedicationRequest.status == MedicationRequestStatus.active,
        )
        .order_by(MedicationRequest.id)
    )
    meds: list[Any] = []
    for row in rows:
        drug = lookup_rxnorm(row.rxnorm_code)
        name = drug.ingredient if drug else row.display
        try:
            read_medicine(name)
        except UnknownMedicine:
            notes.append(f"Medication {row.display[:60]} is not in painpath's formulary: not used.")
            continue
        medication: dict[str, Any] = {
            "ingredient": name,
            "drug_class": drug.drug_class.value if drug else "other",
            "name": row.display[:200],
            "prn": row.as_needed,
        }
        per_day = _PERIOD_DAYS.get(str(row.period_unit))
        if row.dose_unit.lower() == "mg" and per_day and row.period > 0 and row.dose_value > 0:
            dosed = {
                **medication,
                "mg_per_dose": row.dose_value,
                "doses_per_day": row.frequency / (row.period * per_day),
            }
            problem = _dose_problem(dosed)
            if problem is None:
                medication = dosed
            else:
                notes.append(
                    f"Medication {row.display[:60]}: the stored dose is not used ({problem})."
                )
        meds.append(medication)
    return meds


def _labs(latest: dict[str, Observation], notes: list[str]) -> dict[str, Any]:
    labs: dict[str, Any] = {}
    for lab in knowledge().labs.values():
        row = newest([latest[code] for code in lab.loinc if code in latest])
        if row is None:
            continue
        if lab.qualitative:
            text = (row.value_text or "").strip().lower()
            value: Any = (
                "positive" if text in _POSITIVE else "negative" if text in _NEGATIVE else None
            )
        else:
            value = row.value
            if value is not None and lab.minimum is not None and lab.maximum is not None:
                value = value if lab.minimum <= value <= lab.maximum else None
        if value is None:
            notes.append(f"The stored {lab.names[0]} result could not be read: not used.")
            continue
        labs[lab.id] = value
    return labs


def _scores(session: Session, access: PatientAccess) -> dict[str, float]:
    scores: dict[str, float] = {}
    instruments = {s.instrument for s in knowledge().scores.values() if s.instrument}
    latest = latest_responses(session, access.patient_id, instruments)
    for score in knowledge().scores.values():
        if score.instrument is None:
            continue
        row = latest.get(score.instrument)
        if row is None or row.total_score is None:
            continue
        if score.minimum <= row.total_score <= score.maximum:
            scores[score.id] = row.total_score
        detail = row.score or {}
        if score.id == "phq9" and isinstance(row.answers, list) and len(row.answers) == 9:
            item9 = row.answers[8]
            if isinstance(item9, int | float) and 0 <= item9 <= 3:
                scores["phq9_item9"] = float(item9)
        if score.id == "start_back":
            psych = (detail.get("subscales") or {}).get("psychosocial")
            if isinstance(psych, int | float) and 0 <= psych <= 5:
                scores["start_back_psychosocial"] = float(psych)
    return scores


def _observation_codes() -> set[str]:
    k = knowledge()
    codes = {code for lab in k.labs.values() for code in lab.loinc}
    return codes | {code for rule in k.status_observations.values() for code in rule.loinc}


def _genotype(session: Session, access: PatientAccess, notes: list[str]) -> dict[str, str]:
    genotype: dict[str, str] = {}
    for row in list_genotypes(session, access=access):
        text = row.diplotype if "/" in (row.diplotype or "") else row.phenotype
        if text is None and row.activity_score is not None:
            text = f"{row.activity_score:g}"
        if text:
            genotype[row.gene] = text
        else:
            notes.append(f"The stored {row.gene} result has no diplotype or phenotype: not used.")
    return genotype


def record_request(
    session: Session,
    *,
    access: PatientAccess,
    today: date,
    condition: str | None = None,
    jurisdiction: str | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The care request document the stored record gives, and notes on what was left out."""
    notes: list[str] = []
    actor = access.actor
    rows = _active_conditions(session, access)
    pain, problems = _conditions(rows, condition, notes)
    reading_observations = actor.can(Permission.observation_read)
    latest = (
        latest_observations(session, access.patient_id, _observation_codes())
        if reading_observations
        else {}
    )
    reproductive = reproductive_status(rows, latest, today=today, notes=notes)
    patient = access.patient
    document: dict[str, Any] = {
        "condition": pain,
        "age": _age(patient.birth_date, today),
        "sex": patient.gender.value
        if patient.gender in (AdministrativeGender.female, AdministrativeGender.male)
        else None,
        "problems": list(dict.fromkeys(problems)),
        "current_meds": _medicines(session, access, notes)
        if actor.can(Permission.medication_read)
        else [],
        "labs": _labs(latest, notes) if reading_observations else {},
        "scores": _scores(session, access) if reading_observations else {},
        "genotype": _genotype(session, access, notes)
        if actor.can(Permission.genotype_read)
        else {},
        "tried": tried_for_patient(session, access, notes=notes),
        "pregnant": reproductive.flag("pregnant"),
        "planning_pregnancy": reproductive.flag("planning_pregnancy"),
        "breastfeeding": reproductive.flag("breastfeeding"),
    }
    notes.extend(reproductive.notes())
    if not reading_observations:
        notes.append(
            "Observations (labs, scores, pregnancy status) are not readable with your access:"
            " not used."
        )
    if jurisdiction is not None:
        document["jurisdiction"] = jurisdiction
    access.event.detail = "care suggestions from the record"
    return document, notes


def suggest_from_document(document: Any, *, default_profile: str, today: date) -> Suggestions:
    """Validate a request document and run the engine; InvalidInput names the bad field."""
    try:
        request = parse_request(document)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise InvalidInput(first["msg"].removeprefix("Value error, "), field=field) from None
    profile: Profile = "UK" if default_profile == "UK" else "US"
    return suggest(request, default_profile=profile, today=today)


def suggestions_for_patient(
    session: Session,
    *,
    access: PatientAccess,
    today: date,
    default_profile: str,
    condition: str | None = None,
    jurisdiction: str | None = None,
) -> StoredSuggestions:
    """Care suggestions for a stored patient, built as `record_request` says."""
    document, notes = record_request(
        session, access=access, today=today, condition=condition, jurisdiction=jurisdiction
    )
    result = suggest_from_document(document, default_profile=default_profile, today=today)
    return StoredSuggestions(document, result, tuple(notes))
