import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.db.engine import make_engine
from painpath.demo.staff import DEMO_PASSWORD, featured_logins
from painpath.models import Alert, CareTeam, CareTeamParticipant, Patient, User
from tests.cli.helpers import Invoke, error_line
from tests.demo.helpers import AS_OF, count

SMALL = ("--patients", "20", "--as-of", AS_OF.isoformat())


def test_seed_fills_an_empty_database(invoke: Invoke, database_url: str) -> None:
    result = invoke("demo", "seed", *SMALL)
    assert result.exit_code == 0, result.output
    assert "seeded 20 synthetic patients (seed 42, as of 2026-11-01)" in result.stdout
    assert count(database_url, Patient) == 20


def test_seed_refuses_a_database_that_holds_patients(invoke: Invoke, database_url: str) -> None:
    assert invoke("demo", "seed", *SMALL).exit_code == 0
    assert "already holds 20 patients" in error_line(invoke("demo", "seed", *SMALL))
    assert count(database_url, Patient) == 20


def test_seed_refuses_in_production(invoke: Invoke, database_url: str) -> None:
    result = invoke("demo", "seed", *SMALL, environment="production", secret_key="x" * 40)
    assert "PAINPATH_ENVIRONMENT=production" in error_line(result)
    assert count(database_url, Patient) == 0
    assert count(database_url, User) == 0


def test_seed_refuses_an_unmigrated_database(invoke_fresh: Invoke) -> None:
    assert "painpath db upgrade" in error_line(invoke_fresh("demo", "seed", *SMALL))


def test_seed_refuses_taken_demo_usernames(invoke: Invoke, database_url: str) -> None:
    added = invoke(
        "users", "add", "--username", "admin", "--role", "admin", "--display-name", "Admin",
        "--password-stdin", input="an-admin-password",
    )  # fmt: skip
    assert added.exit_code == 0
    assert "already taken: admin" in error_line(invoke("demo", "seed", *SMALL))
    assert count(database_url, Patient) == 0


def test_run_migrates_seeds_prints_the_logins_and_serves(
    invoke_fresh: Invoke, fresh_sqlite_url: str, served: list[dict[str, Any]]
) -> None:
    result = invoke_fresh("demo", "run", *SMALL, "--port", "8765")
    assert result.exit_code == 0, result.output
    assert count(fresh_sqlite_url, Patient) == 20
    # The alert rules ran over the new cohort, and what they opened is what the table holds.
    opened = re.search(r"alert rules run over the cohort: (\d+) opened", result.stdout)
    assert opened is not None, result.stdout
    assert count(fresh_sqlite_url, Alert) == int(opened[1])
    assert "http://127.0.0.1:8765" in result.stdout
    for login in featured_logins():
        assert login.username in result.stdout
    assert DEMO_PASSWORD in result.stdout
    assert (served[0]["host"], served[0]["port"]) == ("127.0.0.1", 8765)


def test_run_does_not_seed_twice(
    invoke_fresh: Invoke, fresh_sqlite_url: str, served: list[dict[str, Any]]
) -> None:
    assert invoke_fresh("demo", "run", *SMALL).exit_code == 0
    again = invoke_fresh("demo", "run", "--patients", "30")
    assert again.exit_code == 0, again.output
    assert "already holds 20 patients: not seeding" in again.stdout
    assert count(fresh_sqlite_url, Patient) == 20
    assert len(served) == 2


def test_run_refuses_in_production(invoke_fresh: Invoke, served: list[dict[str, Any]]) -> None:
    result = invoke_fresh("demo", "run", environment="production", secret_key="x" * 40)
    assert "PAINPATH_ENVIRONMENT=production" in error_line(result)
    assert served == []


def test_the_printed_logins_work_against_the_api(invoke: Invoke, client: TestClient) -> None:
    assert invoke("demo", "seed", *SMALL).exit_code == 0
    visible = {}
    for login in featured_logins():
        response = client.post(
            "/api/auth/token", json={"username": login.username, "password": login.password}
        )
        assert response.status_code == 200, (login.username, response.text)
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        patients = client.get("/api/patients", params={"limit": 200}, headers=headers)
        visible[login.role.value] = patients.json()["total"]
    assert 0 < visible["clinician"] < 20
    assert visible["pharmacist"] > visible["clinician"] / 2
    assert visible["patient"] == 1
    assert visible["admin"] == 0


def test_the_demo_clinician_lists_exactly_their_care_team_panel(
    invoke: Invoke, client: TestClient, database_url: str
) -> None:
    assert invoke("demo", "seed", *SMALL).exit_code == 0
    clinician = next(login for login in featured_logins() if login.role.value == "clinician")
    token = client.post(
        "/api/auth/token", json={"username": clinician.username, "password": clinician.password}
    ).json()["access_token"]
    listed = client.get(
        "/api/patients", params={"limit": 200}, headers={"Authorization": f"Bearer {token}"}
    ).json()["items"]
    engine = make_engine(database_url)
    with engine.connect() as connection:
        panel = connection.execute(
            select(Patient.mrn)
            .join(CareTeam, CareTeam.patient_id == Patient.id)
            .join(CareTeamParticipant, CareTeamParticipant.care_team_id == CareTeam.id)
            .join(User, User.id == CareTeamParticipant.user_id)
            .where(User.username == clinician.username, CareTeam.active.is_(True))
        ).scalars()
        expected = set(panel)
    engine.dispose()
    assert expected
    assert {patient["mrn"] for patient in listed} == expected
