"""Wearable exports stored for a patient: batches, idempotency, daily aggregates, refusals.

Runs on SQLite and PostgreSQL (the `app` fixture is parametrized over both).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from painpath.auth.actor import Actor
from painpath.db.base import Base
from painpath.models.audit_event import AuditEvent
from painpath.models.observation import Observation
from painpath.models.user import User
from painpath.models.wearable import WearableDay, WearableImport, WearableSample
from painpath.monitoring.wearables import import_file
from painpath.monitoring.wearables.synthetic import SyntheticExport, write_apple_export
from painpath.services.errors import AccessDenied, InvalidInput
from painpath.services.wearables.importer import import_wearable_file
from tests.support.cohort import Cast

Headers = dict[str, str]
CHICAGO = "America/Chicago"  # the cast's home patient lives there


@pytest.fixture
def export(tmp_path: Path) -> SyntheticExport:
    """Four synthetic days (watch and phone, one drawer day) in the patient's own zone."""
    return write_apple_export(
        tmp_path / "export.xml", days=4, seed=7, start=date(2026, 3, 6), tz=CHICAGO
    )


def actor(app: FastAPI, username: str) -> Actor:
    with app.state.session_factory() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return Actor.of(user)


def test_an_export_is_stored_once_with_its_daily_aggregates(
    app: FastAPI, cast: Cast, export: SyntheticExport, count: Callable[[type[Base]], int]
) -> None:
    expected_samples = len(list(import_file(export.path, tz=ZoneInfo(CHICAGO))))
    batches: list[int] = []
    first = import_wearable_file(
        app.state.session_factory,
        actor=actor(app, "patient"),
        patient_id=cast.home_patient_id,
        path=export.path,
        batch_size=1_000,
        on_batch=batches.append,
    )
    assert first.status == "complete"
    assert not first.already_imported
    assert first.samples_read == first.samples_added == expected_samples
    assert batches == [1_000] * (expected_samples // 1_000) + [expected_samples % 1_000]
    assert count(WearableSample) == expected_samples
    assert first.report["skipped"]  # basal energy is not imported: counted, not dropped silently

    with app.state.session_factory() as session:
        days = {
            row.day: row
            for row in session.scalars(
                select(WearableDay).where(WearableDay.patient_id == cast.home_patient_id)
            )
        }
        steps = {
            row.client_id: row.value
            for row in session.scalars(
                select(Observation).where(Observation.loinc_code == "41950-7")
            )
        }
    for truth in export.days:
        # iPhone and Watch steps for the same minutes are counted once (the generator knows the
        # right total without painpath's rules).
        assert days[truth.day].steps == pytest.approx(truth.steps, abs=0.5)
        assert (days[truth.day].sleep_minutes or 0) == pytest.approx(truth.sleep_minutes, abs=0.5)
        assert steps[f"daily:41950-7:{truth.day}"] == pytest.approx(truth.steps, abs=0.5)

    again = import_wearable_file(
        app.state.session_factory,
        actor=actor(app, "patient"),
        patient_id=cast.home_patient_id,
        path=export.path,
    )
    assert again.already_imported
    assert again.import_id == first.import_id
    assert count(WearableSample) == expected_samples
    assert count(WearableImport) == 1


def test_the_same_samples_in_another_file_add_nothing(
    app: FastAPI, cast: Cast, export: SyntheticExport, count: Callable[[type[Base]], int]
) -> None:
    """A re-export (another file, other bytes) with the same records adds no sample."""
    kwargs = {"actor": actor(app, "clinician"), "patient_id": cast.home_patient_id}
    first = import_wearable_file(app.state.session_factory, path=export.path, **kwargs)
    copy = export.path.with_name("again.xml")
    copy.write_bytes(export.path.read_bytes() + b"\n<!-- re-exported -->\n")
    second = import_wearable_file(app.state.session_factory, path=copy, **kwargs)
    assert not second.already_imported
    assert second.samples_read == first.samples_read
    assert second.samples_added == 0
    assert count(WearableSample) == first.samples_added


def test_a_truncated_file_is_refused_and_leaves_nothing(
    app: FastAPI, cast: Cast, export: SyntheticExport, count: Callable[[type[Base]], int]
) -> None:
    data = export.path.read_bytes()
    cut = export.path.with_name("cut.xml")
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(InvalidInput, match=r"line \d+, column \d+"):
        import_wearable_file(
            app.state.session_factory,
            actor=actor(app, "patient"),
            patient_id=cast.home_patient_id,
            path=cut,
            batch_size=500,
        )
    assert count(WearableSample) == 0
    assert count(WearableImport) == 0
    assert count(WearableDay) == 0


def test_another_patients_import_is_refused_and_audited(
    app: FastAPI, cast: Cast, export: SyntheticExport, count: Callable[[type[Base]], int]
) -> None:
    with pytest.raises(AccessDenied):
        import_wearable_file(
            app.state.session_factory,
            actor=actor(app, "patient"),
            patient_id=cast.foreign_patient_id,
            path=export.path,
        )
    assert count(WearableSample) == 0
    with app.state.session_factory() as session:
        denied = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "wearable.import",
                AuditEvent.patient_id == cast.foreign_patient_id,
                AuditEvent.outcome == "denied",
            )
        )
    assert denied == 1


def test_upload_then_days_and_completeness_over_http(
    client: TestClient, cast: Cast, export: SyntheticExport
) -> None:
    patient = cast.headers(client, "patient")
    clinician = cast.headers(client, "clinician")
    url = f"/api/patients/{cast.home_patient_id}/wearables"
    with export.path.open("rb") as handle:
        created = client.post(
            f"{url}/imports", files={"file": ("export.xml", handle, "text/xml")}, headers=patient
        )
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "complete"
    with export.path.open("rb") as handle:
        repeated = client.post(
            f"{url}/imports", files={"file": ("export.xml", handle, "text/xml")}, headers=patient
        )
    assert repeated.status_code == 200
    assert repeated.json()["already_imported"] is True

    first, last = export.days[0].day, export.days[-1].day
    days = client.get(f"{url}/days", params={"start": first, "end": last}, headers=clinician)
    assert days.status_code == 200
    by_day = {d["day"]: d for d in days.json()}
    drawer = next(d for d in export.days if not d.watch_worn)
    assert by_day[str(drawer.day)]["step_sources"] == ["phone"]
    assert by_day[str(drawer.day)]["steps"] == pytest.approx(drawer.steps, abs=0.5)

    view = client.get(
        f"{url}/completeness",
        params={"start": str(first), "end": "2026-03-12"},
        headers=clinician,
    )
    assert view.status_code == 200
    states = {d["day"]: d for d in view.json()}
    drawer_steps = next(s for s in states[str(drawer.day)]["streams"] if s["stream"] == "steps")
    assert drawer_steps["reason"] == "only phone, no watch worn"
    after = states["2026-03-12"]
    assert not after["complete"]
    assert {s["reason"] for s in after["streams"]} == {"the file ended before this day"}

    bad = client.get(f"{url}/days", params={"start": last, "end": first}, headers=clinician)
    assert bad.status_code == 422
    assert "end" in bad.text


def test_an_upload_that_is_not_an_export_is_refused(client: TestClient, cast: Cast) -> None:
    patient = cast.headers(client, "patient")
    response = client.post(
        f"/api/patients/{cast.home_patient_id}/wearables/imports",
        files={"file": ("notes.txt", b"just some words\n", "text/plain")},
        headers=patient,
    )
    assert response.status_code == 422
    assert response.json()["detail"]
