"""Wearable imports, daily aggregates and data completeness as the API returns them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class WearableImportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    import_id: int
    importer: str
    status: str
    samples_read: int
    samples_added: int
    days_summarized: int
    already_imported: bool = False
    report: dict[str, Any]
    file_name: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


class WearableDayRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: date
    steps: float | None
    active_minutes: float | None
    active_energy_kcal: float | None
    distance_m: float | None
    sleep_minutes: float | None
    in_bed_minutes: float | None
    resting_heart_rate: float | None
    heart_rate_samples: int
    step_sources: list[str]
    heart_rate_sources: list[str]


class StreamState(BaseModel):
    stream: str
    status: str  # complete | partial | missing
    reason: str | None


class CompletenessDay(BaseModel):
    day: date
    complete: bool
    missing: list[str]
    streams: list[StreamState]
