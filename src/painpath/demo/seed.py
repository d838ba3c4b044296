"""Write the synthetic cohort into a database: bulk inserts inside the caller's transaction.

Like a service, `seed_demo` flushes and never commits: wrap it in `unit_of_work` so a failure
anywhere leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from painpath import audit
from painpath.auth.passwords import hash_password
from painpath.demo import staff, therapies
from painpath.demo.care_plans import seed_care_plans
from painpath.demo.cohort import DEFAULT_PATIENTS, DEFAULT_SEED, Cohort, generate_cohort
from painpath.demo.messages import seed_messages
from painpath.demo.staff import DemoLogin
from painpath.demo.therapies_tried import seed_therapies_tried
from painpath.demo.visits import seed_visits
from painpath.models import (
    CareTeam,
    CareTeamParticipant,
    Condition,
    ConditionCodeSystem,
    GenotypeResult,
    MedicationRequest,
    Observation,
    Patient,
    QuestionnaireResponse,
    Role,
    User,
)
from painpath.pgx.tables import KNOWLEDGE_VERSION
from painpath.services.errors import Conflict, InvalidInput

Row = dict[str, Any]

#: GenotypeResult.source for demo rows.
GENOTYPE_SOURCE = "synthetic"


@dataclass(frozen=True, slots=True)
class SeedReport:
    seed: int
    as_of: date
    patients: int
    users: int
    care_teams: int
    conditions: int
    medication_requests: int
    observations: int
    questionnaire_responses: int
    genotype_results: int


def patient_count(session: Session) -> int:
    return session.scalar(select(func.count(Patient.id))) or 0


def seed_demo(
    session: Session,
    *,
    as_of: date,
    patients: int = DEFAULT_PATIENTS,
    seed: int = DEFAULT_SEED,
) -> SeedReport:
    """Seed the synthetic cohort into an empty database (one that holds no patients)."""
    if patients < 1:
        raise InvalidInput("the demo cohort needs at least one patient", field="patients")
    existing = patient_count(session)
    if existing:
        raise Conflict(
            f"the database already holds {existing} patients; the demo cohort is only seeded "
            "into an empty database"
        )
    return write_cohort(session, generate_cohort(seed=seed, patients=patients, as_of=as_of))


# Core inserts on the mapped tables: one executemany per table. (ORM bulk inserts split the
# rows into groups by which columns are None, which costs a statement per few rows here.)


def _insert_returning_ids(
    session: Session, model: Any, rows: Sequence[dict[str, Any]]
) -> list[int]:
    table = model.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def _bulk(session: Session, model: Any, rows: list[dict[str, Any]]) -> int:
    if rows:
        session.execute(insert(model.__table__), rows)
    return len(rows)


def _create_accounts(
    session: Session, logins: list[tuple[DemoLogin, int | None]]
) -> dict[str, int]:
    """Insert the demo accounts, hashing each distinct password once (argon2 is slow by design)."""
    usernames = [login.username for login, _ in logins]
    taken = sorted(session.scalars(select(User.username).where(User.username.in_(usernames))))
    if taken:
        raise Conflict(
            f"demo username(s) already taken: {', '.join(taken)}; seed into a fresh database",
            field="username",
        )
    passwords = {login.password for login, _ in logins}
    hashes = {password: hash_password(password) for password in passwords}
    rows = [
        {
            "username": login.username,
            "display_name": login.display_name,
            "password_hash": hashes[login.password],
            "role": login.role,
            "patient_id": patient_id,
            "npi": None,
            "is_active": True,
        }
        for login, patient_id in logins
    ]
    return dict(zip(usernames, _insert_returning_ids(session, User, rows), strict=True))


def write_cohort(session: Session, cohort: Cohort) -> SeedReport:
    """Insert accounts, patients and every record of the cohort; returns the row counts."""
    drafts = cohort.patients
    patient_ids = _insert_returning_ids(
        session,
        Patient,
        [
            {
                "mrn": draft.mrn,
                "given_name": draft.given_name,
                "family_name": draft.family_name,
                "birth_date": draft.birth_date,
                "gender": draft.gender,
                "time_zone": draft.time_zone,
                "active": True,
            }
            for draft in drafts
        ],
    )
    logins: list[tuple[DemoLogin, int | None]] = [(login, None) for login in staff.STAFF]
    logins.extend(
        (staff.patient_login(draft.family_name, draft.display_name), patient_id)
        for draft, patient_id in zip(drafts, patient_ids, strict=True)
        if draft.account_username
    )
    user_ids = _create_accounts(session, logins)

    team_ids = _insert_returning_ids(
        session,
        CareTeam,
        [
            {"patient_id": patient_id, "name": f"Pain care team for {draft.mrn}", "active": True}
            for draft, patient_id in zip(drafts, patient_ids, strict=True)
        ],
    )
    participants: list[Row] = []
    for draft, team_id in zip(drafts, team_ids, strict=True):
        members = [*draft.clinicians, *([staff.PHARMACIST.username] * draft.pharmacist_on_team)]
        participants.extend({"care_team_id": team_id, "user_id": user_ids[m]} for m in members)
    _bulk(session, CareTeamParticipant, participants)
    seed_visits(
        session,
        drafts=drafts,
        patient_ids=patient_ids,
        user_ids=user_ids,
        as_of=cohort.as_of,
        seed=cohort.seed,
    )

    conditions: list[Row] = []
    medications: list[Row] = []
    observations: list[Row] = []
    responses: list[Row] = []
    genotypes: list[Row] = []
    knowledge_version = KNOWLEDGE_VERSION
    for draft, patient_id in zip(drafts, patient_ids, strict=True):
        clinician_id = user_ids[draft.clinicians[0]]
        conditions.extend(
            {
                "patient_id": patient_id,
                "code_system": ConditionCodeSystem.icd10cm,
                "code": condition.code,
                "display": condition.display,
                "clinical_status": condition.clinical_status,
                "onset_date": condition.onset_date,
                "abatement_date": condition.abatement_date,
                "recorder_id": clinician_id,
                "recorder_role": Role.clinician.value,
            }
            for condition in draft.conditions
        )
        medications.extend(
            {
                "patient_id": patient_id,
                "rxnorm_code": medication.sig.rxnorm_code,
                "display": medication.display,
                "status": medication.status,
                "dose_value": medication.sig.dose_value,
                "dose_unit": medication.sig.dose_unit,
                "frequency": medication.sig.frequency,
                "period": medication.sig.period,
                "period_unit": medication.sig.period_unit,
                "route": medication.sig.route,
                "as_needed": medication.sig.as_needed,
                "start_date": medication.start_date,
                "end_date": medication.end_date,
                "days_supply": medication.sig.days_supply,
                "prescriber_id": clinician_id,
                "recorder_id": clinician_id,
                "recorder_role": Role.clinician.value,
                "note": "; ".join(filter(None, (medication.sig.text, medication.note))),
            }
            for medication in draft.medications
        )
        observations.extend({**row, "patient_id": patient_id} for row in draft.observations)
        responses.extend({**row, "patient_id": patient_id} for row in draft.questionnaires)
        genotypes.extend(
            {
                "patient_id": patient_id,
                "gene": call.gene,
                "diplotype": call.diplotype,
                "phenotype": call.phenotype,
                "activity_score": call.activity_score,
                "source": GENOTYPE_SOURCE,
                "knowledge_version": knowledge_version,
            }
            for call in draft.genotypes
        )

    report = SeedReport(
        seed=cohort.seed,
        as_of=cohort.as_of,
        patients=len(patient_ids),
        users=len(user_ids),
        care_teams=len(team_ids),
        conditions=_bulk(session, Condition, conditions),
        medication_requests=_bulk(session, MedicationRequest, medications),
        observations=_bulk(session, Observation, observations),
        questionnaire_responses=_bulk(session, QuestionnaireResponse, responses),
        genotype_results=_bulk(session, GenotypeResult, genotypes),
    )
    seed_therapies_tried(
        session, drafts, patient_ids, [user_ids[d.clinicians[0]] for d in drafts], cohort.as_of
    )
    seed_care_plans(
        session, drafts=drafts, patient_ids=patient_ids, user_ids=user_ids, as_of=cohort.as_of
    )
    therapies.seed_therapies(
        session,
        [(pid, user_ids[d.clinicians[0]]) for d, pid in zip(drafts, patient_ids, strict=True)],
        as_of=cohort.as_of,
    )
    seed_messages(session, cohort=cohort, patient_ids=patient_ids, user_ids=user_ids)
    audit.record(
        session,
        actor=None,
        action="create",
        resource_type="DemoCohort",
        patient_id=None,
        detail=(
            f"seeded {report.patients} synthetic patients "
            f"(seed {cohort.seed}, as of {cohort.as_of.isoformat()})"
        ),
    )
    return report
