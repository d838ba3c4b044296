"""open → acknowledged → resolved, with who and when; invalid steps raise a clear error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from painpath.monitoring.alerts import AlertState, AlertStatus, InvalidAlertTransition

OPENED = datetime(2026, 6, 30, 8, 0, tzinfo=UTC)


def opened() -> AlertState:
    return AlertState.opened("p1:phq9_item9:qr-1", at=OPENED)


def test_an_alert_is_acknowledged_then_resolved_with_who_and_when() -> None:
    state = opened()
    assert state.status is AlertStatus.open
    acknowledged = state.acknowledge(by="dr:bo", at=OPENED + timedelta(minutes=5))
    resolved = acknowledged.resolve(by="dr:bo", at=OPENED + timedelta(hours=1), note="called")
    assert resolved.status is AlertStatus.resolved
    assert resolved.acknowledged is not None
    assert resolved.acknowledged.by == "dr:bo"
    assert resolved.resolved is not None
    assert resolved.resolved.note == "called"
    assert [e.status for e in resolved.history] == list(AlertStatus)
    assert state.status is AlertStatus.open  # states are values: the old one is unchanged
    assert resolved.as_json()["history"][1]["at"] == "2026-06-30T08:05:00+00:00"


def test_an_open_alert_may_be_resolved_directly() -> None:
    resolved = opened().resolve(by="painpath", at=OPENED + timedelta(days=1))
    assert resolved.status is AlertStatus.resolved
    assert resolved.acknowledged is None


def test_acknowledging_twice_is_refused() -> None:
    state = opened().acknowledge(by="dr:bo", at=OPENED)
    with pytest.raises(InvalidAlertTransition, match="is acknowledged: it cannot be acknowledged"):
        state.acknowledge(by="dr:cy", at=OPENED)


@pytest.mark.parametrize("step", ["acknowledge", "resolve"])
def test_nothing_leaves_resolved(step: str) -> None:
    state = opened().resolve(by="dr:bo", at=OPENED)
    with pytest.raises(InvalidAlertTransition, match="p1:phq9_item9:qr-1 is resolved"):
        getattr(state, step)(by="dr:bo", at=OPENED + timedelta(hours=1))


def test_a_step_before_the_previous_one_is_refused() -> None:
    with pytest.raises(InvalidAlertTransition, match="before it was open"):
        opened().acknowledge(by="dr:bo", at=OPENED - timedelta(seconds=1))


def test_times_are_stored_in_utc_and_naive_times_refused() -> None:
    plus_two = timezone(timedelta(hours=2))
    state = opened().acknowledge(by="dr:bo", at=datetime(2026, 6, 30, 10, 30, tzinfo=plus_two))
    assert state.acknowledged is not None
    assert state.acknowledged.at == datetime(2026, 6, 30, 8, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="time zone"):
        opened().acknowledge(by="dr:bo", at=datetime(2026, 6, 30, 9, 0))


def test_who_must_be_named() -> None:
    with pytest.raises(InvalidAlertTransition, match="must be named"):
        opened().acknowledge(by=" ", at=OPENED)
