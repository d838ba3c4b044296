"""Seeding a database: identical content for the same seed, a sensible cohort, all or nothing."""

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from painpath.auth.actor import Actor
from painpath.auth.scope import visible_patient_ids
from painpath.db.engine import make_engine, make_session_factory
from painpath.demo import seed as seed_module
from painpath.demo import staff
from painpath.demo.observations import RANGES
from painpath.models import (
    AuditEvent,
    CareTeam,
    Condition,
    GenotypeResult,
    MedicationRequest,
    Observation,
    Patient,
    QuestionnaireResponse,
    Role,
    User,
)
from painpath.pgx.tables import KNOWLEDGE_VERSION
from painpath.services.errors import Conflict
from painpath.terminology import check_icd10cm, check_loinc, lookup_rxnorm
from tests.demo.helpers import count, seed_into, snapshot

PATIENTS = 20


@pytest.fixture
def second_sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """Another freshly migrated SQLite database, to compare against the one under test."""
    path = tmp_path / "second.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def test_the_same_seed_gives_identical_databases(database_url: str, second_sqlite_url: str) -> None:
    seed_into(database_url, patients=PATIENTS, seed=7)
    seed_into(second_sqlite_url, patients=PATIENTS, seed=7)
    first, second = snapshot(database_url), snapshot(second_sqlite_url)
    assert first.keys() == second.keys()
    for table in first:
        assert first[table] == second[table], table
    assert len(first["observations"]) > PATIENTS * 100


def test_another_seed_gives_different_content(database_url: str, second_sqlite_url: str) -> None:
    seed_into(database_url, patients=PATIENTS, seed=7)
    seed_into(second_sqlite_url, patients=PATIENTS, seed=8)
    first, second = snapshot(database_url), snapshot(second_sqlite_url)
    for table in ("patients", "conditions", "observations", "genotype_results"):
        assert first[table] != second[table], table


def test_the_cohort_has_the_expected_shape(database_url: str) -> None:
    report = seed_into(database_url, patients=PATIENTS)
    assert report.patients == count(database_url, Patient) == PATIENTS
    assert count(database_url, CareTeam) == PATIENTS
    assert count(database_url, User) == len(staff.STAFF) + len(staff.PATIENT_ACCOUNT_FAMILY_NAMES)
    assert count(database_url, GenotypeResult) == PATIENTS * 5
    assert report.observations == count(database_url, Observation)
    assert report.questionnaire_responses == count(database_url, QuestionnaireResponse)
    assert count(database_url, Condition) >= PATIENTS
    assert count(database_url, MedicationRequest) >= PATIENTS


def _sessions(url: str) -> Any:
    return make_session_factory(make_engine(url))


def test_every_clinician_has_a_panel_and_the_admin_none(database_url: str) -> None:
    seed_into(database_url, patients=PATIENTS)
    factory = _sessions(database_url)
    with factory() as session:
        users = {user.username: user for user in session.scalars(select(User))}
        panel = {
            name: set(session.scalars(visible_patient_ids(Actor.of(user))))
            for name, user in users.items()
        }
    factory.kw["bind"].dispose()
    clinicians = [login.username for login in staff.CLINICIANS]
    for name in clinicians:
        assert panel[name], name
    assert set().union(*(panel[name] for name in clinicians)) == set(range(1, PATIENTS + 1))
    assert sum(len(panel[name]) for name in clinicians) > PATIENTS  # some patients are shared
    assert len(panel[staff.PHARMACIST.username]) >= PATIENTS * 0.4
    assert panel[staff.ADMIN.username] == set()
    for family in staff.PATIENT_ACCOUNT_FAMILY_NAMES:
        user = users[staff.patient_username(family)]
        assert user.role is Role.patient
        assert panel[user.username] == {user.patient_id}


def test_every_stored_code_is_valid(database_url: str) -> None:
    seed_into(database_url, patients=PATIENTS)
    factory = _sessions(database_url)
    with factory() as session:
        for condition in session.scalars(select(Condition)):
            assert check_icd10cm(condition.code) == condition.code
        for request in session.scalars(select(MedicationRequest)):
            assert lookup_rxnorm(request.rxnorm_code) is not None
            assert request.prescriber_id is not None
        for code, value in session.execute(select(Observation.loinc_code, Observation.value)):
            assert check_loinc(code) == code
            low, high = RANGES[code]
            assert low <= value <= high
        for result in session.scalars(select(GenotypeResult)):
            assert result.source == "synthetic"
            assert result.knowledge_version == KNOWLEDGE_VERSION
            if result.gene in ("CYP2D6", "CYP2C9", "CYP2C19"):
                assert result.phenotype
                assert result.phenotype.endswith("Metabolizer")
    factory.kw["bind"].dispose()


def test_seeding_is_audited(database_url: str) -> None:
    seed_into(database_url, patients=PATIENTS, seed=11)
    factory = _sessions(database_url)
    with factory() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.resource_type == "DemoCohort"))
    factory.kw["bind"].dispose()
    assert event is not None
    assert "seeded 20 synthetic patients (seed 11" in (event.detail or "")


def test_a_database_with_patients_is_refused(database_url: str) -> None:
    seed_into(database_url, patients=3)
    with pytest.raises(Conflict, match="already holds 3 patients"):
        seed_into(database_url, patients=3)


def test_a_failure_part_way_leaves_nothing_behind(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = seed_module._bulk

    def failing_bulk(session: Any, model: Any, rows: list[dict[str, Any]]) -> int:
        if model is GenotypeResult:
            raise RuntimeError("disk full")
        return original(session, model, rows)

    monkeypatch.setattr(seed_module, "_bulk", failing_bulk)
    with pytest.raises(RuntimeError, match="disk full"):
        seed_into(database_url, patients=PATIENTS)
    for model in (Patient, User, CareTeam, Condition, Observation, GenotypeResult):
        assert count(database_url, model) == 0, model
