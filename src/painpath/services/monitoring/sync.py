"""A mobile client's sync batch: all items in one transaction, or none; a retry of the same
batch id gets the first answer back and adds nothing. A stored batch runs the alert rules that
read what it added in the same transaction, so an alert its data raise commits with it (the
rules that fire because time passed run in the daily sweep)."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any, cast

from sqlalchemy import BindParameter, Select, bindparam, literal, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from painpath.db.base import Base
from painpath.kit.clock import utcnow
from painpath.models.medication import MedicationAdministration, MedicationRequest
from painpath.models.observation import Observation
from painpath.models.pain_diary import PainDiaryEntry
from painpath.models.sync import SyncBatch
from painpath.monitoring.alerts import SnapshotInput
from painpath.schemas.monitoring_sync import (
    DoseLogItem,
    MedicationFillItem,
    ObservationItem,
    PainDiaryItem,
    QuestionnaireResponseItem,
    SyncBatchIn,
    SyncBatchResult,
    SyncItemResult,
)
from painpath.services.access import PatientAccess
from painpath.services.errors import Conflict, InvalidInput, ServiceError
from painpath.services.monitoring.changes import log_inserted
from painpath.services.monitoring.evaluation import evaluate_patient
from painpath.services.monitoring.ingest import (
    BatchedModel,
    insert_rows,
    new_diary_entry,
    new_dose_log,
    new_observation,
    prescriptions,
    store_item,
)
from painpath.services.monitoring.series import PAIN_NRS_LOINC, STEPS_LOINC

BatchItem = (
    ObservationItem | PainDiaryItem | DoseLogItem | QuestionnaireResponseItem | MedicationFillItem
)


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


#: Kinds looked up a batch at a time and inserted a table at a time (`insert_rows`).
BATCHED: dict[str, BatchedModel] = {
    "observation": Observation,
    "pain_diary_entry": PainDiaryEntry,
    "dose_log": MedicationAdministration,
}


#: The stored batch of the same id, looked up with the items' client ids (`_known`).
REPLAY = "sync_batch"


@functools.cache
def _known_statement(kinds: tuple[str, ...]) -> Select[str, str | None, int]:
    """`_known`'s statement for a batch with items of `kinds` (a subset of `BATCHED`'s, so a
    handful at most): built once (issue 15: building it and its cache key cost more than
    running it), the values as parameters: `patient_id`, `batch_id`, `<kind>_ids`."""
    patient_id: BindParameter[int] = bindparam("patient_id")
    selects: list[Select[str, str | None, int]] = [
        select(literal(kind).label("kind"), model.client_id, model.id).where(
            model.patient_id == patient_id,
            model.client_id.in_(bindparam(f"{kind}_ids", expanding=True)),
        )
        for kind, model in BATCHED.items()
        if kind in kinds
    ]
    same_batch = select(literal(REPLAY), SyncBatch.batch_id, SyncBatch.id).where(
        SyncBatch.patient_id == patient_id, SyncBatch.batch_id == bindparam("batch_id")
    )
    if not selects:
        return same_batch
    return cast("Select[str, str | None, int]", union_all(*selects, same_batch))


def _known(
    session: Session, access: PatientAccess, batch: SyncBatchIn
) -> dict[tuple[str, str], int]:
    """Stored ids of the batch's batched items by (kind, client id), and of a batch stored
    under the same batch id as (`REPLAY`, batch id): one statement, a UNION ALL of one select
    per batched kind present and one for the batch."""
    params: dict[str, object] = {"patient_id": access.patient_id, "batch_id": batch.batch_id}
    for kind in BATCHED:
        client_ids = [item.client_id for item in batch.items if item.kind == kind]
        if client_ids:
            params[f"{kind}_ids"] = client_ids
    statement = _known_statement(tuple(kind for kind in BATCHED if f"{kind}_ids" in params))
    rows = session.execute(statement, params)
    return {(kind, client_id): row_id for kind, client_id, row_id in rows if client_id is not None}


def _store_items(
    session: Session, access: PatientAccess, batch: SyncBatchIn, known: dict[tuple[str, str], int]
) -> tuple[list[SyncItemResult], list[MedicationRequest] | None]:
    """The items' results (`known`: the stored ones by kind and client id), and the patient's
    as-needed prescriptions when the batch has dose logs (read with the prescriptions they
    name; None otherwise)."""
    doses = [item for item in batch.items if isinstance(item, DoseLogItem)]
    orders = prescriptions(session, patient_id=access.patient_id, items=doses)
    as_needed = [order for order in orders.values() if order.as_needed] if doses else None
    outcomes: list[tuple[int, bool] | Base] = []
    fresh: list[Observation | PainDiaryEntry | MedicationAdministration] = []
    for index, item in enumerate(batch.items):
        try:
            if (item.kind, item.client_id) in known:
                outcomes.append((known[(item.kind, item.client_id)], False))
            elif isinstance(item, ObservationItem | PainDiaryItem | DoseLogItem):
                record = _new_record(access, item, orders)
                fresh.append(record)
                outcomes.append(record)
            else:
                outcomes.append(store_item(session, access=access, item=item))
        except ServiceError as error:
            raise _item_error(error, index) from error
    # One insert per table for the batched kinds, without the ORM's unit of work; one
    # change-log run for them (the one-at-a-time kinds were flushed and logged as stored).
    insert_rows(session, fresh)
    log_inserted(session, access.patient_id, fresh)
    results = []
    for index, (item, outcome) in enumerate(zip(batch.items, outcomes, strict=True)):
        record_id, created = outcome if isinstance(outcome, tuple) else (_row_id(outcome), True)
        results.append(
            SyncItemResult(
                index=index,
                kind=item.kind,
                client_id=item.client_id,
                status="created" if created else "duplicate",
                id=record_id,
            )
        )
    return results, as_needed


def _new_record(
    access: PatientAccess,
    item: ObservationItem | PainDiaryItem | DoseLogItem,
    orders: dict[int, MedicationRequest],
) -> Observation | PainDiaryEntry | MedicationAdministration:
    if isinstance(item, ObservationItem):
        return new_observation(access, item)
    if isinstance(item, PainDiaryItem):
        return new_diary_entry(access, item)
    return new_dose_log(access, item, orders.get(item.medication_request_id))


def _row_id(record: Base) -> int:
    row_id: int = record.id  # type: ignore[attr-defined]
    return row_id


def receive_batch(
    session: Session, *, access: PatientAccess, batch: SyncBatchIn
) -> tuple[dict[str, Any], bool]:
    """Store every item of the batch, or raise naming the first bad one; (response, replayed)."""
    digest = fingerprint(batch)
    known = _known(session, access, batch)
    if (REPLAY, batch.batch_id) in known:
        stored = session.get_one(SyncBatch, known[(REPLAY, batch.batch_id)])
        if stored.fingerprint != digest:
            raise Conflict(
                f"batch {batch.batch_id!r} was received with other content", field="batch_id"
            )
        access.note_resource(stored.id)
        return stored.response, True
    _check_unique_client_ids(batch)
    try:
        results, as_needed = _store_items(session, access, batch, known)
        response = _response(batch, results)
        row = SyncBatch(
            patient_id=access.patient_id,
            batch_id=batch.batch_id,
            fingerprint=digest,
            response=response,
            user_id=access.actor.user_id,
        )
        insert_rows(session, [row])
    except IntegrityError as error:
        # Another request stored this batch, or some of its items, while this one ran.
        raise Conflict(
            f"batch {batch.batch_id!r} crossed a concurrent request; send it again",
            field="batch_id",
        ) from error
    access.note_resource(row.id)
    evaluate_patient(
        session, access, inputs=_changed_inputs(batch.items, results), as_needed=as_needed
    )
    return response, False


def _changed_inputs(
    items: list[BatchItem], results: list[SyncItemResult]
) -> frozenset[SnapshotInput]:
    """The alert snapshot's parts the batch's new items change: the rules to run after it."""
    changed: set[SnapshotInput] = set()
    for item, result in zip(items, results, strict=True):
        if result.status == "created":
            changed |= _inputs_of(item)
    return frozenset(changed)


def _inputs_of(item: BatchItem) -> set[SnapshotInput]:
    if isinstance(item, PainDiaryItem):
        return {SnapshotInput.pain}
    if isinstance(item, DoseLogItem):
        return {SnapshotInput.prn}
    if isinstance(item, QuestionnaireResponseItem):  # PHQ-9 item 9; NRS and PEG pain
        return {SnapshotInput.questionnaires, SnapshotInput.pain}
    if isinstance(item, MedicationFillItem):
        return {SnapshotInput.adherence, SnapshotInput.opioid_fills}
    readings = {PAIN_NRS_LOINC: SnapshotInput.pain, STEPS_LOINC: SnapshotInput.steps}
    return {readings[item.loinc_code]} if item.loinc_code in readings else set()


def _response(batch: SyncBatchIn, results: list[SyncItemResult]) -> dict[str, Any]:
    created = sum(result.status == "created" for result in results)
    return SyncBatchResult(
        batch_id=batch.batch_id,
        received_at=utcnow(),
        created=created,
        duplicates=len(results) - created,
        results=results,
    ).model_dump(mode="json")
