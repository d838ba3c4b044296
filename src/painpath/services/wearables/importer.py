"""Import a wearable export for a patient: batches that commit whole, resumable, idempotent.

The file is identified by its SHA-256. Its samples go in as batches of `batch_size`, each
batch one transaction inserting only client ids the patient does not have yet; so a killed
import leaves whole batches only, and running it again skips them and finishes. A file seen
to the end before adds nothing. The daily aggregates (monitoring.wearables.daily) are written
last, with the import marked complete, in one transaction: a `wearable_days` row per patient
day, and for steps, sleep and resting heart rate an Observation per day (LOINC 41950-7,
93832-4, 40443-4) under a stable client id, replaced when a later import covers the day. The
alert rules then run on the patient's data in that same transaction (an activity drop opens
its alert with the import that shows it).

A bad file (truncated, not XML, …) is refused with the importer's message; the samples this
import had added are removed with it, so nothing of a bad file stays. So is an import that
fails for any other reason: only a killed process leaves a `running` import, for a rerun to
finish. An unknown `kind` is refused before anything is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from painpath.auth.actor import Actor
from painpath.auth.permissions import Permission
from painpath.kit.clock import utcnow
from painpath.kit.limits import DEFAULT_LIMITS, InputLimits, LimitExceeded
from painpath.models.observation import Observation, ObservationStatus
from painpath.models.wearable import (
    WearableDay,
    WearableImport,
    WearableImportStatus,
    WearableSample,
)
from painpath.monitoring.wearables import (
    DailyAggregator,
    DailySummary,
    ImportReport,
    Sample,
    WearableFileError,
    detect,
    import_file,
)
from painpath.monitoring.wearables.formats import WearableFormat, known_formats
from painpath.services.access import open_patient
from painpath.services.care.plans.goals import evaluate_goals
from painpath.services.errors import InvalidInput
from painpath.services.input_limits import too_large
from painpath.services.monitoring.evaluation import evaluate_patient
from painpath.services.transaction import unit_of_work
from painpath.services.wearables.rows import insert_new_samples, sample_row

BATCH_SIZE = 5_000

#: Daily aggregates that also become Observations: LOINC, display, FHIR category, UCUM unit
#: and the value from a summary (codes: LOINC, as used by the HL7 Physical Activity IG).
DAILY_OBSERVATIONS: tuple[
    tuple[str, str, str, str, Callable[[DailySummary], float | None]], ...
] = (
    ("41950-7", "Number of steps in 24 hour Measured", "activity", "/d", lambda d: d.steps),
    (
        "93832-4",
        "Sleep duration",
        "activity",
        "h",
        lambda d: None if d.sleep_minutes is None else round(d.sleep_minutes / 60, 3),
    ),
    ("40443-4", "Heart rate --resting", "vital-signs", "/min", lambda d: d.resting_heart_rate),
)


@dataclass(frozen=True, slots=True)
class WearableImportResult:
    import_id: int
    importer: str
    status: str
    samples_read: int
    samples_added: int
    days_summarized: int
    already_imported: bool
    report: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "importer": self.importer,
            "status": self.status,
            "samples_read": self.samples_read,
            "samples_added": self.samples_added,
            "days_summarized": self.days_summarized,
            "already_imported": self.already_imported,
            "report": self.report,
        }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _result(row: WearableImport, *, already: bool) -> WearableImportResult:
    return WearableImportResult(
        row.id,
        row.importer,
        row.status.value,
        row.samples_read,
        row.samples_added,
        row.days_summarized,
        already,
        dict(row.report),
    )


def _begin(
    session: Session, actor: Actor, patient_id: int, sha: str, name: str, importer: str
) -> tuple[WearableImport, ZoneInfo]:
    access = open_patient(
        session,
        actor=actor,
        patient_id=patient_id,
        permission=Permission.observation_write,
        action="wearable.import",
        resource_type="WearableImport",
    )
    found = session.scalars(
        select(WearableImport).where(
            WearableImport.patient_id == patient_id, WearableImport.file_sha256 == sha
        )
    ).one_or_none()
    if found is None:
        found = WearableImport(
            patient_id=patient_id,
            file_sha256=sha,
            file_name=name[:255],
            importer=importer,
            status=WearableImportStatus.running,
            started_by=actor.user_id,
            report={},
        )
        session.add(found)
        session.flush()
    access.note_resource(found.id)
    return found, ZoneInfo(access.patient.time_zone)


def _batches(samples: Iterator[Sample], size: int) -> Iterator[list[Sample]]:
    batch: list[Sample] = []
    for sample in samples:
        batch.append(sample)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _report_json(report: ImportReport) -> dict[str, Any]:
    return {
        "importer": report.importer,
        "records": report.records,
        "samples": report.samples,
        "skipped": dict(report.skipped),
        "exported_at": report.exported_at.isoformat() if report.exported_at else None,
        "last_end": report.last_end.isoformat() if report.last_end else None,
    }


def _local_noon(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(12), tzinfo=tz).astimezone(UTC)


def _store_days(
    session: Session, patient_id: int, import_id: int, tz: ZoneInfo, days: Sequence[DailySummary]
) -> None:
    """Upsert `wearable_days` and the LOINC-coded daily Observations (through the ORM, so the
    mobile change log sees them)."""
    if not days:
        return
    first, last = days[0].day, days[-1].day
    known = {
        row.day: row
        for row in session.scalars(
            select(WearableDay).where(
                WearableDay.patient_id == patient_id, WearableDay.day.between(first, last)
            )
        )
    }
    ids = [f"daily:{code}:{d.day.isoformat()}" for d in days for code, *_ in DAILY_OBSERVATIONS]
    observations = {
        row.client_id: row
        for row in session.scalars(
            select(Observation).where(
                Observation.patient_id == patient_id, Observation.client_id.in_(ids)
            )
        )
    }
    for summary in days:
        row = known.get(summary.day) or WearableDay(patient_id=patient_id, day=summary.day)
        row.steps = summary.steps
        row.active_minutes = summary.active_minutes
        row.active_energy_kcal = summary.active_energy_kcal
        row.distance_m = summary.distance_m
        row.sleep_minutes = summary.sleep_minutes
        row.in_bed_minutes = summary.in_bed_minutes
        row.resting_heart_rate = summary.resting_heart_rate
        row.heart_rate_samples = summary.heart_rate_samples
        row.step_sources = sorted(k.value for k in summary.step_sources)
        row.heart_rate_sources = sorted(k.value for k in summary.heart_rate_sources)
        row.import_id = import_id
        session.add(row)
        for code, display, category, unit, value_of in DAILY_OBSERVATIONS:
            value = value_of(summary)
            if value is None:
                continue
            client_id = f"daily:{code}:{summary.day.isoformat()}"
            observation = observations.get(client_id) or Observation(
                patient_id=patient_id, client_id=client_id
            )
            observation.loinc_code = code
            observation.display = display
            observation.category = category
            observation.value = float(value)
            observation.unit = unit
            observation.status = ObservationStatus.final
            observation.effective_at = _local_noon(summary.day, tz)
            observation.source_device = "wearable import (daily aggregate)"
            observation.modality = "sensed"
            session.add(observation)


def _forget(session_factory: sessionmaker[Session], import_id: int) -> None:
    """Remove what a refused file had added: its samples and its import row."""
    with unit_of_work(session_factory) as session:
        session.execute(delete(WearableSample).where(WearableSample.import_id == import_id))
        session.execute(delete(WearableImport).where(WearableImport.id == import_id))


def importer_for(path: Path, kind: str | None, limits: InputLimits = DEFAULT_LIMITS) -> str:
    """The importer's name: `kind` when given (a `WearableFormat`), else the detected one."""
    if kind is None:
        try:
            return detect(path, limits).name
        except WearableFileError as error:
            raise InvalidInput(str(error), field="file") from error
    try:
        return WearableFormat(kind).value
    except ValueError:
        shown = kind if len(kind) <= 40 else kind[:40] + "…"
        raise InvalidInput(
            f"unknown kind {shown!r}; one of: {known_formats()}", field="kind"
        ) from None


