"""PROMIS T-scores from derived tables (6a, 6b) are marked unverified in the API response and on
the pages that show them; short forms with fewer than 4 answers are refused over the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from painpath.kit.clock import utcnow
from tests.support.cohort import Cast
from tests.web.test_ui_pages import sign_in


def post(client: TestClient, cast: Cast, instrument: str, answers: list[Any]) -> Any:
    return client.post(
        f"/api/patients/{cast.home_patient_id}/questionnaire-responses",
        json={"instrument": instrument, "answers": answers, "authored_at": utcnow().isoformat()},
        headers=cast.headers(client, "patient"),
    )


def test_finding_8_api_and_pages_mark_a_derived_t_score_table_as_unverified(
    client: TestClient, cast: Cast
) -> None:
    """Issue 9, finding 8: the PROMIS PI 6a/6b T-score tables were derived by painpath and not
    checked against the HealthMeasures PROMIS Pain Interference scoring manual; the API
    response, the response page and the patient summary say so, not only the data file."""
    sent = post(client, cast, "promis-pi-6a", [2, 2, 2, 2, 2, 2])
    assert sent.status_code == 201, sent.text
    score = sent.json()["score"]
    assert (score["t_score"], score["t_score_verified"]) == (55.6, False)
    assert any(flag["code"] == "t_score_unverified" for flag in score["flags"])

    sign_in(client, "clinician")
    done = client.get(
        f"/patients/{cast.home_patient_id}/questionnaire-responses/{sent.json()['id']}"
    )
    assert done.status_code == 200, done.text
    assert '<dt>T-score</dt><dd>55.6 <span class="badge warn">unverified: derived table' in (
        done.text
    )
    summary = client.get(f"/patients/{cast.home_patient_id}")
    assert "T-score 55.6</span>" in summary.text
    assert "unverified T-score table</span>" in summary.text


def test_a_verified_table_carries_no_mark(client: TestClient, cast: Cast) -> None:
    sent = post(client, cast, "promis-pi-8a", [2] * 8)
    assert sent.status_code == 201, sent.text
    assert sent.json()["score"]["t_score_verified"] is True
    sign_in(client, "clinician")
    summary = client.get(f"/patients/{cast.home_patient_id}")
    assert "T-score 55.8</span>" in summary.text  # raw 16 on the manual's 8a table
    assert "unverified T-score table" not in summary.text


def test_finding_8_api_refuses_a_short_form_with_fewer_than_four_answers(
    client: TestClient, cast: Cast
) -> None:
    """Issue 9, finding 8 (HealthMeasures Scoring Instructions: a precise score needs at least
    4 answered items on forms of 4 or more items): 3 of 6 was prorated before the fix."""
    refused = post(client, cast, "promis-pi-6b", [2, 2, 2, None, None, None])
    assert refused.status_code == 422, refused.text
    assert "at least 4 of 6 items must be answered" in refused.text
