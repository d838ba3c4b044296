"""A patient's wearable data: upload an export, list imports, daily aggregates, completeness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from painpath.auth.permissions import Permission
from painpath.monitoring.wearables.formats import WearableFormat
from painpath.schemas.base import Day
from painpath.schemas.wearables import (
    CompletenessDay,
    WearableDayRead,
    WearableImportRead,
)
from painpath.services.access import PatientAccess
from painpath.services.errors import InvalidInput
from painpath.services.input_limits import input_limits
from painpath.services.wearables import views as wearable_views
from painpath.services.wearables.importer import import_wearable_file
from painpath.web.deps import SessionDep, SettingsDep, access
from painpath.web.uploads import ReceivedForm, received_upload

router = APIRouter(prefix="/patients/{patient_id}/wearables", tags=["wearables"])

Reader = Annotated[PatientAccess, access(Permission.observation_read, "WearableImport")]
Writer = Annotated[PatientAccess, access(Permission.observation_write, "WearableImport")]
DayReader = Annotated[PatientAccess, access(Permission.observation_read, "WearableDay")]
FIELDS = frozenset({"kind"})
MAX_DAYS = 400
MAX_SUFFIX = 16

UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "Apple Health export.xml/.zip, Takeout zip, Open mHealth"
                        " JSON, FHIR Bundle",
                    },
                    "kind": {
                        "type": "string",
                        "enum": [kind.value for kind in WearableFormat],
                        "description": "The export's format; default: detected from the file",
                    },
                },
            }
        }
    },
}


async def export_form(request: Request, settings: SettingsDep) -> AsyncIterator[ReceivedForm]:
    """The multipart body, its file streamed into a private directory deleted afterwards."""
    async with received_upload(request, settings, text_fields=FIELDS) as form:
        yield form


ExportForm = Annotated[ReceivedForm, Depends(export_form, scope="function")]


@router.post(
    "/imports",
    response_model=WearableImportRead,
    status_code=201,
    responses={
        200: {
            "model": WearableImportRead,
            "description": "This file was imported for the patient before: nothing added",
        }
    },
    openapi_extra={"requestBody": UPLOAD_BODY},
)
def upload_export(
    grant: Writer, form: ExportForm, request: Request, response: Response, settings: SettingsDep
) -> WearableImportRead:
    """Import a wearable export (committed in batches; the same file again adds nothing, 200)."""
    if form.file is None:
        raise InvalidInput("attach the export as the form field `file`", field="file")
    kind = form.fields.get("kind") or None
    # The file name decides how a zip or JSON is read: keep the client's suffix (a plausible
    # one: a 300-character "suffix" is no format, and no file system takes it).
    name = form.file.filename or form.file.path.name
    path = form.file.path
    suffix = Path(name).suffix.lower()
    if 1 < len(suffix) <= MAX_SUFFIX and suffix[1:].isalnum() and path.suffix != suffix:
        path = path.rename(path.with_name(f"upload{suffix}"))
    result = import_wearable_file(
        request.app.state.session_factory,
        actor=grant.actor,
        patient_id=grant.patient_id,
        path=path,
        file_name=name,
        kind=kind,
        sha256=form.file.sha256,
        limits=input_limits(settings),
    )
    grant.note_resource(result.import_id)
    if result.already_imported:
        response.status_code = 200
    return WearableImportRead.model_validate(result.as_json())


@router.get("/imports", response_model=list[WearableImportRead])
def list_imports(grant: Reader, session: SessionDep) -> list[WearableImportRead]:
    """The patient's imports, newest first."""
    return [
        WearableImportRead.model_validate(row)
        for row in wearable_views.imports(session, grant.patient_id)
    ]


DEFAULT_DAYS = 30


def _window(start: date | None, end: date | None) -> tuple[date, date]:
    """The days asked for; by default the 30 days that end today (UTC)."""
    end = end or datetime.now(UTC).date()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise InvalidInput("end is before start", field="end")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(f"ask for at most {MAX_DAYS} days at a time", field="end")
    return start, end


@router.get("/days", response_model=list[WearableDayRead])
def daily_aggregates(
    grant: DayReader,
    session: SessionDep,
    start: Annotated[Day | None, Query(description="first local day (default: end - 29)")] = None,
    end: Annotated[Day | None, Query(description="last local day (default: today)")] = None,
) -> list[WearableDayRead]:
    """Steps, active minutes, sleep, resting heart rate per local day (days with data only)."""
    first, last = _window(start, end)
    rows = wearable_views.days(session, grant.patient_id, first, last)
    return [WearableDayRead.model_validate(row) for row in rows]


@router.get("/completeness", response_model=list[CompletenessDay])
def data_completeness(
    grant: DayReader,
    session: SessionDep,
    start: Annotated[Day | None, Query(description="first local day (default: end - 29)")] = None,
    end: Annotated[Day | None, Query(description="last local day (default: today)")] = None,
) -> list[CompletenessDay]:
    """Every day of the window: which streams are present or missing, and why if known."""
    first, last = _window(start, end)
    return [
        CompletenessDay.model_validate(day)
        for day in wearable_views.completeness_days(session, grant.patient_id, first, last)
    ]
