"""`painpath wearables import --mrn`: name the patient by medical record number, not a row id.

Issue 8 item 4: the README's `--patient 12` named a database id that, in the demo cohort, is
not on dr.rivera's team. An MRN is the clinic's own identifier and the same in every database.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import func, select

from painpath.models.wearable import WearableSample
from tests.cli.helpers import Invoke, error_line
from tests.support.cohort import Cast

EXPORT = Path(__file__).resolve().parents[2] / "examples" / "wearables" / "apple-health-export.zip"


def samples_of(app: FastAPI, patient_id: int) -> int:
    with app.state.session_factory() as session:
        query = select(func.count()).where(WearableSample.patient_id == patient_id)
        return session.scalar(query) or 0


def test_the_example_export_imports_for_a_patient_named_by_mrn(
    app: FastAPI, cast: Cast, invoke: Invoke
) -> None:
    result = invoke("wearables", "import", str(EXPORT), "--mrn", "HOME-1", "--as", "clinician")
    assert result.exit_code == 0, result.output
    assert "new" in result.stdout
    assert samples_of(app, cast.home_patient_id) > 0
    assert samples_of(app, cast.foreign_patient_id) == 0


def test_an_mrn_outside_the_users_care_teams_is_refused(
    app: FastAPI, cast: Cast, invoke: Invoke
) -> None:
    result = invoke("wearables", "import", str(EXPORT), "--mrn", "AWAY-1", "--as", "clinician")
    assert "access" in error_line(result)
    assert samples_of(app, cast.foreign_patient_id) == 0


def test_an_unknown_mrn_is_named(cast: Cast, invoke: Invoke) -> None:
    result = invoke("wearables", "import", str(EXPORT), "--mrn", "NOPE-9", "--as", "clinician")
    assert "--mrn 'NOPE-9': no patient" in error_line(result)


def test_the_patient_is_named_exactly_once(cast: Cast, invoke: Invoke) -> None:
    neither = invoke("wearables", "import", str(EXPORT), "--as", "clinician")
    assert "--patient ID or --mrn MRN" in error_line(neither)
    both = invoke(
        "wearables",
        "import",
        str(EXPORT),
        "--patient",
        str(cast.home_patient_id),
        "--mrn",
        "HOME-1",
        "--as",
        "clinician",
    )
    assert "--patient ID or --mrn MRN" in error_line(both)
