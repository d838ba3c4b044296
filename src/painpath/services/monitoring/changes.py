"""The per-patient change log behind mobile sync tokens.

Every flush that adds, changes or deletes a synced record appends one `SyncChange` per record
(so does a sync batch's insert without the ORM: `log_inserted`), numbered from the patient's
`SyncSequence`. The counter is advanced with an upsert that locks
the patient's counter row until the transaction ends, so one patient's changes commit in the
order of their numbers and a reader that has seen number n has seen everything before it.

A sync token is the (patient, number) pair, base64url-encoded: opaque to clients, the same for
the same position, and refused for another patient.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Integer, String, Table, bindparam, event, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, UOWTransaction

from painpath.db.base import UTCDateTime
from painpath.kit.clock import utcnow
from painpath.models.medication import MedicationAdministration, MedicationRequest
from painpath.models.medication_fill import MedicationFill
from painpath.models.observation import Observation
from painpath.models.pain_diary import PainDiaryEntry
from painpath.models.questionnaire import QuestionnaireResponse
from painpath.models.questionnaire_schedule import QuestionnaireAssignment
from painpath.models.sync import SyncChange, SyncSequence
from painpath.services.access import PatientAccess
from painpath.services.errors import InvalidInput

SyncedRecord = (
    Observation
    | PainDiaryEntry
    | MedicationAdministration
    | MedicationRequest
    | QuestionnaireResponse
    | QuestionnaireAssignment
    | MedicationFill
)

#: The records a mobile client keeps a copy of, by the kind name the changes feed uses.
SYNCED_KINDS: dict[str, type[SyncedRecord]] = {
    "observation": Observation,
    "pain_diary_entry": PainDiaryEntry,
    "dose_log": MedicationAdministration,
    "medication_request": MedicationRequest,
    "questionnaire_response": QuestionnaireResponse,
    "questionnaire_assignment": QuestionnaireAssignment,
    "medication_fill": MedicationFill,
}
_KIND_OF = {model: kind for kind, model in SYNCED_KINDS.items()}
_TOKEN_PREFIX = "painpath-sync:1"
#: The largest change number the `seq` column holds (PostgreSQL `integer`).
MAX_SEQ = 2**31 - 1


def encode_token(patient_id: int, seq: int) -> str:
    raw = f"{_TOKEN_PREFIX}:{patient_id}:{seq}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_token(token: str, patient_id: int) -> int:
    """The change number in `token`; InvalidInput (field `since`) when it is not one of ours."""
    try:
        padded = token + "=" * (-len(token) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
        prefix, _, rest = text.rpartition(":")
        prefix, _, owner = prefix.rpartition(":")
        seq = int(rest)
        if prefix != _TOKEN_PREFIX or int(owner) != patient_id or not 0 <= seq <= MAX_SEQ:
            raise ValueError(token)
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidInput("not a sync token this patient was given", field="since") from None
    return seq


def _advance(connection: Connection, patient_id: int, count: int) -> int:
    """Add `count` to the patient's counter (creating it) and return the new last number."""
    table = SyncSequence.__table__
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(patient_id=patient_id, last_seq=count)
        .on_conflict_do_update(
            index_elements=[table.c.patient_id], set_={"last_seq": table.c.last_seq + count}
        )
        .returning(table.c.last_seq)
    )
    return int(connection.execute(statement).scalar_one())


def _changed_records(session: Session) -> dict[int, list[tuple[str, int, str]]]:
    found: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    for instance in session.new:
        if kind := _KIND_OF.get(type(instance)):
            found[instance.patient_id].append((kind, instance.id, "upsert"))
    for instance in session.dirty:
        kind = _KIND_OF.get(type(instance))
        if kind and session.is_modified(instance, include_collections=False):
            found[instance.patient_id].append((kind, instance.id, "upsert"))
    for instance in session.deleted:
        if kind := _KIND_OF.get(type(instance)):
            found[instance.patient_id].append((kind, instance.id, "delete"))
    return found


