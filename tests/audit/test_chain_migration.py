"""Finding 11: an upgraded database chains the events it already holds (backfill)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from painpath import audit
from painpath.audit.verify import verify_chain
from painpath.db.engine import make_engine, make_session_factory
from painpath.db.migrate import upgrade
from painpath.services.transaction import unit_of_work

BEFORE_THE_CHAIN = "c9a1f0e2b7d4"
#: Ids with gaps, as rolled-back inserts leave them on PostgreSQL.
LEGACY_IDS = (1, 2, 5, 6, 9)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'legacy.sqlite3'}"
        return
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    name = f"a_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_finding_11_upgrade_chains_existing_events(empty_database_url: str) -> None:
    upgrade(empty_database_url, BEFORE_THE_CHAIN)
    engine = make_engine(empty_database_url)
    start = datetime(2026, 11, 30, 8, 15, 0, 123456, tzinfo=UTC)
    with engine.begin() as connection:
        for number, event_id in enumerate(LEGACY_IDS):
            connection.execute(
                text(
                    "INSERT INTO audit_events (id, recorded_at, user_id, username, role,"
                    " patient_id, action, resource_type, outcome, detail, path)"
                    " VALUES (:id, :at, 3, 'dr.rivera', 'clinician', 7, 'read', 'Observation',"
                    " 'success', :detail, '/api/patients/7/observations')"
                ),
                {"id": event_id, "at": start + timedelta(minutes=number), "detail": f"é{number}"},
            )
    engine.dispose()

    upgrade(empty_database_url, "head")

    engine = make_engine(empty_database_url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as session:
            report = verify_chain(session)
        assert report.intact, report
        assert (report.events_checked, report.head_id) == (len(LEGACY_IDS), LEGACY_IDS[-1])
        with unit_of_work(sessions) as session:
            audit.record(session, actor=None, action="read", resource_type="Patient", patient_id=7)
        with sessions() as session:
            after = verify_chain(session)
        assert after.intact, after
        assert (after.events_checked, after.head_id) == (len(LEGACY_IDS) + 1, LEGACY_IDS[-1] + 1)
        # The triggers are back after the backfill.
        with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_events WHERE id = 1"))
    finally:
        engine.dispose()


def test_finding_12_upgrade_names_the_recorders_of_existing_records(
    empty_database_url: str,
) -> None:
    """Conditions and medication requests take their recorder's / prescriber's role."""
    upgrade(empty_database_url, BEFORE_THE_CHAIN)
    engine = make_engine(empty_database_url)
    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    statements = [
        "INSERT INTO users (id, username, display_name, password_hash, role, is_active,"
        " created_at, updated_at) VALUES (7, 'dr.ito', 'Dr Ito', 'x', 'clinician', true,"
        " :now, :now)",
        "INSERT INTO patients (id, mrn, given_name, family_name, birth_date, gender, time_zone,"
        " active, created_at, updated_at) VALUES (3, 'M-3', 'Ana', 'Synthetic', '1970-01-01',"
        " 'female', 'UTC', true, :now, :now)",
        "INSERT INTO conditions (id, code_system, code, display, clinical_status, patient_id,"
        " recorder_id, created_at, updated_at) VALUES (1, 'http://hl7.org/fhir/sid/icd-10-cm',"
        " 'M54.50', 'Low back pain', 'active', 3, 7, :now, :now)",
        "INSERT INTO medication_requests (id, rxnorm_code, display, status, dose_value,"
        " dose_unit, frequency, period, period_unit, route, as_needed, start_date, patient_id,"
        " prescriber_id, created_at, updated_at) VALUES (1, '7804', 'oxycodone 5 MG', 'active',"
        " 5, 'mg', 4, 1, 'd', 'oral', true, '2026-01-05', 3, 7, :now, :now)",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), {"now": now})
    engine.dispose()

    upgrade(empty_database_url, "head")

    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            for table in ("conditions", "medication_requests"):
                row = connection.execute(
                    text(f"SELECT recorder_id, recorder_role FROM {table}")
                ).one()
                assert tuple(row) == (7, "clinician"), table
    finally:
        engine.dispose()
