"""The alert and adherence engines' public API is explicit, pinned here, and plain Python."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from types import MappingProxyType

import painpath.monitoring.adherence
import painpath.monitoring.alerts
from painpath.monitoring.adherence import Fill, pdc
from painpath.monitoring.alerts import (
    PHQ9_ITEM9_FLAG,
    DailyValue,
    PatientSnapshot,
    PrnUse,
    QuestionnaireResult,
    evaluate_alerts,
)

ALERTS = {
    "ALL_INPUTS", "PHQ9_ITEM9_FLAG", "AlertCandidate", "AlertEvent", "AlertKnowledge",
    "AlertState", "AlertStatus", "DailyValue", "InvalidAlertTransition", "PatientSnapshot",
    "PrnUse", "QuestionnaireResult", "RuleDefinition", "Severity", "SnapshotInput",
    "alert_knowledge", "check_overrides", "evaluate_alerts", "rules_reading", "thresholds_for",
}  # fmt: skip
ADHERENCE = {
    "EARLY_REFILL_SHARE", "MAX_PERIOD_DAYS", "PDC_ADHERENT", "DoseAdherence", "DoseLog",
    "EarlyRefill", "Fill", "MprResult", "PdcResult", "PrnOveruse", "PrnOveruseDay",
    "ScheduledDose", "dose_adherence", "early_refills", "mpr", "pdc", "prn_overuse",
}  # fmt: skip


def test_the_public_api_is_pinned() -> None:
    assert set(painpath.monitoring.alerts.__all__) == ALERTS
    assert set(painpath.monitoring.adherence.__all__) == ADHERENCE
    assert all(hasattr(painpath.monitoring.alerts, name) for name in ALERTS)
    assert all(hasattr(painpath.monitoring.adherence, name) for name in ADHERENCE)


def test_the_engines_import_no_web_database_or_settings() -> None:
    code = (
        "import sys, painpath.monitoring.alerts, painpath.monitoring.adherence;"
        "print(','.join(m for m in ('fastapi', 'sqlalchemy', 'painpath.config', 'painpath.db',"
        " 'painpath.models', 'painpath.web') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_rule_firing_at_once_gives_json_ready_candidates() -> None:
    today = date(2026, 6, 30)
    pain = tuple(DailyValue(date(2026, 6, d), 3) for d in range(1, 8)) + tuple(
        DailyValue(date(2026, 6, d), 8) for d in range(24, 31)
    )
    steps = tuple(DailyValue(date(2026, 6, d), 9000 if d < 24 else 2000) for d in range(17, 31))
    nsaid = pdc([Fill("naproxen", date(2026, 3, 23), 20), Fill("naproxen", date(2026, 4, 1), 20)],
                date(2026, 3, 23), today)  # fmt: skip
    snapshot = PatientSnapshot(
        "p1",
        pain=pain,
        questionnaires=(QuestionnaireResult("PHQ-9", date(2026, 6, 29), 9, (PHQ9_ITEM9_FLAG,)),),
        steps=steps,
        adherence=MappingProxyType({"nsaid": nsaid}),
        prn=(PrnUse("oxycodone", 4, MappingProxyType({date(2026, 6, 29): 6})),),
        opioid_fills=(
            Fill("oxycodone", date(2026, 6, 1), 30),
            Fill("oxycodone", date(2026, 6, 20), 30),
        ),
        last_data_at=datetime(2026, 6, 20, tzinfo=UTC),
    )
    alerts = evaluate_alerts(snapshot, today)
    assert {a.rule_id for a in alerts} == set(painpath.monitoring.alerts.alert_knowledge().rules)
    assert len({a.dedup_key for a in alerts}) == len(alerts)
    document = json.loads(json.dumps([a.as_json() for a in alerts]))
    assert document[0]["severity"] == "urgent"