# PostgreSQL: the counter advanced and the changes numbered from it in one statement (was
# two round trips); the upsert locks the counter row as `_advance` does.
_LOG_POSTGRESQL = text(
    """
    WITH advanced AS (
        INSERT INTO sync_sequences (patient_id, last_seq) VALUES (:patient_id, :count)
        ON CONFLICT (patient_id) DO UPDATE SET last_seq = sync_sequences.last_seq + :count
        RETURNING last_seq
    )
    INSERT INTO sync_changes (patient_id, seq, kind, resource_id, op, changed_at)
    SELECT :patient_id, advanced.last_seq - :count + item.position, item.kind,
           item.resource_id, item.op, :changed_at
    FROM advanced,
         unnest(CAST(:kinds AS varchar[]), CAST(:ids AS integer[]), CAST(:ops AS varchar[]))
         WITH ORDINALITY AS item(kind, resource_id, op, position)
    """
).bindparams(
    bindparam("patient_id", type_=Integer),
    bindparam("count", type_=Integer),
    bindparam("kinds", type_=postgresql.ARRAY(String)),
    bindparam("ids", type_=postgresql.ARRAY(Integer)),
    bindparam("ops", type_=postgresql.ARRAY(String)),
    bindparam("changed_at", type_=UTCDateTime(timezone=True)),
)


@event.listens_for(Session, "after_flush")
def _log_changes(session: Session, _flush: UOWTransaction) -> None:
    changed = _changed_records(session)
    if not changed:
        return
    connection = session.connection()
    now = utcnow()
    for patient_id in sorted(changed):
        _log(connection, patient_id, changed[patient_id], now)


def log_inserted(session: Session, patient_id: int, records: Sequence[SyncedRecord]) -> None:
    """Log these records, inserted without the ORM's flush (so `_log_changes` did not see
    them), as upserts of the patient's."""
    if records:
        logged = [(_KIND_OF[type(record)], record.id, "upsert") for record in records]
        _log(session.connection(), patient_id, logged, utcnow())


def _log(
    connection: Connection, patient_id: int, records: list[tuple[str, int, str]], now: datetime
) -> None:
    if connection.dialect.name == "postgresql":
        kinds, ids, ops = zip(*records, strict=True)
        parameters = {"kinds": list(kinds), "ids": list(ids), "ops": list(ops)}
        connection.execute(
            _LOG_POSTGRESQL,
            {"patient_id": patient_id, "count": len(records), "changed_at": now, **parameters},
        )
        return
    last = _advance(connection, patient_id, len(records))
    first = last - len(records) + 1
    rows: list[dict[str, Any]] = [
        {
            "patient_id": patient_id,
            "seq": first + offset,
            "kind": kind,
            "resource_id": resource_id,
            "op": op,
            "changed_at": now,
        }
        for offset, (kind, resource_id, op) in enumerate(records)
    ]
    connection.execute(insert(cast(Table, SyncChange.__table__)), rows)


@dataclass(frozen=True, slots=True)
class Change:
    seq: int
    kind: str
    op: str
    resource_id: int
    record: SyncedRecord | None


@dataclass(frozen=True, slots=True)
class ChangeSet:
    changes: list[Change]
    next_token: str
    has_more: bool


def _records(session: Session, patient_id: int, kind: str, ids: set[int]) -> dict[int, Any]:
    table = SYNCED_KINDS[kind].__table__
    query = select(SYNCED_KINDS[kind]).where(table.c.id.in_(ids), table.c.patient_id == patient_id)
    records = cast(list[SyncedRecord], list(session.scalars(query)))
    return {record.id: record for record in records}


def changes_since(
    session: Session, *, access: PatientAccess, since: str | None, limit: int
) -> ChangeSet:
    """The patient's synced records changed after `since` (all when None), oldest first.

    Several changes to one record within the page come back once, as the latest; a record that
    no longer exists comes back as a delete.
    """
    patient_id = access.patient_id
    cursor = decode_token(since, patient_id) if since else 0
    rows = list(
        session.scalars(
            select(SyncChange)
            .where(SyncChange.patient_id == patient_id, SyncChange.seq > cursor)
            .order_by(SyncChange.seq)
            .limit(limit + 1)
        )
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    latest: dict[tuple[str, int], SyncChange] = {}
    for row in rows:
        latest.pop((row.kind, row.resource_id), None)
        latest[(row.kind, row.resource_id)] = row
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, resource_id in latest:
        wanted[kind].add(resource_id)
    found = {kind: _records(session, patient_id, kind, ids) for kind, ids in wanted.items()}
    changes = []
    for (kind, resource_id), row in latest.items():
        record = found[kind].get(resource_id)
        op = "upsert" if record is not None and row.op == "upsert" else "delete"
        changes.append(Change(row.seq, kind, op, resource_id, record if op == "upsert" else None))
    next_seq = rows[-1].seq if rows else cursor
    return ChangeSet(changes, encode_token(patient_id, next_seq), has_more)
