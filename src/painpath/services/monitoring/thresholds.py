"""A patient's alert settings: per-rule threshold overrides (checked against the rules' own
thresholds) and a clinician-given pain baseline."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from painpath.models.alert_thresholds import AlertThresholdOverride
from painpath.monitoring.alerts import alert_knowledge, check_overrides, thresholds_for
from painpath.schemas.monitoring_adherence import AlertThresholdsIn, AlertThresholdsRead
from painpath.services.access import PatientAccess
from painpath.services.errors import InvalidInput

Thresholds = dict[str, dict[str, float]]
#: Limits beyond the rules' own "a number ≥ 0": shares are fractions, windows at most a year.
SHARES = frozenset({("opioid_early_refill", "share_elapsed"), ("pdc_low", "pdc")})
DAY_SPANS = frozenset({"window_days", "lookback_days", "days"})
MAX_DAYS = 365
#: No threshold (a count, a score, a number of steps) is meaningful above this.
MAX_VALUE = 1_000_000


@dataclass(frozen=True, slots=True)
class AlertSettings:
    overrides: Thresholds = field(default_factory=dict)
    pain_baseline: float | None = None


#: `settings_for`'s statement, built once: it runs on every sync POST (issue 15), and the two
#: columns cost less to read than the ORM's loading of the row.
_SETTINGS = select(AlertThresholdOverride.overrides, AlertThresholdOverride.pain_baseline).where(
    AlertThresholdOverride.patient_id == bindparam("patient_id")
)


def settings_for(session: Session, patient_id: int) -> AlertSettings:
    """The patient's settings; a stored override or baseline that would not pass validation
    today (written before it, or past it) is ignored, so the rules run on their defaults."""
    row = session.execute(_SETTINGS, {"patient_id": patient_id}).one_or_none()
    if row is None:
        return AlertSettings()
    overrides, baseline = row
    if baseline is not None and not (math.isfinite(baseline) and 0 <= baseline <= 10):
        baseline = None
    return AlertSettings(_usable(overrides), baseline)


def _usable(stored: object) -> Thresholds:
    """The stored overrides that pass `_check`, one by one."""
    usable: Thresholds = {}
    if not isinstance(stored, dict):
        return usable
    for rule_id, values in stored.items():
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            try:
                _check({rule_id: {key: value}})
            except InvalidInput:
                continue
            usable.setdefault(rule_id, {})[key] = float(value)
    return usable


def _check_limits(rule_id: str, key: str, value: float) -> None:
    if value > MAX_VALUE:
        raise ValueError(f"{rule_id}.{key} must be at most {MAX_VALUE:,}, not {value:g}")
    if (rule_id, key) in SHARES and not 0 < value <= 1:
        raise ValueError(f"{rule_id}.{key} is a share: more than 0 and at most 1, not {value:g}")
    if key in DAY_SPANS and value > MAX_DAYS:
        raise ValueError(f"{rule_id}.{key} must be at most {MAX_DAYS} days, not {value:g}")


def _check(overrides: dict[str, dict[str, Any]]) -> Thresholds:
    """The overrides, or InvalidInput whose field names the rule or threshold at fault."""
    for rule_id, values in overrides.items():
        try:
            check_overrides({rule_id: {}})
        except ValueError as error:
            raise InvalidInput(str(error), field=f"overrides.{rule_id}") from None
        for key, value in values.items():
            try:
                if isinstance(value, float) and not math.isfinite(value):
                    raise ValueError(f"{rule_id}.{key} must be a finite number, not {value}")
                check_overrides({rule_id: {key: value}})
                _check_limits(rule_id, key, float(value))
            except ValueError as error:
                raise InvalidInput(str(error), field=f"overrides.{rule_id}.{key}") from None
    return {rule: {k: float(v) for k, v in values.items()} for rule, values in overrides.items()}


def _read(access: PatientAccess, row: AlertThresholdOverride | None) -> AlertThresholdsRead:
    rules = alert_knowledge().rules
    overrides = dict(row.overrides) if row else {}
    return AlertThresholdsRead(
        patient_id=access.patient_id,
        overrides=overrides,
        pain_baseline=row.pain_baseline if row else None,
        effective={rule_id: thresholds_for(rule_id, overrides) for rule_id in rules},
        defaults={rule_id: dict(rule.thresholds) for rule_id, rule in rules.items()},
        updated_at=row.updated_at if row else None,
        updated_by=row.updated_by if row else None,
    )


def get_thresholds(session: Session, *, access: PatientAccess) -> AlertThresholdsRead:
    return _read(access, session.get(AlertThresholdOverride, access.patient_id))


def put_thresholds(
    session: Session, *, access: PatientAccess, data: AlertThresholdsIn
) -> AlertThresholdsRead:
    """Replace the patient's overrides and baseline (an empty body restores the defaults)."""
    overrides = _check(data.overrides)
    row = session.get(AlertThresholdOverride, access.patient_id)
    if row is None:
        row = AlertThresholdOverride(patient_id=access.patient_id)
        session.add(row)
    row.overrides = overrides
    row.pain_baseline = data.pain_baseline
    row.updated_by = access.actor.user_id
    session.flush()
    return _read(access, row)
