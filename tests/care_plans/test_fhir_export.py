"""The care plan exported as FHIR R4 (CarePlan + Goals in a Bundle), validated by fhir.resources."""

from __future__ import annotations

from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.goal import Goal

Headers = dict[str, str]


def test_the_export_is_a_valid_bundle_of_a_care_plan_and_its_goals(
    client: TestClient, clinician: Headers, patient: Headers, plan_url: str
) -> None:
    client.post(plan_url, json={"title": "Knee pain plan", "status": "active"}, headers=clinician)
    steps = client.post(
        f"{plan_url}/goals",
        json={"kind": "daily_steps_min", "start_date": "2026-01-05", "due_date": "2026-04-05"},
        headers=clinician,
    ).json()
    client.post(
        f"{plan_url}/goals",
        json={"kind": "custom", "description": "Garden for an hour", "start_date": "2026-01-05"},
        headers=clinician,
    )
    prp = client.post(
        f"{plan_url}/activities", json={"therapy": "prp_injection"}, headers=clinician
    ).json()
    client.post(
        f"{plan_url}/activities/{prp['id']}/sessions",
        json={"template": "prp_series", "first_day": "2026-01-06"},
        headers=clinician,
    )
    stopped = client.post(
        f"{plan_url}/activities",
        json={"therapy": "pregabalin", "status": "active", "start_date": "2026-01-02"},
        headers=clinician,
    ).json()
    client.patch(
        f"{plan_url}/activities/{stopped['id']}",
        json={"status": "stopped", "reason": "intolerance", "effective_date": "2026-01-20"},
        headers=clinician,
    )

    response = client.get(f"{plan_url}/fhir", headers=patient)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert "attachment" in response.headers["content-disposition"]
    document = response.json()
    bundle = Bundle.model_validate(document)
    assert bundle.type == "collection"
    resources = [entry["resource"] for entry in document["entry"]]
    plan = CarePlan.model_validate(resources[0])
    goals = [Goal.model_validate(r) for r in resources[1:]]
    assert plan.status == "active"
    assert plan.intent == "plan"
    assert len(goals) == 2
    assert [ref.reference for ref in plan.goal] == [e["fullUrl"] for e in document["entry"][1:]]

    steps_goal = resources[1]
    target = steps_goal["target"][0]
    assert target["detailQuantity"]["comparator"] == ">="
    assert target["detailQuantity"]["value"] == steps["target"]
    assert target["measure"]["coding"][0]["code"] == "41950-7"
    assert target["dueDate"] == "2026-04-05"

    details = [a["detail"] for a in resources[0]["activity"]]
    assert details[0]["status"] == "scheduled"
    assert details[0]["scheduledTiming"]["event"] == ["2026-01-06", "2026-01-13", "2026-01-20"]
    assert details[1]["status"] == "stopped"
    assert details[1]["statusReason"]["coding"][0]["code"] == "intolerance"
    assert details[1]["kind"] == "MedicationRequest"


def test_without_a_plan_there_is_nothing_to_export(
    client: TestClient, patient: Headers, plan_url: str
) -> None:
    assert client.get(f"{plan_url}/fhir", headers=patient).status_code == 404
