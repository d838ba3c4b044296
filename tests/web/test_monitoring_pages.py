"""The remote-monitoring pages without a browser: form validation, the gate and its audit trail,
questionnaire refusals naming the item, alert actions, the panel's alert list, the summary."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from painpath.kit.clock import utcnow
from painpath.models import AuditEvent, AuditOutcome
from painpath.models.alert import Alert, AlertSeverity, AlertStatus
from painpath.models.pain_diary import PainDiaryEntry
from painpath.models.questionnaire import QuestionnaireResponse
from tests.support.cohort import Cast
from tests.support.walk import endpoints
from tests.web.test_ui_pages import csrf_from, sign_in

ERROR = re.compile(r'class="field-error" id="([\w-]+)-error">([^<]*)<')


def field_errors(html: str) -> dict[str, str]:
    return dict(ERROR.findall(html))


def rows(app: FastAPI, model: type[Any]) -> int:
    with app.state.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def last_event(app: FastAPI, **filters: object) -> AuditEvent:
    with app.state.session_factory() as session:
        query = select(AuditEvent).filter_by(**filters).order_by(AuditEvent.id.desc())
        found = session.scalars(query).first()
    assert found is not None, filters
    return found


@pytest.fixture
def patient_client(client: TestClient, cast: Cast) -> TestClient:
    assert sign_in(client, "patient").status_code == 303
    return client


def patient_today() -> date:
    """Today where the cast's patients live (America/Chicago): the diary refuses later days, and
    the machine's own date runs ahead of Chicago's for hours after midnight UTC."""
    return datetime.now(ZoneInfo("America/Chicago")).date()


def diary_form(client: TestClient, patient_id: int, **fields: Any) -> dict[str, Any]:
    page = client.get(f"/patients/{patient_id}/diary")
    assert page.status_code == 200, page.text
    return {
        "csrf_token": csrf_from(page.text),
        "local_date": patient_today().isoformat(),
        "pain": "5",
        **fields,
    }


# Pain diary


def test_diary_form_errors_are_named_beside_each_field_and_nothing_is_stored(
    app: FastAPI, patient_client: TestClient, cast: Cast
) -> None:
    home = cast.home_patient_id
    form = diary_form(
        patient_client,
        home,
        pain="",
        sleep_hours="30",
        mood="11",
        triggers=",".join(f"t{n}" for n in range(11)),
    )
    response = patient_client.post(f"/patients/{home}/diary", data=form)
    assert response.status_code == 422
    assert "The entry was not saved." in response.text
    errors = field_errors(response.text)
    assert errors["pain"].startswith("Choose how bad your pain is, from 0")
    assert errors["triggers"].startswith("List up to 10 things")
    assert 'aria-invalid="true"' in response.text

    form = diary_form(patient_client, home, sleep_hours="thirty", mood="11")
    response = patient_client.post(
        f"/patients/{home}/diary", data={**form, "body_regions": ["lower-back", "tail"]}
    )
    assert response.status_code == 422
    errors = field_errors(response.text)
    assert errors["sleep_hours"].startswith("Enter the hours you slept as a number from 0 to 24")
    assert errors["mood"].startswith("Choose your mood from 0 (worst) to 10 (best)")
    assert errors["body_regions"] == "Choose the areas from the body map."
    # What was entered comes back, so nothing has to be typed twice.
    assert 'value="thirty"' in response.text
    assert 'value="lower-back" aria-label="Lower back" checked' in response.text

    form = diary_form(
        patient_client, home, local_date=(patient_today() + timedelta(days=3)).isoformat()
    )
    response = patient_client.post(f"/patients/{home}/diary", data=form)
    assert field_errors(response.text) == {"local_date": "Choose one of the days in the list."}
    assert rows(app, PainDiaryEntry) == 0
    refused = last_event(app, resource_type="PainDiaryEntry", action="create")
    assert refused.outcome == AuditOutcome.failure
    assert refused.detail == "diary entry refused: local_date"


def test_a_diary_entry_is_stored_once_even_when_the_form_is_sent_twice(
    app: FastAPI, patient_client: TestClient, cast: Cast
) -> None:
    home = cast.home_patient_id
    page = patient_client.get(f"/patients/{home}/diary")
    client_id = re.search(r'name="client_id" value="(\w+)"', page.text)
    assert client_id
    form = {
        "csrf_token": csrf_from(page.text),
        "client_id": client_id.group(1),
        "local_date": patient_today().isoformat(),
        "pain": "7",
        "body_regions": ["lower-back", "hip-left"],
        "qualities": ["aching"],
        "triggers": "gardening, long drive",
        "sleep_hours": "6,5",
        "mood": "4",
        "notes": "Stiff in the morning",
    }
    for _ in range(2):
        response = patient_client.post(f"/patients/{home}/diary", data=form, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/patients/{home}/diary"
    assert rows(app, PainDiaryEntry) == 1
    with app.state.session_factory() as session:
        entry = session.scalars(select(PainDiaryEntry)).one()
    assert (entry.pain, entry.sleep_hours, entry.mood) == (7, 6.5, 4)
    assert entry.triggers == ["gardening", "long drive"]
    assert entry.body_regions == ["lower-back", "hip-left"]
    page = patient_client.get(f"/patients/{home}/diary")
    assert "Saved: pain 7 out of 10" in page.text
    assert "Pain 7/10" in page.text
    assert "Set off by: gardening, long drive" in page.text
    created = last_event(app, resource_type="PainDiaryEntry", action="create")
    assert (created.outcome, created.resource_id) == (AuditOutcome.success, str(entry.id))


def test_diary_form_needs_its_csrf_token_and_the_patients_own_record(
    app: FastAPI, patient_client: TestClient, cast: Cast
) -> None:
    home, foreign = cast.home_patient_id, cast.foreign_patient_id
    form = diary_form(patient_client, home)
    forged = patient_client.post(f"/patients/{home}/diary", data={**form, "csrf_token": "forged"})
    assert forged.status_code == 403
    assert "This form has expired" in forged.text

    refused = patient_client.post(f"/patients/{foreign}/diary", data=form)
    assert refused.status_code == 403
    assert "Farah" not in refused.text
    denied = last_event(app, patient_id=foreign, resource_type="PainDiaryEntry")
    assert denied.outcome == AuditOutcome.denied
    assert patient_client.get(f"/patients/{foreign}/diary").status_code == 403
    assert rows(app, PainDiaryEntry) == 0


# Questionnaires


def assign(client: TestClient, cast: Cast, instrument: str = "phq-9") -> int:
    headers = cast.headers(client, "clinician")
    response = client.post(
        f"/api/patients/{cast.home_patient_id}/questionnaire-assignments",
        json={
            "instrument": instrument,
            "recurrence": "once",
            "starts_at": (utcnow() - timedelta(minutes=5)).isoformat(),
            "window_minutes": 1440,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def phq9(answers: list[int | str], csrf_token: str) -> dict[str, str]:
    form = {f"item-{n}": str(value) for n, value in enumerate(answers, start=1) if value != ""}
    return {**form, "csrf_token": csrf_token}


def test_questionnaire_refusals_name_the_item_and_store_nothing(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    assignment = assign(client, cast)
    sign_in(client, "patient")
    home = cast.home_patient_id
    due = client.get(f"/patients/{home}/questionnaires")
    link = f"/patients/{home}/questionnaires/{assignment}/occurrences/0"
    assert f'href="{link}"' in due.text
    form_page = client.get(link)
    assert form_page.status_code == 200
    assert "Thoughts of being better off dead or of self-harm" in form_page.text
    token = csrf_from(form_page.text)

    answers: list[int | str] = [0, 1, 7, 0, 0, 0, 0, 0, 0]
    response = client.post(link, data=phq9(answers, token))
    assert response.status_code == 422
    assert "Your answers were not sent. PHQ-9 item 3: 7 is outside 0-3." in response.text

    response = client.post(link, data={**phq9(answers, token), "item-3": "often"})
    assert "PHQ-9 item 3: choose one of the listed answers" in response.text

    response = client.post(link, data=phq9([0, 1, "", 0, 0, 0, 0, 0, ""], token))
    assert response.status_code == 422
    assert "PHQ-9 items 3, 9: unanswered" in response.text
    assert 'id="q-3-error">Not answered yet.' in response.text
    assert 'value="1" checked' in response.text  # item 2's answer is kept
    # no urgent answer among those given (a bare "988" could sit in a random token)
    assert 'href="tel:988"' not in response.text
    assert rows(app, QuestionnaireResponse) == 0
    refused = last_event(app, resource_type="QuestionnaireResponse", action="create")
    assert refused.outcome == AuditOutcome.failure
    assert refused.resource_id == str(assignment)

    # Item 9 above 0 with another item missing: refused, but the crisis lines show at once.
    response = client.post(link, data=phq9([0, 1, "", 0, 0, 0, 0, 0, 2], token))
    assert response.status_code == 422
    assert "call or text" in response.text.lower()
    assert 'href="tel:988"' in response.text


def test_phq9_item9_shows_the_safety_message_and_raises_an_urgent_alert(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    assignment = assign(client, cast)
    sign_in(client, "patient")
    home = cast.home_patient_id
    link = f"/patients/{home}/questionnaires/{assignment}/occurrences/0"
    token = csrf_from(client.get(link).text)
    sent = client.post(link, data=phq9([1, 1, 0, 0, 0, 0, 0, 0, 1], token), follow_redirects=False)
    assert sent.status_code == 303
    done = client.get(sent.headers["location"])
    assert done.status_code == 200
    assert "Your care team has been alerted" in done.text
    assert 'href="tel:988"' in done.text
    assert "call 911" in done.text
    assert "Score" not in done.text  # the patient is not shown the score
    with app.state.session_factory() as session:
        alert = session.scalars(select(Alert)).one()
    assert (alert.severity, alert.status) == (AlertSeverity.urgent, AlertStatus.open)
    assert alert.patient_id == home
    # Completed: no longer offered, and a second post is turned away.
    assert f'href="{link}"' not in client.get(f"/patients/{home}/questionnaires").text
    again = client.post(link, data=phq9([0] * 9, token), follow_redirects=False)
    assert again.status_code == 303
    assert rows(app, QuestionnaireResponse) == 1


# Alerts: the panel, the summary, acknowledge and resolve


def urgent_alert(client: TestClient, cast: Cast) -> int:
    """PHQ-9 item 9 answered 1 through the API, as the patient's phone would."""
    headers = cast.headers(client, "patient")
    response = client.post(
        f"/api/patients/{cast.home_patient_id}/questionnaire-responses",
        json={
            "instrument": "phq-9",
            "answers": [0, 0, 0, 0, 0, 0, 0, 0, 1],
            "authored_at": utcnow().isoformat(),
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    with client.app.state.session_factory() as session:  # type: ignore[attr-defined]
        return int(session.scalars(select(Alert.id)).one())


def test_the_panel_lists_alerts_of_the_viewers_patients_only(
    client: TestClient, cast: Cast
) -> None:
    alert_id = urgent_alert(client, cast)
    sign_in(client, "clinician")
    panel = client.get("/panel")
    assert f'data-alert-id="{alert_id}"' in panel.text
    assert 'data-stream="/api/monitoring/alerts/stream"' in panel.text
    assert '<script src="/static/alerts_live.js" defer></script>' in panel.text
    fragment = client.get("/panel/alerts")
    assert fragment.status_code == 200
    assert f'data-alert-id="{alert_id}"' in fragment.text
    assert "Hana Synthetic" in fragment.text
    assert "<html" not in fragment.text

    client.cookies.clear()
    sign_in(client, "other_clinician")
    assert f'data-alert-id="{alert_id}"' not in client.get("/panel").text
    assert "Hana" not in client.get("/panel/alerts").text
    client.cookies.clear()
    sign_in(client, "patient")
    assert client.get("/panel/alerts").status_code == 403


def test_acknowledge_then_resolve_from_the_summary_with_audited_refusals(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    alert_id = urgent_alert(client, cast)
    home = cast.home_patient_id
    base = f"/patients/{home}/alerts/{alert_id}"

    sign_in(client, "patient")
    token = csrf_from(client.get(f"/patients/{home}").text)
    assert client.post(f"{base}/acknowledge", data={"csrf_token": token}).status_code == 403
    assert last_event(app, resource_type="Alert", action="update").outcome == AuditOutcome.denied

    client.cookies.clear()
    sign_in(client, "clinician")
    summary = client.get(f"/patients/{home}")
    assert "Remote monitoring" in summary.text
    assert f'action="{base}/acknowledge"' in summary.text
    token = csrf_from(summary.text)
    next_path = f"/patients/{home}#monitoring"
    form = {"csrf_token": token, "next": next_path}
    response = client.post(f"{base}/acknowledge", data=form, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, next_path)
    again = client.post(f"{base}/acknowledge", data=form)
    assert "Nothing changed: alert" in again.text
    assert "is acknowledged: it cannot be acknowledged" in again.text
    assert last_event(app, resource_type="Alert", action="update").outcome == AuditOutcome.failure

    too_long = client.post(f"{base}/resolve", data={**form, "note": "x" * 1001})
    assert "the resolution note can be at most 1000 characters" in too_long.text
    resolved = client.post(f"{base}/resolve", data={**form, "note": "Called; safe"})
    assert "Alert resolved: PHQ-9 item 9 positive" in resolved.text
    with app.state.session_factory() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        assert (alert.status, alert.resolution_note) == (AlertStatus.resolved, "Called; safe")
        assert alert.acknowledged_by == cast.user_ids["clinician"]
    assert f'action="{base}/resolve"' not in client.get(f"/patients/{home}").text

    outside = client.post(
        f"/patients/{cast.foreign_patient_id}/alerts/{alert_id}/resolve", data=form
    )
    assert outside.status_code == 403
    assert "Farah" not in outside.text


def test_the_summary_shows_diary_trend_scores_with_immpact_change_and_prints(
    client: TestClient, cast: Cast
) -> None:
    home = cast.home_patient_id
    headers = cast.headers(client, "patient")
    for days_ago, pain in ((1, 6), (2, 5), (5, 8)):
        day = (patient_today() - timedelta(days=days_ago)).isoformat()
        response = client.post(
            f"/api/patients/{home}/pain-diary",
            json={"local_date": day, "pain": pain},
            headers=headers,
        )
        assert response.status_code == 201, response.text
    for weeks_ago, answers in ((4, [2, 2, 1, 1, 1, 1, 1, 1, 0]), (0, [1, 1, 0, 1, 0, 0, 0, 1, 0])):
        response = client.post(
            f"/api/patients/{home}/questionnaire-responses",
            json={
                "instrument": "phq-9",
                "answers": answers,
                "authored_at": (utcnow() - timedelta(weeks=weeks_ago)).isoformat(),
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text

    sign_in(client, "clinician")
    page = client.get(f"/patients/{home}")
    assert page.status_code == 200
    assert "Pain diary over the last 30 days: latest 6, average 6.3, range 5 to 8" in page.text
    assert '<abbr title="Patient Health Questionnaire-9 (depression severity)">PHQ-9</abbr>' in (
        page.text
    )
    assert "<td>Score 4</td>" in page.text
    assert "<td>minimal</td>" in page.text
    assert "Baseline 10" in page.text
    assert "improved, −6 points (−60 %)" in page.text
    assert "substantial (≥ 50 %)" in page.text
    event = last_event(client.app, resource_type="Patient", action="read")  # type: ignore[arg-type]
    assert event.detail is not None
    assert event.detail.endswith("remote monitoring")

    # The patient's own summary links to the diary and questionnaires instead.
    client.cookies.clear()
    sign_in(client, "patient")
    own = client.get(f"/patients/{home}")
    assert f'href="/patients/{home}/diary">Record today’s pain' in own.text
    assert "Remote monitoring" not in own.text


MONITORING_PAGES = {
    "GET /patients/{patient_id}/diary",
    "POST /patients/{patient_id}/diary",
    "GET /patients/{patient_id}/questionnaires",
    "GET /patients/{patient_id}/questionnaires/{assignment_id}/occurrences/{occurrence}",
    "POST /patients/{patient_id}/questionnaires/{assignment_id}/occurrences/{occurrence}",
    "GET /patients/{patient_id}/questionnaire-responses/{response_id}",
    "POST /patients/{patient_id}/alerts/{alert_id}/acknowledge",
    "POST /patients/{patient_id}/alerts/{alert_id}/resolve",
    "GET /panel/alerts",
}


def test_the_access_walk_sees_every_monitoring_page(app: FastAPI) -> None:
    """tests/web/test_access_walk.py walks what `endpoints` lists: these pages are among them,
    and all but the panel's list sit behind `{patient_id}`, where the walk expects the gate."""
    listed = {str(endpoint): endpoint for endpoint in endpoints(app)}
    assert set(listed) >= MONITORING_PAGES
    scoped = {name for name in MONITORING_PAGES if listed[name].is_patient_scoped}
    assert scoped == MONITORING_PAGES - {"GET /panel/alerts"}
