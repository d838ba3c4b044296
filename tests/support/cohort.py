"""A small, fixed cast for API tests: two patients, each with a care team, and one user per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from painpath.models import AdministrativeGender, CareTeam, CareTeamParticipant, Patient, Role
from painpath.services.identity import accounts
from painpath.services.transaction import unit_of_work

PASSWORD = "synthetic-test-password"


@dataclass
class Cast:
    """`home` is on the care teams of clinician/pharmacist; `foreign` belongs to other staff."""

    home_patient_id: int
    foreign_patient_id: int
    user_ids: dict[str, int] = field(default_factory=dict)

    def headers(self, client: TestClient, username: str) -> dict[str, str]:
        response = client.post("/api/auth/token", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _patient(session: Session, mrn: str, given: str) -> Patient:
    patient = Patient(
        mrn=mrn,
        given_name=given,
        family_name="Synthetic",
        birth_date=date(1970, 5, 17),
        gender=AdministrativeGender.female,
        time_zone="America/Chicago",
    )
    session.add(patient)
    session.flush()
    return patient


def build_cast(session_factory: sessionmaker[Session]) -> Cast:
    with unit_of_work(session_factory) as session:
        home = _patient(session, "HOME-1", "Hana")
        foreign = _patient(session, "AWAY-1", "Farah")
        users = {
            "clinician": accounts.create_user(
                session,
                username="clinician",
                display_name="Dr Home",
                password=PASSWORD,
                role=Role.clinician,
            ),
            "pharmacist": accounts.create_user(
                session,
                username="pharmacist",
                display_name="Pharm Home",
                password=PASSWORD,
                role=Role.pharmacist,
            ),
            "admin": accounts.create_user(
                session,
                username="admin",
                display_name="Admin",
                password=PASSWORD,
                role=Role.admin,
            ),
            "patient": accounts.create_user(
                session,
                username="patient",
                display_name="Hana Synthetic",
                password=PASSWORD,
                role=Role.patient,
                patient_id=home.id,
            ),
            "other_clinician": accounts.create_user(
                session,
                username="other_clinician",
                display_name="Dr Away",
                password=PASSWORD,
                role=Role.clinician,
            ),
            "other_patient": accounts.create_user(
                session,
                username="other_patient",
                display_name="Farah Synthetic",
                password=PASSWORD,
                role=Role.patient,
                patient_id=foreign.id,
            ),
        }
        home_team = CareTeam(patient_id=home.id, name="Home team")
        for role in ("clinician", "pharmacist"):
            home_team.participants.append(CareTeamParticipant(user_id=users[role].id))
        away_team = CareTeam(patient_id=foreign.id, name="Away team")
        away_team.participants.append(CareTeamParticipant(user_id=users["other_clinician"].id))
        session.add_all([home_team, away_team])
        session.flush()
        return Cast(
            home_patient_id=home.id,
            foreign_patient_id=foreign.id,
            user_ids={name: user.id for name, user in users.items()},
        )
