"""Per-patient alert thresholds: read the defaults, override them (checked against the rules),
and the evaluation uses them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.monitoring_api.conftest import Headers
from tests.monitoring_api.stored import by_rule, days, diary, evaluate, stored
from tests.support.cohort import Cast

TODAY = date(2026, 11, 30)


def test_the_defaults_come_from_the_rules(client: TestClient, patient: Headers, home: str) -> None:
    response = client.get(f"{home}/alert-thresholds", headers=patient)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["overrides"], body["pain_baseline"], body["updated_by"]) == ({}, None, None)
    assert body["defaults"]["pain_worsening"] == {
        "points": 2.0,
        "percent": 30.0,
        "window_days": 7.0,
        "min_days_per_window": 4.0,
    }
    assert body["effective"] == body["defaults"]


def test_a_clinician_overrides_a_threshold(
    client: TestClient, clinician: Headers, cast: Cast, home: str
) -> None:
    body = {"overrides": {"pain_worsening": {"points": 3}}, "pain_baseline": 4.5}
    response = client.put(f"{home}/alert-thresholds", json=body, headers=clinician)
    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["overrides"] == {"pain_worsening": {"points": 3.0}}
    assert saved["effective"]["pain_worsening"]["points"] == 3.0
    assert saved["effective"]["pain_worsening"]["percent"] == 30.0
    assert (saved["pain_baseline"], saved["updated_by"]) == (4.5, cast.user_ids["clinician"])
    assert client.get(f"{home}/alert-thresholds", headers=clinician).json() == saved
    reset = client.put(f"{home}/alert-thresholds", json={}, headers=clinician).json()
    assert (reset["overrides"], reset["pain_baseline"]) == ({}, None)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"pain_wrosening": {"points": 3}}, "overrides.pain_wrosening"),
        ({"pain_worsening": {"pionts": 3}}, "overrides.pain_worsening.pionts"),
        ({"pain_worsening": {"points": -1}}, "overrides.pain_worsening.points"),
        ({"pain_worsening": {"points": "3"}}, "overrides.pain_worsening.points"),
        ({"pdc_low": {"pdc": 80}}, "overrides.pdc_low.pdc"),
        (
            {"opioid_early_refill": {"share_elapsed": 0}},
            "overrides.opioid_early_refill.share_elapsed",
        ),
        ({"phq9_item9": {"lookback_days": 5000}}, "overrides.phq9_item9.lookback_days"),
    ],
)
def test_a_bad_override_is_refused_naming_it(
    client: TestClient, clinician: Headers, home: str, overrides: dict[str, Any], field: str
) -> None:
    response = client.put(
        f"{home}/alert-thresholds", json={"overrides": overrides}, headers=clinician
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert client.get(f"{home}/alert-thresholds", headers=clinician).json()["overrides"] == {}


def test_a_baseline_outside_the_scale_is_refused(
    client: TestClient, clinician: Headers, home: str
) -> None:
    response = client.put(f"{home}/alert-thresholds", json={"pain_baseline": 11}, headers=clinician)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["pain_baseline"]


def test_patients_read_but_do_not_change_their_thresholds(
    client: TestClient, patient: Headers, home: str
) -> None:
    body = {"overrides": {"pain_worsening": {"points": 9}}}
    assert client.put(f"{home}/alert-thresholds", json=body, headers=patient).status_code == 403


def test_the_evaluation_uses_the_patients_thresholds_and_baseline(
    app: FastAPI, client: TestClient, clinician: Headers, cast: Cast, home: str
) -> None:
    """Baseline week 4/10, last week 7/10: a rise of 3 points (75 %)."""
    patient_id = cast.home_patient_id
    with stored(app) as session:
        for day in days(date(2026, 11, 11), 7):
            diary(session, patient_id, day, 4)
        for day in days(date(2026, 11, 24), 7):
            diary(session, patient_id, day, 7)
    strict = {"overrides": {"pain_worsening": {"points": 4, "percent": 80}}}
    assert client.put(f"{home}/alert-thresholds", json=strict, headers=clinician).status_code == 200
    assert by_rule(evaluate(app, patient_id, TODAY), "pain_worsening") == []
    # The clinician knows her usual pain is 5: a rise of 2 (40 %) under the default rule.
    given = {"pain_baseline": 5}
    assert client.put(f"{home}/alert-thresholds", json=given, headers=clinician).status_code == 200
    [alert] = by_rule(evaluate(app, patient_id, TODAY), "pain_worsening")
    assert (alert["evidence"]["baseline"], alert["evidence"]["baseline_source"]) == (5.0, "given")
    assert alert["evidence"]["thresholds"]["points"] == 2.0
