"""The alert rules. Each reads a snapshot as of one day with its thresholds and returns findings;
titles, severities and defaults come from knowledge/alert_rules.json."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from painpath.kit.text import counted
from painpath.monitoring.adherence import early_refills, prn_overuse
from painpath.monitoring.alerts.snapshot import PHQ9_ITEM9_FLAG, PatientSnapshot, SnapshotInput


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule holding on a day. `episode` names the event when the data do (a questionnaire
    response, a fill, an index date); None lets the engine date the episode by walking back."""

    window_start: date
    window_end: date
    message: str
    evidence: Mapping[str, Any]
    subject: str = ""  # which drug or drug class, when a rule fires once per subject
    episode: str | None = field(default=None)


Rule = Callable[[PatientSnapshot, date, Mapping[str, float]], list[Finding]]


def _window(day: date, days: int) -> tuple[date, date]:
    return day - timedelta(days=days - 1), day


def _mean_in(values: Mapping[date, float], first: date, last: date) -> tuple[float, int] | None:
    inside = [v for d, v in values.items() if first <= d <= last]
    return (sum(inside) / len(inside), len(inside)) if inside else None


def _first_valid_week(
    values: Mapping[date, float], days: int, minimum: int
) -> tuple[float, date, date] | None:
    for start in values:  # ordered by day
        end = start + timedelta(days=days - 1)
        found = _mean_in(values, start, end)
        if found and found[1] >= minimum:
            return found[0], start, end
    return None


def pain_worsening(snap: PatientSnapshot, day: date, t: Mapping[str, float]) -> list[Finding]:
    """7-day mean NRS up ≥ `points` or ≥ `percent` % from baseline (IMMPACT, Dworkin 2008)."""
    days, minimum = int(t["window_days"]), int(t["min_days_per_window"])
    pain = {d: v for d, v in snap.daily_pain().items() if d <= day}
    first, last = _window(day, days)
    current = _mean_in(pain, first, last)
    if current is None or current[1] < minimum:
        return []
    if snap.pain_baseline is not None:
        baseline, source = snap.pain_baseline, "given"
    else:
        week = _first_valid_week(pain, days, minimum)
        if week is None or week[2] >= first:  # the baseline week must be over before this one
            return []
        baseline, source = week[0], f"mean of {week[1].isoformat()}..{week[2].isoformat()}"
    rise = round(current[0] - baseline, 9)
    percent = round(rise / baseline * 100, 9) if baseline > 0 else None
    if rise <= 0 or not (rise >= t["points"] or (percent is not None and percent >= t["percent"])):
        return []
    shown = "" if percent is None else f" ({percent:.0f} %)"
    return [
        Finding(
            first,
            last,
            f"7-day mean pain {current[0]:.1f}/10 is {rise:.1f} points{shown} above baseline "
            f"{baseline:.1f}",
            {
                "mean": round(current[0], 3),
                "days_with_entries": current[1],
                "baseline": round(baseline, 3),
                "baseline_source": source,
                "rise_points": round(rise, 3),
                "rise_percent": None if percent is None else round(percent, 1),
            },
        )
    ]


def phq9_item9(snap: PatientSnapshot, day: date, t: Mapping[str, float]) -> list[Finding]:
    """Every PHQ-9 with item 9 above 0 in the look-back, whatever its total (Kroenke 2001)."""
    first, last = _window(day, int(t["lookback_days"]))
    return [
        Finding(
            result.day,
            result.day,
            f"{result.instrument} on {result.day.isoformat()}: item 9 (thoughts of self-harm) "
            "answered above 0; contact the patient today",
            {"instrument": result.instrument, "score": result.score, "flags": list(result.flags)},
            episode=result.response_id or result.day.isoformat(),
        )
        for result in snap.questionnaires
        if PHQ9_ITEM9_FLAG in result.flags and first <= result.day <= last
    ]


def activity_drop(snap: PatientSnapshot, day: date, t: Mapping[str, float]) -> list[Finding]:
    """Mean daily steps this week down ≥ `percent` % against the week before."""
    days, minimum = int(t["window_days"]), int(t["min_days_per_window"])
    steps = snap.daily_steps()
    first, last = _window(day, days)
    before_first, before_last = _window(first - timedelta(days=1), days)
    now, before = _mean_in(steps, first, last), _mean_in(steps, before_first, before_last)
    if now is None or before is None or now[1] < minimum or before[1] < minimum or before[0] <= 0:
        return []
    drop = round((before[0] - now[0]) / before[0] * 100, 9)
    if drop < t["percent"]:
        return []
    return [
        Finding(
            before_first,
            last,
            f"Mean daily steps fell {drop:.0f} % week over week ({before[0]:.0f} → {now[0]:.0f})",
            {
                "mean_this_week": round(now[0], 1),
                "mean_week_before": round(before[0], 1),
                "drop_percent": round(drop, 1),
                "days_this_week": now[1],
                "days_week_before": before[1],
            },
        )
    ]


