"""The demo's logins: synthetic staff and patient accounts with development-only passwords.

Every demo account uses the password `painpath-demo-only`.

| username       | role       | sees                                                      |
| -------------- | ---------- | --------------------------------------------------------- |
| `dr.rivera`    | clinician  | a third of the cohort (its care teams), some shared       |
| `dr.okafor`    | clinician  | another third                                             |
| `dr.lindqvist` | clinician  | the last third                                            |
| `pharm.chen`   | pharmacist | most care teams (medication review)                       |
| `admin`        | admin      | accounts, care teams and the audit trail; no patient data |
| `pat.jones`    | patient    | the first demo patient's own record                       |
| `pat.garcia`   | patient    | the second demo patient's own record                      |
| `pat.nguyen`   | patient    | the third demo patient's own record                       |

The password is published here and printed by `painpath demo run`: it is for a local demo
only, and `painpath demo seed` refuses to run in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from painpath.models.enums import Role

#: One password for every demo account: argon2 hashes it once, which keeps seeding fast.
DEMO_PASSWORD = "painpath-demo-only"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    role: Role
    display_name: str
    password: str


CLINICIANS = (
    DemoLogin("dr.rivera", Role.clinician, "Dr. Sam Rivera", DEMO_PASSWORD),
    DemoLogin("dr.okafor", Role.clinician, "Dr. Ada Okafor", DEMO_PASSWORD),
    DemoLogin("dr.lindqvist", Role.clinician, "Dr. Erik Lindqvist", DEMO_PASSWORD),
)
PHARMACIST = DemoLogin("pharm.chen", Role.pharmacist, "Mei Chen, PharmD", DEMO_PASSWORD)
ADMIN = DemoLogin("admin", Role.admin, "Clinic Administrator", DEMO_PASSWORD)

#: The first patients of the cohort carry these family names and get patient accounts.
PATIENT_ACCOUNT_FAMILY_NAMES = ("Jones", "Garcia", "Nguyen")

STAFF = (*CLINICIANS, PHARMACIST, ADMIN)


def patient_username(family_name: str) -> str:
    return f"pat.{family_name.lower()}"


def patient_login(family_name: str, display_name: str) -> DemoLogin:
    return DemoLogin(patient_username(family_name), Role.patient, display_name, DEMO_PASSWORD)


def featured_logins() -> list[DemoLogin]:
    """One login per role, the ones `painpath demo run` prints first."""
    first_patient = PATIENT_ACCOUNT_FAMILY_NAMES[0]
    return [
        CLINICIANS[0],
        PHARMACIST,
        DemoLogin(patient_username(first_patient), Role.patient, "", DEMO_PASSWORD),
        ADMIN,
    ]
