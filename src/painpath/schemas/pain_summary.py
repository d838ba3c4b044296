"""The pain summary's chart data (GET /api/patients/{id}/pain-summary/charts)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

#: (local day YYYY-MM-DD, value)
Point = tuple[str, float]


class TherapyBandRead(BaseModel):
    label: str
    kind: str
    start: date
    end: date


class PainChart(BaseModel):
    pain: list[Point]
    peg: list[Point]
    bands: list[TherapyBandRead]
    bands_truncated: bool
    summary: str


class ActivityChart(BaseModel):
    steps: list[Point]
    sleep_hours: list[Point]
    summary: str


class PdcLine(BaseModel):
    drug: str
    pdc: float | None
    eligible: bool


class PrnLine(BaseModel):
    drug: str
    max_per_day: int
    doses: list[Point]


class AdherenceChart(BaseModel):
    pdc: list[PdcLine]
    prn: list[PrnLine]
    summary: str


class MmeChart(BaseModel):
    mme: list[Point]
    lower_bound_days: list[date]
    summary: str


class CalendarChart(BaseModel):
    pain: list[Point]
    summary: str


class PainSummaryCharts(BaseModel):
    """Every chart's data for `days` local days ending `end` (the patient's today)."""

    start: date
    end: date
    days: int
    time_zone: str
    pain: PainChart
    activity: ActivityChart
    adherence: AdherenceChart
    mme: MmeChart
    calendar: CalendarChart