def pdc_low(snap: PatientSnapshot, day: date, t: Mapping[str, float]) -> list[Finding]:
    """An eligible PDC below `pdc` (PQA); one finding per drug class."""
    found = []
    for drug_class, result in sorted(snap.adherence.items()):
        if result.value is None or result.index_date is None or result.value >= t["pdc"]:
            continue
        found.append(
            Finding(
                result.index_date,
                result.period_end,
                f"PDC for {drug_class} is {result.value:.0%} (below {t['pdc']:.0%})",
                result.as_json(),
                subject=drug_class,
                episode=result.index_date.isoformat(),
            )
        )
    return found


def opioid_prn_overuse(snap: PatientSnapshot, day: date, t: Mapping[str, float]) -> list[Finding]:
    """As-needed opioid doses above the prescribed maximum on ≥ `min_days_over` recent days."""
    first, last = _window(day, int(t["lookback_days"]))
    found = []
    for use in snap.prn:
        recent = {d: n for d, n in use.doses_per_day.items() if first <= d <= last}
        over = prn_overuse(use.max_per_day, recent)
        if over.days_over and len(over.days_over) >= t["min_days_over"]:
            worst = max(over.days_over, key=lambda d: d.doses)
            found.append(
                Finding(
                    first,
                    last,
                    f"{use.drug}: more doses than the prescribed {use.max_per_day} a day on "
                    f"{len(over.days_over)} day(s); most {worst.doses} on {worst.day.isoformat()}",
                    {"drug": use.drug, **over.as_json()},
                    subject=use.drug,
                )
            )
    return found


def opioid_early_refill(snap: PatientSnapshot, day: date, t: Mapping[str, float]) -> list[Finding]:
    """An opioid refill before `share_elapsed` of the previous supply had elapsed."""
    first, last = _window(day, int(t["lookback_days"]))
    fills = [f for f in snap.opioid_fills if f.fill_date <= day]
    return [
        Finding(
            early.previous_fill,
            early.refill,
            f"{early.drug} refilled on {early.refill.isoformat()} after {early.days_elapsed} of "
            f"{counted(early.previous_days_supply, 'day')} ({early.share_elapsed:.0%} elapsed, "
            f"threshold {early.threshold:.0%})",
            early.as_json(),
            subject=early.drug,
            episode=early.refill.isoformat(),
        )
        for early in early_refills(fills, threshold=t["share_elapsed"])
        if first <= early.refill <= last
    ]


def no_data(snap: PatientSnapshot, day: date, t: Mapping[str, float]) -> list[Finding]:
    """≥ `days` whole days (after the last data day, up to yesterday) without any data."""
    last = snap.last_data_day()
    if last is not None:
        since = last
    elif snap.monitoring_start is not None:
        since = snap.monitoring_start - timedelta(days=1)
    else:
        return []
    silent = (day - since).days - 1
    if silent < t["days"]:
        return []
    what = "the last data" if last is not None else "monitoring started"
    return [
        Finding(
            since + timedelta(days=1),
            day - timedelta(days=1),
            f"No data for {counted(silent, 'day')} since {what} ({since.isoformat()})",
            {"last_data_day": None if last is None else last.isoformat(), "days_without": silent},
            episode=f"since-{since.isoformat()}",
        )
    ]


RULES: dict[str, Rule] = {
    "pain_worsening": pain_worsening,
    "phq9_item9": phq9_item9,
    "activity_drop": activity_drop,
    "pdc_low": pdc_low,
    "opioid_prn_overuse": opioid_prn_overuse,
    "opioid_early_refill": opioid_early_refill,
    "no_data": no_data,
}

#: The snapshot parts each rule reads (its thresholds and the day aside).
RULE_INPUTS: dict[str, frozenset[SnapshotInput]] = {
    "pain_worsening": frozenset({SnapshotInput.pain}),
    "phq9_item9": frozenset({SnapshotInput.questionnaires}),
    "activity_drop": frozenset({SnapshotInput.steps}),
    "pdc_low": frozenset({SnapshotInput.adherence}),
    "opioid_prn_overuse": frozenset({SnapshotInput.prn}),
    "opioid_early_refill": frozenset({SnapshotInput.opioid_fills}),
    "no_data": frozenset({SnapshotInput.last_data}),
}
