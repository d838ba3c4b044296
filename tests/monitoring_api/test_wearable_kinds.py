"""One vocabulary for a wearable upload's `kind` (issue 8 item 3).

The OpenAPI document listed `apple-health`, `fitbit`, `open-mhealth` while the importers are
named `apple_health`, `fitbit_takeout`, `open_mhealth`: every documented kind answered 500 and
left a WearableImport row `running`. The names now come from one enum (WearableFormat), the
OpenAPI document is generated from it, and an unknown kind is a 422 naming `kind` that writes
nothing. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from painpath.cli.main import app as cli
from painpath.models.wearable import WearableImport, WearableImportStatus
from painpath.monitoring.wearables import importers
from painpath.monitoring.wearables.formats import WearableFormat
from painpath.monitoring.wearables.synthetic import SyntheticExport, write_apple_export
from tests.support.cohort import Cast
from tests.support.walk import BOOKKEEPING_TABLES, database_snapshot


@pytest.fixture
def export(tmp_path: Path) -> SyntheticExport:
    return write_apple_export(
        tmp_path / "export.xml", days=2, seed=3, start=date(2026, 3, 6), tz="America/Chicago"
    )


def _upload(client: TestClient, cast: Cast, path: Path, kind: str) -> tuple[int, dict[str, Any]]:
    headers = cast.headers(client, "patient")
    with path.open("rb") as handle:
        response = client.post(
            f"/api/patients/{cast.home_patient_id}/wearables/imports",
            files={"file": ("export.xml", handle, "text/xml")},
            data={"kind": kind},
            headers=headers,
        )
    return response.status_code, response.json()


def _statuses(app: FastAPI) -> list[WearableImportStatus]:
    with app.state.session_factory() as session:
        return list(session.scalars(select(WearableImport.status)))


def test_every_kind_has_an_importer_of_that_name() -> None:
    assert set(WearableFormat) <= set(importers())


def test_the_openapi_document_lists_the_kinds_the_code_reads(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    upload = document["paths"]["/api/patients/{patient_id}/wearables/imports"]["post"]
    schema = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["kind"]["enum"] == [kind.value for kind in WearableFormat]


@pytest.mark.parametrize("kind", ["apple_health", "apple-health", "Apple-Health"])
def test_an_upload_with_a_documented_kind_is_imported(
    app: FastAPI, client: TestClient, cast: Cast, export: SyntheticExport, kind: str
) -> None:
    status, body = _upload(client, cast, export.path, kind)
    assert status == 201, body
    assert body["importer"] == "apple_health"
    assert _statuses(app) == [WearableImportStatus.complete]


@pytest.mark.parametrize("kind", ["garmin", "apple health", "x" * 300, "fitbit_takeout\x00"])
def test_an_unknown_kind_is_a_422_naming_kind_and_writes_nothing(
    client: TestClient, cast: Cast, engine: Engine, export: SyntheticExport, kind: str
) -> None:
    before = database_snapshot(engine, skip=BOOKKEEPING_TABLES)
    status, body = _upload(client, cast, export.path, kind)
    assert status == 422, body
    assert body["errors"] == [{"field": "kind", "message": body["detail"]}]
    assert "one of: apple_health, fitbit_takeout, open_mhealth, fhir" in str(body["detail"])
    assert len(str(body["detail"])) < 200
    assert database_snapshot(engine, skip=BOOKKEEPING_TABLES) == before


def test_a_kind_that_does_not_match_the_file_leaves_no_running_import(
    app: FastAPI, client: TestClient, cast: Cast, export: SyntheticExport
) -> None:
    status, body = _upload(client, cast, export.path, "fhir")
    assert status == 422, body
    assert body["errors"][0]["field"] == "file"
    with app.state.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(WearableImport)) == 0


@pytest.mark.parametrize("kind", [*WearableFormat, "garmin"])
def test_the_cli_takes_the_same_kinds(tmp_path: Path, kind: str) -> None:
    missing = tmp_path / "missing.zip"
    command = ["wearables", "import", str(missing), "--patient", "1", "--as", "x", "--kind", kind]
    result = CliRunner().invoke(cli, command)
    if kind != "garmin":
        # The kind is taken; the command goes on to find that the file is missing.
        assert result.exit_code == 1, result.output
        assert "no such file" in result.output
    else:
        assert result.exit_code == 2, result.output  # a usage error, before anything runs
