"""A listing's page and its total come in one statement; a page past the end still names the
total (counted apart, as nothing else can carry it); on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import FastAPI
from sqlalchemy import select

from painpath.kit.pagination import PageRequest
from painpath.models import PainDiaryEntry
from painpath.services.paging import page_with_total
from tests.monitoring_api.test_sync_statements import statements
from tests.support.cohort import Cast


def test_a_page_and_its_total_in_one_statement(app: FastAPI, cast: Cast) -> None:
    home, other = cast.home_patient_id, cast.foreign_patient_id
    with app.state.session_factory.begin() as session:
        for patient_id, days in ((home, range(1, 8)), (other, range(1, 4))):
            session.add_all(
                PainDiaryEntry(
                    patient_id=patient_id,
                    local_date=date(2026, 11, day),
                    recorded_at=datetime(2026, 11, day, 20, tzinfo=UTC),
                    pain=day,
                )
                for day in days
            )
    query = (
        select(PainDiaryEntry)
        .where(PainDiaryEntry.patient_id == home)
        .order_by(PainDiaryEntry.local_date.desc())
    )
    with app.state.session_factory() as session, statements(app) as seen:
        rows, total = page_with_total(session, query, PageRequest(limit=3, offset=2))
        assert len(seen) == 1
        assert [row.pain for row in rows] == [5, 4, 3]
        assert total == 7
        assert page_with_total(session, query, PageRequest(limit=3, offset=6))[1] == 7
        seen.clear()
        assert page_with_total(session, query, PageRequest(limit=3, offset=9)) == ([], 7)
        assert len(seen) == 2
        nobody = query.where(PainDiaryEntry.pain > 10)
        assert page_with_total(session, nobody, PageRequest(limit=3, offset=0)) == ([], 0)
