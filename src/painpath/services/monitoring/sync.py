"""A mobile client's sync batch: all items in one transaction, or none; a retry of the same
batch id gets the first answer back and adds nothing. A stored batch runs the alert rules in
the same transaction, so an alert its data raise commits with it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from painpath.kit.clock import utcnow
from painpath.models.observation import Observation
from painpath.models.sync import SyncBatch
from painpath.schemas.monitoring_sync import (
    ObservationItem,
    SyncBatchIn,
    SyncBatchResult,
    SyncItemResult,
)
from painpath.services.access import PatientAccess
from painpath.services.errors import Conflict, InvalidInput, ServiceError
from painpath.services.monitoring.evaluation import evaluate_patient
from painpath.services.monitoring.ingest import known_observations, new_observation, store_item


def fingerprint(batch: SyncBatchIn) -> str:
    canonical = json.dumps(
        batch.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_unique_client_ids(batch: SyncBatchIn) -> None:
    first_seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(batch.items):
        key = (item.kind, item.client_id)
        if key in first_seen:
            raise InvalidInput(
                f"items {first_seen[key]} and {index} are both {item.kind} {item.client_id!r}",
                field=f"items.{index}.client_id",
            )
        first_seen[key] = index


def _item_error(error: ServiceError, index: int) -> ServiceError:
    """The same error, its field prefixed with the item's place in the batch."""
    field = f"items.{index}" + (f".{error.field}" if error.field else "")
    named = type(error)(f"item {index}: {error.detail}", field=field)
    return named


def _store_items(
    session: Session, access: PatientAccess, batch: SyncBatchIn
) -> list[SyncItemResult]:
    readings = [item for item in batch.items if isinstance(item, ObservationItem)]
    known = known_observations(
        session, patient_id=access.patient_id, client_ids=[item.client_id for item in readings]
    )
    outcomes: list[tuple[int, bool] | Observation] = []
    for index, item in enumerate(batch.items):
        try:
            if not isinstance(item, ObservationItem):
                outcomes.append(store_item(session, access=access, item=item))
            elif item.client_id in known:
                outcomes.append((known[item.client_id], False))
            else:
                observation = new_observation(access, item)
                session.add(observation)
                outcomes.append(observation)
        except ServiceError as error:
            raise _item_error(error, index) from error
    session.flush()
    results = []
    for index, (item, outcome) in enumerate(zip(batch.items, outcomes, strict=True)):
        record_id, created = (outcome.id, True) if isinstance(outcome, Observation) else outcome
        results.append(
            SyncItemResult(
                index=index,
                kind=item.kind,
                client_id=item.client_id,
                status="created" if created else "duplicate",
                id=record_id,
            )
        )
    return results


def receive_batch(
    session: Session, *, access: PatientAccess, batch: SyncBatchIn
) -> tuple[dict[str, Any], bool]:
    """Store every item of the batch, or raise naming the first bad one; (response, replayed)."""
    digest = fingerprint(batch)
    stored = session.scalar(
        select(SyncBatch).where(
            SyncBatch.patient_id == access.patient_id, SyncBatch.batch_id == batch.batch_id
        )
    )
    if stored is not None:
        if stored.fingerprint != digest:
            raise Conflict(
                f"batch {batch.batch_id!r} was received with other content", field="batch_id"
            )
        access.note_resource(stored.id)
        return stored.response, True
    _check_unique_client_ids(batch)
    try:
        results = _store_items(session, access, batch)
        response = _response(batch, results)
        row = SyncBatch(
            patient_id=access.patient_id,
            batch_id=batch.batch_id,
            fingerprint=digest,
            response=response,
            user_id=access.actor.user_id,
        )
        session.add(row)
        session.flush()
    except IntegrityError as error:
        # Another request stored this batch, or some of its items, while this one ran.
        raise Conflict(
            f"batch {batch.batch_id!r} crossed a concurrent request; send it again",
            field="batch_id",
        ) from error
    access.note_resource(row.id)
    evaluate_patient(session, access)
    return response, False


def _response(batch: SyncBatchIn, results: list[SyncItemResult]) -> dict[str, Any]:
    created = sum(result.status == "created" for result in results)
    return SyncBatchResult(
        batch_id=batch.batch_id,
        received_at=utcnow(),
        created=created,
        duplicates=len(results) - created,
        results=results,
    ).model_dump(mode="json")
