"""The change log behind sync tokens: numbered per patient in commit order, opaque tokens that
name their patient, and a writer that waits for another writer of the same patient."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.models import Observation, ObservationStatus, SyncChange
from painpath.services.errors import InvalidInput
from painpath.services.monitoring.changes import decode_token, encode_token
from tests.support.cohort import Cast


def reading(patient_id: int, client_id: str) -> Observation:
    return Observation(
        patient_id=patient_id,
        status=ObservationStatus.final,
        category="survey",
        loinc_code="72514-3",
        display="Pain severity 0-10 verbal numeric rating",
        value=5,
        unit="{score}",
        effective_at=datetime(2026, 11, 30, 14, tzinfo=UTC),
        client_id=client_id,
    )


def test_tokens_are_deterministic_and_bound_to_their_patient() -> None:
    assert encode_token(7, 42) == encode_token(7, 42)
    assert decode_token(encode_token(7, 42), 7) == 42
    for token, patient_id in ((encode_token(7, 42), 8), ("bm90LWEtdG9rZW4", 7), ("", 7)):
        with pytest.raises(InvalidInput) as refused:
            decode_token(token, patient_id)
        assert refused.value.field == "since"


def test_each_patient_has_its_own_numbering(app: FastAPI, cast: Cast) -> None:
    with app.state.session_factory.begin() as session:
        session.add_all(
            [
                reading(cast.home_patient_id, "a"),
                reading(cast.foreign_patient_id, "b"),
                reading(cast.home_patient_id, "c"),
            ]
        )
    with app.state.session_factory() as session:
        rows = session.execute(
            select(SyncChange.patient_id, SyncChange.seq).order_by(SyncChange.id)
        ).all()
    assert sorted(rows) == [
        (cast.home_patient_id, 1),
        (cast.home_patient_id, 2),
        (cast.foreign_patient_id, 1),
    ]


def test_a_second_writer_of_the_same_patient_waits_for_the_first(app: FastAPI, cast: Cast) -> None:
    """Change numbers follow commit order, so a reader never skips a late-committing change."""
    factory = app.state.session_factory
    first: Session = factory()
    first.add(reading(cast.home_patient_id, "first"))
    first.flush()  # holds the patient's counter until it commits
    second_done = threading.Event()

    def second_writer() -> None:
        with factory.begin() as session:
            session.add(reading(cast.home_patient_id, "second"))
        second_done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.5)
    assert not second_done.is_set()
    first.commit()
    first.close()
    thread.join(30)
    assert second_done.is_set()
    with factory() as session:
        numbered = session.execute(
            select(Observation.client_id, SyncChange.seq)
            .join(SyncChange, SyncChange.resource_id == Observation.id)
            .where(SyncChange.kind == "observation")
            .order_by(SyncChange.seq)
        ).all()
    assert numbered == [("first", 1), ("second", 2)]
