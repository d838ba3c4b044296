"""The patient app without a browser: the manifest and service worker it installs from, its
pages behind the gate (patients only, audited), progress worded from the patient's own data,
the no-JavaScript dose and snooze forms, and the sync API used the way the app uses it (the
session cookie plus the CSRF header), replays included."""

from __future__ import annotations

import json
import re
import struct
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from painpath.kit.clock import utcnow
from painpath.models import AuditEvent
from painpath.models.medication import (
    MedicationAdministration,
)
from painpath.models.observation import Observation, ObservationStatus
from painpath.models.pain_diary import PainDiaryEntry
from painpath.models.questionnaire_schedule import QuestionnaireAssignment
from painpath.services.transaction import unit_of_work
from painpath.web.ui.app_shell import SHELL_FILES, shell_version
from tests.support.cohort import Cast
from tests.support.orders import as_needed_oxycodone
from tests.web.test_ui_pages import sign_in

CHICAGO = ZoneInfo("America/Chicago")
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def patient_today() -> date:
    return datetime.now(CHICAGO).date()


def count(app: FastAPI, model: type[Any], **filters: object) -> int:
    with app.state.session_factory() as session:
        query = select(func.count()).select_from(model).filter_by(**filters)
        return int(session.scalar(query) or 0)


@pytest.fixture
def patient_client(client: TestClient, cast: Cast) -> TestClient:
    assert sign_in(client, "patient").status_code == 303
    return client


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# Installing: manifest, icons, service worker, policy


def test_manifest_is_valid_and_its_icons_are_real_files(client: TestClient) -> None:
    response = client.get("/app/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.text)
    assert manifest["start_url"] == "/app/"
    assert manifest["scope"] == "/app/"
    assert manifest["display"] == "standalone"
    assert manifest["name"]
    assert manifest["short_name"]
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])
    sizes = set()
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200, icon["src"]
        if icon["type"] == "image/png":
            width, height = _png_size(image.content)
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add(width)
        else:
            assert icon["type"] == "image/svg+xml"
            assert image.text.startswith("<svg")
    assert {192, 512} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


