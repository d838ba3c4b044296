"""Building snapshots for the alert tests."""

from __future__ import annotations

from datetime import date, timedelta

from painpath.monitoring.alerts import AlertCandidate, DailyValue

TODAY = date(2026, 6, 30)


def day(text: str) -> date:
    return date.fromisoformat(text)


def series(first: str, last: str, value: float) -> tuple[DailyValue, ...]:
    """One value on every day from `first` to `last` inclusive."""
    start, end = day(first), day(last)
    return tuple(
        DailyValue(start + timedelta(days=n), value) for n in range((end - start).days + 1)
    )


def rule_ids(alerts: tuple[AlertCandidate, ...]) -> list[str]:
    return [a.rule_id for a in alerts]


def only(alerts: tuple[AlertCandidate, ...], rule_id: str) -> list[AlertCandidate]:
    return [a for a in alerts if a.rule_id == rule_id]
