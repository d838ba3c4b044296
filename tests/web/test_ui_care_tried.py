"""The therapies-tried page: linked from the patient page for the care team, listing entries
and recording one through a CSRF-checked form; a mistake shows the form again with the field
named and nothing stored; a wrong entry is marked entered in error, never deleted."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from painpath.models import CareTherapyTried, TherapyTriedStatus
from tests.support.cohort import PASSWORD, Cast

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client: TestClient, username: str) -> str:
    match = CSRF_FIELD.search(client.get("/login").text)
    assert match
    form = {"username": username, "password": PASSWORD, "csrf_token": match.group(1)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    return match.group(1)


def page_token(client: TestClient, url: str) -> str:
    match = CSRF_FIELD.search(client.get(url).text)
    assert match
    return match.group(1)


def rows(app: FastAPI) -> list[CareTherapyTried]:
    with app.state.session_factory() as session:
        return list(session.scalars(select(CareTherapyTried).order_by(CareTherapyTried.id)))


def test_the_patient_page_links_the_care_team_to_therapies_tried(
    client: TestClient, cast: Cast
) -> None:
    sign_in(client, "clinician")
    page = client.get(f"/patients/{cast.home_patient_id}")
    assert f'href="/patients/{cast.home_patient_id}/care/therapies-tried"' in page.text


def test_a_clinician_records_a_therapy_and_corrects_it(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    sign_in(client, "clinician")
    url = f"/patients/{cast.home_patient_id}/care/therapies-tried"
    empty = client.get(url)
    assert empty.status_code == 200
    assert "No therapies tried recorded." in empty.text
    assert '<optgroup label="Digital">' in empty.text
    form = {
        "csrf_token": page_token(client, url),
        "therapy": "pregabalin",
        "outcome": "intolerance",
        "weeks": "4",
        "ended_on": "2026-02-10",
        "note": "dizziness",
    }
    done = client.post(url, data=form, follow_redirects=False)
    assert done.status_code == 303
    listed = client.get(url)
    assert "Recorded: Pregabalin, not tolerated." in listed.text
    assert "dizziness" in listed.text
    (row,) = rows(app)
    assert (row.therapy, row.outcome, row.weeks, row.recorder_role) == (
        "pregabalin",
        "intolerance",
        4,
        "clinician",
    )
    mark = {"csrf_token": page_token(client, url), "reason": "belongs to another visit"}
    marked = client.post(f"{url}/{row.id}/entered-in-error", data=mark, follow_redirects=False)
    assert marked.status_code == 303
    (row,) = rows(app)
    assert row.status is TherapyTriedStatus.entered_in_error
    assert "entered in error" in client.get(url).text


def test_a_mistake_names_the_field_and_stores_nothing(
    app: FastAPI, client: TestClient, cast: Cast
) -> None:
    sign_in(client, "clinician")
    url = f"/patients/{cast.home_patient_id}/care/therapies-tried"
    form = {"csrf_token": page_token(client, url), "therapy": "pregabalin", "outcome": "meh"}
    refused = client.post(url, data=form)
    assert refused.status_code == 422
    assert 'id="outcome-error"' in refused.text
    form = {
        "csrf_token": page_token(client, url),
        "therapy": "pregabalin",
        "outcome": "intolerance",
        "weeks": "lots",
    }
    refused = client.post(url, data=form)
    assert refused.status_code == 422
    assert 'id="weeks-error"' in refused.text
    no_token = {"therapy": "pregabalin", "outcome": "intolerance"}
    assert client.post(url, data=no_token).status_code == 403
    with app.state.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(CareTherapyTried)) == 0


def test_a_pharmacist_reads_the_list_without_the_forms(client: TestClient, cast: Cast) -> None:
    sign_in(client, "pharmacist")
    page = client.get(f"/patients/{cast.home_patient_id}/care/therapies-tried")
    assert page.status_code == 200
    assert "Record a therapy tried" not in page.text
    sign_in(client, "other_clinician")
    assert client.get(f"/patients/{cast.home_patient_id}/care/therapies-tried").status_code == 403
