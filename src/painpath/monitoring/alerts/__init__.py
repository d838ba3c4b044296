"""Monitoring alerts, pure: rules as data (knowledge/alert_rules.json) with per-patient threshold
overrides, evaluated over a snapshot of one patient's recent data into de-duplicated alert
candidates, and the open → acknowledged → resolved lifecycle. See docs/alerts.md."""

from painpath.monitoring.alerts.engine import AlertCandidate, evaluate_alerts, rules_reading
from painpath.monitoring.alerts.knowledge import (
    AlertKnowledge,
    RuleDefinition,
    Severity,
    alert_knowledge,
    check_overrides,
    thresholds_for,
)
from painpath.monitoring.alerts.lifecycle import (
    AlertEvent,
    AlertState,
    AlertStatus,
    InvalidAlertTransition,
)
from painpath.monitoring.alerts.snapshot import (
    ALL_INPUTS,
    PHQ9_ITEM9_FLAG,
    DailyValue,
    PatientSnapshot,
    PrnUse,
    QuestionnaireResult,
    SnapshotInput,
)

__all__ = [
    "ALL_INPUTS",
    "PHQ9_ITEM9_FLAG",
    "AlertCandidate",
    "AlertEvent",
    "AlertKnowledge",
    "AlertState",
    "AlertStatus",
    "DailyValue",
    "InvalidAlertTransition",
    "PatientSnapshot",
    "PrnUse",
    "QuestionnaireResult",
    "RuleDefinition",
    "Severity",
    "SnapshotInput",
    "alert_knowledge",
    "check_overrides",
    "evaluate_alerts",
    "rules_reading",
    "thresholds_for",
]
