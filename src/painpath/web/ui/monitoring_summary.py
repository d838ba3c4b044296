"""The remote-monitoring section of a patient's summary page: the pain diary's last 30 days,
the latest score of each questionnaire with its band and IMMPACT change against the baseline,
and the unresolved alerts. Everything is read through the summary page's one patient grant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from statistics import fmean

from sqlalchemy.orm import Session

from painpath.kit.pagination import PageRequest
from painpath.monitoring.change import ImmpactChange
from painpath.services.access import PatientAccess
from painpath.services.monitoring import diary as monitoring_diary
from painpath.services.monitoring import views as monitoring_views
from painpath.web.ui.alert_rows import AlertRow, alert_row
from painpath.web.ui.formatting import number
from painpath.web.ui.instrument_names import instrument_names
from painpath.web.ui.local_time import patient_today, patient_zone

DIARY_DAYS = 30
#: A diary has an entry or two a day; the trend reads at most one page of them.
MAX_DIARY_ENTRIES = 200
_CATEGORY = {
    "substantial": "substantial (≥ 50 %)",
    "moderate": "moderate (≥ 30 % or the points threshold)",
    "below_threshold": "below the IMMPACT thresholds",
    "not_computable": "not computable (baseline 0)",
}


@dataclass(frozen=True, slots=True)
class DiaryTrend:
    entries: int
    #: (local day, pain 0-10), oldest first: the chart and its data table
    points: list[tuple[str, int]]
    latest: str | None
    mean: str | None
    lowest: str | None
    highest: str | None
    window_start: str
    window_end: str


@dataclass(frozen=True, slots=True)
class ScoreLine:
    short_name: str
    title: str
    answered_on: str
    score: str
    t_score: str | None
    t_score_unverified: bool  # from a derived table not checked against the manual (PROMIS 6a/6b)
    band: str | None
    responses: int
    baseline: str | None
    change: str | None
    category: str | None


@dataclass(frozen=True, slots=True)
class MonitoringSection:
    diary: DiaryTrend
    scores: list[ScoreLine]
    alerts: list[AlertRow]


def _diary_trend(session: Session, grant: PatientAccess) -> DiaryTrend:
    today, _ = patient_today(grant.patient.time_zone)
    first = today - timedelta(days=DIARY_DAYS - 1)
    entries, _ = monitoring_diary.list_entries(
        session,
        access=grant,
        page=PageRequest(limit=MAX_DIARY_ENTRIES, offset=0),
        start=first,
        end=today,
    )
    values = [entry.pain for entry in entries]
    return DiaryTrend(
        entries=len(entries),
        points=sorted((entry.local_date.isoformat(), entry.pain) for entry in entries),
        latest=str(values[0]) if values else None,
        mean=number(round(fmean(values), 1)) if values else None,
        lowest=str(min(values)) if values else None,
        highest=str(max(values)) if values else None,
        window_start=first.isoformat(),
        window_end=today.isoformat(),
    )


def _change_text(change: ImmpactChange) -> str:
    points = f"{change.absolute_change:+g} points"
    percent = "" if change.percent_change is None else f" ({change.percent_change:+g} %)"
    return f"{change.direction}, {points}{percent}".replace("-", "−")


def _score_line(trend: monitoring_views.ScoreTrend, zone_name: str) -> ScoreLine:
    zone = patient_zone(zone_name)
    names = instrument_names(trend.instrument)
    latest = trend.latest
    stored = latest.score if isinstance(latest.score, dict) else {}
    band = stored.get("band")
    t_score = stored.get("t_score")
    week = trend.series.latest()
    change = week.change if week else None
    baseline = trend.series.baseline
    return ScoreLine(
        short_name=names.short_name,
        title=names.title,
        answered_on=latest.authored_at.astimezone(zone).strftime("%Y-%m-%d"),
        score=number(latest.total_score or 0),
        t_score=number(t_score) if isinstance(t_score, int | float) else None,
        t_score_unverified=names.t_score_unverified,
        band=band if isinstance(band, str) else None,
        responses=trend.responses,
        baseline=None if baseline is None else number(baseline),
        change=None if change is None else _change_text(change),
        category=None if change is None else _CATEGORY[change.category],
    )


def monitoring_section(session: Session, grant: PatientAccess) -> MonitoringSection:
    actor = grant.actor
    return MonitoringSection(
        diary=_diary_trend(session, grant),
        scores=[
            _score_line(trend, grant.patient.time_zone)
            for trend in monitoring_views.score_trends(session, access=grant)
        ],
        alerts=[
            alert_row(alert, actor)
            for alert in monitoring_views.unresolved_alerts(session, access=grant)
        ],
    )
