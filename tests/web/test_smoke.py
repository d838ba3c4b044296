from fastapi.testclient import TestClient

from tests.support.cohort import Cast


def test_health_answers_with_the_database_dialect(client: TestClient, database_url: str) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["database"] == database_url.split(":")[0].split("+")[0]


def test_clinician_lists_only_their_panel(client: TestClient, cast: Cast) -> None:
    headers = cast.headers(client, "clinician")
    response = client.get("/api/patients", headers=headers)
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["items"]] == [cast.home_patient_id]