def import_wearable_file(
    session_factory: sessionmaker[Session],
    *,
    actor: Actor,
    patient_id: int,
    path: Path,
    file_name: str | None = None,
    kind: str | None = None,
    sha256: str | None = None,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> WearableImportResult:
    """Import `path` for the patient (see the module doc); `on_batch(n)` after each commit.

    `sha256`: the file's digest when the caller already has it (an upload hashes as it writes).
    A file past `limits` is refused with ContentTooLarge (413) naming the limit, and leaves
    nothing behind.
    """
    if batch_size < 1:
        raise InvalidInput("batch_size must be at least 1", field="batch_size")
    shown = file_name or path.name
    try:
        importer = importer_for(path, kind, limits)
    except LimitExceeded as error:
        raise too_large(error, str(path), shown) from error
    sha = sha256 or file_sha256(path)
    with unit_of_work(session_factory) as session:
        row, tz = _begin(session, actor, patient_id, sha, shown, importer)
        if row.status is WearableImportStatus.complete:
            return _result(row, already=True)
        import_id = row.id
    try:
        return _read_and_summarize(
            session_factory,
            actor,
            patient_id,
            path,
            importer,
            import_id,
            tz,
            batch_size,
            on_batch,
            limits,
        )
    except WearableFileError as error:
        _forget(session_factory, import_id)
        raise InvalidInput(str(error), field="file") from error
    except LimitExceeded as error:
        _forget(session_factory, import_id)
        raise too_large(error, str(path), shown) from error
    except Exception:
        _forget(session_factory, import_id)
        raise


def _read_and_summarize(
    session_factory: sessionmaker[Session],
    actor: Actor,
    patient_id: int,
    path: Path,
    importer: str,
    import_id: int,
    tz: ZoneInfo,
    batch_size: int,
    on_batch: Callable[[int], None] | None,
    limits: InputLimits,
) -> WearableImportResult:
    """Stream the samples in committed batches, then store the days and complete the import."""
    report = ImportReport()
    aggregator = DailyAggregator(tz)
    read = 0
    samples = import_file(path, tz=tz, kind=importer, report=report, limits=limits)
    for batch in _batches(samples, batch_size):
        rows = []
        for sample in batch:
            aggregator.add(sample)
            rows.append(sample_row(sample, patient_id, import_id))
        with unit_of_work(session_factory) as session:
            new = insert_new_samples(session, rows)
            session.execute(
                update(WearableImport)
                .where(WearableImport.id == import_id)
                .values(samples_added=WearableImport.samples_added + new)
            )
        read += len(batch)
        if on_batch is not None:
            on_batch(len(batch))
    days = aggregator.summaries()
    with unit_of_work(session_factory) as session:
        access = open_patient(
            session,
            actor=actor,
            patient_id=patient_id,
            permission=Permission.observation_write,
            action="wearable.import.complete",
            resource_type="WearableImport",
            resource_id=import_id,
        )
        _store_days(session, patient_id, import_id, tz, days)
        session.flush()
        # New days can start an episode (activity drop, no data); alerts open with the import.
        evaluate_patient(session, access)
        # Steps and active-minutes goals on the care plan read the new days.
        evaluate_goals(session, access, trigger="a wearable import")
        row = session.get_one(WearableImport, import_id)
        row.samples_read = read
        row.days_summarized = len(days)
        row.report = _report_json(report)
        row.status = WearableImportStatus.complete
        row.finished_at = utcnow()
        return _result(row, already=False)
