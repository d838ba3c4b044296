"""`painpath wearables import` killed in the middle, then run again (SQLite and PostgreSQL).

The process is really killed (SIGKILL, no clean-up) once some batches are committed. What it
leaves must be whole batches only; the second run must finish the import with every sample
exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import func, select

from painpath.models.wearable import WearableImport, WearableImportStatus, WearableSample
from painpath.monitoring.wearables import import_file
from painpath.monitoring.wearables.synthetic import write_apple_export
from tests.support.cohort import Cast

BATCH = 2_000
PAINPATH = [str(Path(sys.executable).parent / "painpath")]


def run_import(database_url: str, export: Path, patient_id: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PAINPATH_DATABASE_URL": database_url, "PAINPATH_ENVIRONMENT": "test"}
    command = [
        *PAINPATH,
        "wearables",
        "import",
        str(export),
        "--patient",
        str(patient_id),
        "--as",
        "patient",
        "--batch-size",
        str(BATCH),
        "--format",
        "json",
    ]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def stored(app: FastAPI) -> tuple[int, int, WearableImportStatus | None]:
    with app.state.session_factory() as session:
        samples = session.scalar(select(func.count()).select_from(WearableSample)) or 0
        distinct = session.scalar(select(func.count(func.distinct(WearableSample.client_id)))) or 0
        status = session.scalar(select(WearableImport.status))
    return samples, distinct, status


def test_a_killed_import_leaves_whole_batches_and_a_rerun_completes_it(
    app: FastAPI, cast: Cast, database_url: str, tmp_path: Path
) -> None:
    export = write_apple_export(
        tmp_path / "export.xml", days=20, seed=3, start=date(2026, 1, 5), tz="America/Chicago"
    ).path
    expected = {s.client_id for s in import_file(export, tz=ZoneInfo("America/Chicago"))}
    assert len(expected) > 5 * BATCH

    process = run_import(database_url, export, cast.home_patient_id)
    deadline = time.monotonic() + 120
    while stored(app)[0] < 2 * BATCH:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the import never committed two batches"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)  # reaps it and closes its pipes
    assert process.returncode == -signal.SIGKILL

    samples, distinct, status = stored(app)
    assert status is WearableImportStatus.running
    assert samples % BATCH == 0, f"{samples} rows: a batch was half written"
    assert samples < len(expected)
    assert distinct == samples

    again = run_import(database_url, export, cast.home_patient_id)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    result = json.loads(out)
    assert result["status"] == "complete"
    assert result["already_imported"] is False
    samples, distinct, status = stored(app)
    assert status is WearableImportStatus.complete
    assert samples == distinct == len(expected)
    assert result["samples_added"] == len(expected)  # both runs' batches, each once

    third = run_import(database_url, export, cast.home_patient_id)
    out, err = third.communicate(timeout=300)
    assert third.returncode == 0, err
    assert json.loads(out)["already_imported"] is True
    assert stored(app)[0] == len(expected)
