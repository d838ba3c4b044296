"""A clinician's weekly availability page: their time zone, up to two windows per weekday with
one slot length, and dated exceptions (a day off, extra hours). Audited like the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from painpath.models.telehealth import ExceptionKind
from painpath.schemas.base import MAX_ROW_ID
from painpath.services.errors import InvalidInput
from painpath.services.telehealth import availability
from painpath.web.deps import SessionDep
from painpath.web.ui.deps import FormViewerDep, ViewerDep
from painpath.web.ui.routing import UIRoute
from painpath.web.ui.templating import Viewer, render

router = APIRouter(route_class=UIRoute)

PAGE = "/availability"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WINDOWS_PER_DAY = 2
SLOT_CHOICES = (15, 20, 30, 45, 60)
Clock = Annotated[str, Form(max_length=5)]


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}" if minute < 1440 else "24:00"


def parse_clock(value: str, name: str, *, end: bool = False) -> int:
    """ "HH:MM" → minutes after midnight; "00:00" as an end means midnight (1440)."""
    hours, sep, minutes = value.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise InvalidInput("write the time as HH:MM", field=name)
    total = int(hours) * 60 + int(minutes)
    if end and total == 0:
        return 1440
    if not 0 <= total <= 1440 or int(minutes) >= 60:
        raise InvalidInput("not a time of day", field=name)
    return total


@dataclass(slots=True)
class DayRow:
    index: int
    name: str
    windows: list[tuple[str, str]] = field(default_factory=list)


def _rows(found: availability.Availability) -> tuple[list[DayRow], int, list[str]]:
    rows = [DayRow(i, name) for i, name in enumerate(WEEKDAYS)]
    extra = []
    for window in found.weekly:
        row = rows[window.weekday]
        if len(row.windows) < WINDOWS_PER_DAY:
            row.windows.append((clock(window.start_minute), clock(window.end_minute)))
        else:
            extra.append(f"{row.name} {clock(window.start_minute)}–{clock(window.end_minute)}")
    for row in rows:
        row.windows += [("", "")] * (WINDOWS_PER_DAY - len(row.windows))
    slot = found.weekly[0].slot_minutes if found.weekly else 30
    return rows, slot, extra


def _page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    found = availability.read(session, actor=viewer.actor)
    rows, slot, extra = _rows(found)
    return render(
        request,
        "availability.html",
        viewer=viewer,
        status_code=status_code,
        zone=found.time_zone,
        rows=rows,
        slot=slot,
        slot_choices=SLOT_CHOICES,
        extra=extra,
        exceptions=[(e, clock(e.start_minute), clock(e.end_minute)) for e in found.exceptions],
        kinds=[k.value for k in ExceptionKind],
        error=error,
    )


@router.get(PAGE)
def availability_page(request: Request, viewer: ViewerDep, session: SessionDep) -> Response:
    return _page(request, session, viewer)


@router.post(PAGE)
async def save_weekly(request: Request, viewer: FormViewerDep, session: SessionDep) -> Response:
    form = await request.form(max_files=0, max_fields=100)
    text = {key: str(value)[:64] for key, value in form.items()}
    try:
        slot = int(text.get("slot_minutes", "30")) if text.get("slot_minutes", "").isdigit() else 0
        if slot not in SLOT_CHOICES:
            raise InvalidInput("choose a slot length", field="slot_minutes")
        windows = []
        for day in range(7):
            for i in range(WINDOWS_PER_DAY):
                start = text.get(f"start_{day}_{i}", "").strip()
                end = text.get(f"end_{day}_{i}", "").strip()
                if not start and not end:
                    continue
                label = f"{WEEKDAYS[day]} window {i + 1}"
                if not start or not end:
                    raise InvalidInput("give both a start and an end", field=label)
                windows.append(
                    availability.WindowInput(
                        day,
                        parse_clock(start, label),
                        parse_clock(end, label, end=True),
                        slot,
                    )
                )
        availability.replace_weekly(
            session,
            actor=viewer.actor,
            time_zone_name=text.get("time_zone", "").strip(),
            windows=windows,
        )
    except InvalidInput as error:
        message = f"{error.field}: {error.detail}." if error.field else f"{error.detail}."
        return _page(request, session, viewer, error=message, status_code=422)
    request.session["flash"] = "Availability saved."
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/exceptions")
def add_exception(
    request: Request,
    viewer: FormViewerDep,
    session: SessionDep,
    day: Annotated[str, Form(max_length=10)] = "",
    kind: Annotated[str, Form(max_length=16)] = "",
    start: Clock = "",
    end: Clock = "",
    note: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        try:
            on = date.fromisoformat(day)
        except ValueError as error:
            raise InvalidInput("choose a day", field="day") from error
        try:
            chosen = ExceptionKind(kind)
        except ValueError as error:
            raise InvalidInput("choose unavailable or available", field="kind") from error
        availability.add_exception(
            session,
            actor=viewer.actor,
            day=on,
            kind=chosen,
            start_minute=parse_clock(start, "start") if start else 0,
            end_minute=parse_clock(end, "end", end=True) if end else 1440,
            note=note.strip() or None,
        )
    except InvalidInput as error:
        message = f"{error.field}: {error.detail}." if error.field else f"{error.detail}."
        return _page(request, session, viewer, error=message, status_code=422)
    request.session["flash"] = "Exception added."
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/exceptions/{exception_id}/delete")
def delete_exception(
    exception_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    request: Request,
    viewer: FormViewerDep,
    session: SessionDep,
) -> Response:
    availability.remove_exception(session, actor=viewer.actor, exception_id=exception_id)
    request.session["flash"] = "Exception removed."
    return RedirectResponse(PAGE, status_code=303)