def test_service_worker_is_served_for_the_app_scope_with_a_versioned_shell(
    client: TestClient,
) -> None:
    response = client.get("/app/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["service-worker-allowed"] == "/app/"
    source = response.text
    assert f'const VERSION = "{shell_version()}";' in source
    assert "__SHELL" not in source
    for name in SHELL_FILES:
        assert f'"/static/{name}"' in source
        assert client.get(f"/static/{name}").status_code == 200, name


def test_policy_allows_own_worker_and_manifest_and_stays_strict(client: TestClient) -> None:
    policy = client.get("/login").headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["worker-src"] == "'self'"
    assert directives["manifest-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in policy


# Pages and the gate


def test_pages_are_the_signed_in_patients_and_audited(
    patient_client: TestClient, app: FastAPI, cast: Cast
) -> None:
    for path, title in (
        ("/app/", "Hello, Hana"),
        ("/app/diary", "Pain diary"),
        ("/app/doses", "Medicines"),
        ("/app/questionnaires", "Questionnaires"),
        ("/app/upload", "Wearable data"),
    ):
        page = patient_client.get(path)
        assert page.status_code == 200, path
        assert title in page.text
        assert '<link rel="manifest" href="/app/manifest.webmanifest">' in page.text
        assert f'<meta name="painpath-patient" content="{cast.home_patient_id}">' in page.text
        assert "<script>" not in page.text
        assert " on" + "click=" not in page.text
    with app.state.session_factory() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.detail == "patient app home")
            .order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None
    assert event.patient_id == cast.home_patient_id
    assert event.user_id == cast.user_ids["patient"]


def test_staff_are_refused_and_strangers_sent_to_sign_in(client: TestClient, cast: Cast) -> None:
    anonymous = client.get("/app/diary", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/app/diary"
    assert sign_in(client, "clinician").status_code == 303
    assert client.get("/app/").status_code == 403


def test_body_map_offers_every_region_once_on_front_or_back(patient_client: TestClient) -> None:
    page = patient_client.get("/app/diary").text
    front = page.split('class="figure front"')[1].split("</div>")[0]
    back = page.split('class="figure back"')[1].split("</div>")[0]
    front_codes = re.findall(r'data-region="([\w-]+)"', front)
    back_codes = re.findall(r'data-region="([\w-]+)"', back)
    assert "lower-back" in back_codes
    assert "abdomen" in front_codes
    assert len(front_codes) + len(back_codes) == len(set(front_codes) | set(back_codes)) == 19
    assert page.count('aria-pressed="false"') == 19


def _diary(app: FastAPI, patient_id: int, days_ago: int, pain: int, sleep: float) -> None:
    with unit_of_work(app.state.session_factory) as session:
        session.add(
            PainDiaryEntry(
                patient_id=patient_id,
                local_date=patient_today() - timedelta(days=days_ago),
                recorded_at=utcnow(),
                pain=pain,
                sleep_hours=sleep,
                body_regions=[],
                qualities=[],
                triggers=[],
            )
        )


def test_home_words_the_patients_own_progress(
    patient_client: TestClient, app: FastAPI, cast: Cast
) -> None:
    # Last 30 days: 5 and 6 (mean 5.5); the 30 before: 7 and 8 (7.5); day 60 is outside both.
    for days_ago, pain, sleep in (
        (1, 5, 6.0),
        (20, 6, 7.0),
        (31, 7, 5.0),
        (59, 8, 5.0),
        (60, 0, 9),
    ):
        _diary(app, cast.home_patient_id, days_ago, pain, sleep)
    page = patient_client.get("/app/").text
    assert (
        "Your average pain over the last 30 days: 5.5 out of 10, down from 7.5 in the 30 days"
        " before." in page
    )
    assert (
        "Your average sleep over the last 30 days: 6.5 hours a night, up from 5.0 in the 30 days"
        " before." in page
    )
    assert "That is an improvement." in page


def test_home_counts_prn_doses_and_pain_readings_on_the_patients_days(
    patient_client: TestClient, app: FastAPI, cast: Cast
) -> None:
    order_id = _prn(app, cast.home_patient_id)
    now = utcnow()
    with unit_of_work(app.state.session_factory) as session:
        for days_ago in (0, 2, 2, 40):
            session.add(
                MedicationAdministration(
                    patient_id=cast.home_patient_id,
                    medication_request_id=order_id,
                    effective_at=now - timedelta(days=days_ago),
                    dose_value=5,
                    dose_unit="mg",
                    status="completed",
                    as_needed=True,
                )
            )
        session.add(
            Observation(
                patient_id=cast.home_patient_id,
                status=ObservationStatus.final,
                category="survey",
                loinc_code="72514-3",
                display="Pain severity 0-10",
                value=8.0,
                unit="{score}",
                effective_at=now - timedelta(days=3),
            )
        )
    page = patient_client.get("/app/").text
    assert (
        "As-needed doses you logged over the last 30 days: 3 doses, up from 1 in the 30 days"
        " before." in page
    )
    assert "Your average pain over the last 30 days: 8.0 out of 10." in page


def test_home_without_data_says_so(patient_client: TestClient) -> None:
    assert "Nothing recorded in the last 30 days yet." in patient_client.get("/app/").text


def test_home_links_the_patients_messages_visits_and_care_plan_which_need_a_connection(
    patient_client: TestClient, cast: Cast
) -> None:
    page = patient_client.get("/app/").text
    record = f"/patients/{cast.home_patient_id}"
    for path in ("messages", "visits", "care"):
        link = re.search(rf'<a class="app-tile" href="{record}/{path}"([^>]*)>', page)
        assert link, path
        assert "data-offline" not in link.group(1), "the service worker does not keep it"
        assert patient_client.get(f"{record}/{path}").status_code == 200
    assert re.search(r'<a class="app-tile" href="/app/diary" data-offline>', page)


# Doses and snoozes without JavaScript


def _prn(app: FastAPI, patient_id: int) -> int:
    with unit_of_work(app.state.session_factory) as session:
        order = as_needed_oxycodone(patient_id)
        session.add(order)
        session.flush()
        return order.id


def test_dose_form_logs_once_however_often_it_is_sent(
    patient_client: TestClient, app: FastAPI, cast: Cast
) -> None:
    order_id = _prn(app, cast.home_patient_id)
    page = patient_client.get("/app/doses").text
    assert "I took a dose now" in page
    assert "oxycodone" in page
    token = META_CSRF.search(page)
    assert token
    form = {
        "csrf_token": token.group(1),
        "medication_request_id": str(order_id),
        "taken": "true",
        "client_id": "dose-form-1",
    }
    for _ in range(2):
        response = patient_client.post("/app/doses", data=form, follow_redirects=False)
        assert response.status_code == 303
    rows = count(app, MedicationAdministration, patient_id=cast.home_patient_id)
    assert rows == 1
    with app.state.session_factory() as session:
        dose = session.scalars(select(MedicationAdministration)).one()
    assert dose.as_needed is True
    assert dose.status == "completed"
    assert dose.dose_value == 5
    refused = patient_client.post(
        "/app/doses", data={**form, "csrf_token": "forged"}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert count(app, MedicationAdministration) == 1


def test_snooze_puts_a_due_questionnaire_off(
    patient_client: TestClient, app: FastAPI, cast: Cast
) -> None:
    with unit_of_work(app.state.session_factory) as session:
        assignment = QuestionnaireAssignment(
            patient_id=cast.home_patient_id,
            instrument="peg",
            recurrence="once",
            starts_at=utcnow() - timedelta(minutes=5),
            window_minutes=24 * 60,
            reminder_minutes=[],
            active=True,
        )
        session.add(assignment)
        session.flush()
        assignment_id = assignment.id
    page = patient_client.get("/app/questionnaires").text
    assert "Answer PEG-3" in page
    token = META_CSRF.search(page)
    assert token
    snoozed = patient_client.post(
        f"/app/questionnaires/{assignment_id}/0/snooze",
        data={"csrf_token": token.group(1), "minutes": "60"},
    )
    assert snoozed.status_code == 200
    assert "PEG-3 snoozed until" in snoozed.text
    assert "snoozed until" in patient_client.get("/app/questionnaires").text
    odd = patient_client.post(
        f"/app/questionnaires/{assignment_id}/0/snooze",
        data={"csrf_token": token.group(1), "minutes": "7"},
    )
    assert odd.status_code == 422


# The sync API as the app calls it


def _batch(patient_id: int, order_id: int) -> dict[str, Any]:
    now = utcnow()
    return {
        "batch_id": uuid.uuid4().hex,
        "items": [
            {
                "kind": "pain_diary_entry",
                "client_id": uuid.uuid4().hex,
                "local_date": patient_today().isoformat(),
                "pain": 9,
                "body_regions": ["lower-back", "hip-left"],
                "recorded_at": now.isoformat(),
            },
            {
                "kind": "dose_log",
                "client_id": uuid.uuid4().hex,
                "medication_request_id": order_id,
                "effective_at": now.isoformat(),
                "taken": True,
                "as_needed": True,
            },
        ],
    }


def test_app_syncs_with_its_session_cookie_and_csrf_header_exactly_once(
    patient_client: TestClient, app: FastAPI, cast: Cast
) -> None:
    order_id = _prn(app, cast.home_patient_id)
    token = META_CSRF.search(patient_client.get("/app/").text)
    assert token
    url = f"/api/patients/{cast.home_patient_id}/sync"
    batch = _batch(cast.home_patient_id, order_id)
    forged = patient_client.post(url, json=batch)
    assert forged.status_code == 403
    assert count(app, PainDiaryEntry) == 0
    first = patient_client.post(url, json=batch, headers={"X-CSRF-Token": token.group(1)})
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 2
    replay = patient_client.post(url, json=batch, headers={"X-CSRF-Token": token.group(1)})
    assert replay.status_code == 200
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    # The same entries in a new batch (the app lost the batch, not the entries): duplicates.
    again = patient_client.post(
        url,
        json={**batch, "batch_id": uuid.uuid4().hex},
        headers={"X-CSRF-Token": token.group(1)},
    )
    assert again.json()["duplicates"] == 2
    assert count(app, PainDiaryEntry, patient_id=cast.home_patient_id) == 1
    assert count(app, MedicationAdministration, patient_id=cast.home_patient_id) == 1
    other = f"/api/patients/{cast.foreign_patient_id}/sync"
    refused = patient_client.post(other, json=batch, headers={"X-CSRF-Token": token.group(1)})
    assert refused.status_code == 403
