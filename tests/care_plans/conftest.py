"""Fixtures for care-plan tests: signed-in headers and the home patient's plan URL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from painpath.db.base import Base
from tests.support.cohort import Cast

Headers = dict[str, str]


@pytest.fixture
def clinician(client: TestClient, cast: Cast) -> Headers:
    return cast.headers(client, "clinician")


@pytest.fixture
def patient(client: TestClient, cast: Cast) -> Headers:
    return cast.headers(client, "patient")


@pytest.fixture
def plan_url(cast: Cast) -> str:
    return f"/api/patients/{cast.home_patient_id}/care-plan"


@pytest.fixture
def count(app: FastAPI) -> Callable[[type[Base]], int]:
    def rows(model: type[Base]) -> int:
        with app.state.session_factory() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    return rows
