"""What a sync POST costs the database, as a count of SQL statements (not a time): the bearer
token is one statement, diary entries, readings and dose logs are looked up and inserted a
batch at a time (no statement per item), and the alert rules the batch feeds read the
patient's history in a fixed number of statements. A change that adds a statement to this hot
path fails here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, update

from painpath.models.care_team import CareTeam
from tests.monitoring_api.conftest import Headers
from tests.monitoring_api.test_sync import diary, dose, steps
from tests.support.cohort import Cast

#: Besides the items' own row inserts: token, patient and care-team scope 1 (was 2: the
#: patient read apart), known client ids and the replay check 1 (one UNION ALL over the
#: batched kinds present and the batch id; was one per kind and one for the replay check),
#: prescriptions 1 (those the dose logs name and the as-needed ones the PRN rule reads), the
#: batch row 1, change log 2 on SQLite and 1 on PostgreSQL (the counter advanced and the
#: changes numbered from it in one statement), alert rules 2 (the batch feeds the pain and
#: as-needed rules only: settings, then pain from diary, observations and questionnaires and
#: the as-needed doses in one UNION ALL (was four statements); was 10 when every rule ran on
#: every sync),
#: audit 3 on SQLite (head locked and read, rows, head moved) and 1 on PostgreSQL (the rows
#: queued, no chain lock held; chained after the response, see CHAINING). Raise it only with a
#: reason in the commit message.
SYNC_STATEMENTS = {"sqlite": 11, "postgresql": 8}
#: PostgreSQL, after the response (painpath.audit.chaining): the queued rows chained.
CHAINING = ["pg_try_advisory_xact_lock", "audit_events_unchained", "WITH moved_head"]
ITEM_INSERTS = (
    "INSERT INTO observations",
    "INSERT INTO pain_diary_entries",
    "INSERT INTO medication_administrations",
)


@contextmanager
def statements(app: FastAPI) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(app.state.engine, "before_cursor_execute", note)


def _batch(batch_id: str, size: int, prescription_id: int) -> dict[str, Any]:
    # One of each a day, the same low pain and a steady step count: no rule fires, so the
    # count is the cost of storing and evaluating, not of raising alerts.
    items = []
    for n in range(size):
        day = f"2026-11-{n + 1 + (10 if batch_id == 'measured' else 0):02d}"
        items.append({**diary(f"{batch_id}-d-{n}", pain=2), "local_date": day})
        items.append(
            {**dose(f"{batch_id}-m-{n}", prescription_id), "effective_at": f"{day}T09:00:00-06:00"}
        )
        items.append(
            {
                **steps(f"{batch_id}-s-{n}", value=6000),
                "effective_at": f"{day}T00:00:00-06:00",
                "effective_end": f"{day}T23:59:59-06:00",
            }
        )
    return {"batch_id": batch_id, "items": items}


@pytest.mark.parametrize("size", [1, 8])
def test_a_sync_post_costs_a_fixed_number_of_statements_whatever_its_size(
    app: FastAPI,
    client: TestClient,
    patient: Headers,
    home: str,
    prescription_id: int,
    size: int,
) -> None:
    warm = _batch("warm", 1, prescription_id)
    assert client.post(f"{home}/sync", json=warm, headers=patient).status_code == 200
    body = _batch("measured", size, prescription_id)
    with statements(app) as seen:
        response = client.post(f"{home}/sync", json=body, headers=patient)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 3 * size
    listing = "\n".join(s.split("\n")[0][:120] for s in seen)
    assert not [s for s in seen if "INSERT INTO alerts" in s], listing
    # The ORM may insert the items' rows one statement per row (SQLite) or a batch at a time
    # (PostgreSQL): everything else is counted.
    row_inserts = [s for s in seen if s.lstrip().startswith(ITEM_INSERTS)]
    assert len(row_inserts) <= 3 * size
    if app.state.engine.dialect.name == "postgresql":
        chaining, seen = seen[-len(CHAINING) :], seen[: -len(CHAINING)]
        assert [k for k, s in zip(CHAINING, chaining, strict=True) if k in s] == CHAINING, listing
    expected = SYNC_STATEMENTS[app.state.engine.dialect.name]
    assert len(seen) - len(row_inserts) == expected, listing


@pytest.mark.parametrize("who", ["patient", "clinician"])
def test_a_bearer_token_the_patient_and_the_care_team_scope_are_read_in_one_statement(
    app: FastAPI, client: TestClient, cast: Cast, home: str, who: str
) -> None:
    headers = cast.headers(client, who)
    with statements(app) as seen:
        assert client.get(f"{home}/pain-diary", headers=headers).status_code == 200
    listing = "\n".join(s.split("\n")[0][:120] for s in seen)
    token_reads = [s for s in seen if "api_tokens" in s]
    assert len(token_reads) == 1, listing
    assert "JOIN users" in token_reads[0]
    assert "JOIN patients" in token_reads[0]
    assert "care_team_participants" in token_reads[0]
    assert not [s for s in seen if s.lstrip().startswith(("SELECT users.", "SELECT patients."))]
    assert not [s for s in seen if "care_team" in s and "api_tokens" not in s], listing


def test_the_one_statement_gate_still_refuses_out_of_scope_and_unknown_patients(
    client: TestClient, cast: Cast, home: str
) -> None:
    clinician = cast.headers(client, "clinician")
    patient = cast.headers(client, "patient")
    foreign = f"/api/patients/{cast.foreign_patient_id}/pain-diary"
    assert client.get(foreign, headers=clinician).status_code == 403
    assert client.get(foreign, headers=patient).status_code == 403
    assert client.get("/api/patients/999999/pain-diary", headers=clinician).status_code == 403
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.get(f"{home}/pain-diary", headers=bad).status_code == 401


def test_a_care_team_change_holds_from_the_next_request(
    app: FastAPI, client: TestClient, cast: Cast, home: str
) -> None:
    clinician = cast.headers(client, "clinician")
    assert client.get(f"{home}/pain-diary", headers=clinician).status_code == 200
    with app.state.session_factory.begin() as session:
        session.execute(
            update(CareTeam).where(CareTeam.patient_id == cast.home_patient_id).values(active=False)
        )
    assert client.get(f"{home}/pain-diary", headers=clinician).status_code == 403
