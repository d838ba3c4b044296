"""Neurostimulation trial and programming: when a trial succeeds, and what a program may be.

A trial succeeds when the mean of its daily pain-relief entries reaches the knowledge's
threshold (>= 50 %, NACC 2014; NICE TA159 asks for a successful trial) over at least the minimum
number of daily entries, with function not worse on most days. The clinic may switch the trial
requirement off (TRIAL-STIM, Eldabe 2020); that choice is the service's, not this module's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from painpath.care.workflows.data import workflow_knowledge


class FunctionChange(StrEnum):
    better = "better"
    same = "same"
    worse = "worse"


@dataclass(frozen=True, slots=True)
class TrialDay:
    day: date
    relief_percent: float
    function: FunctionChange


@dataclass(frozen=True, slots=True)
class TrialResult:
    entries: int
    mean_relief_percent: float | None
    success: bool
    ready: bool  # enough entries to judge
    summary: str
    source: str


def evaluate_trial(days: Sequence[TrialDay]) -> TrialResult:
    """The trial's result so far: mean relief, success, and whether it can be judged yet."""
    rule = workflow_knowledge().trial
    if not days:
        return TrialResult(0, None, False, False, "No daily entries yet.", rule.source)
    mean = round(sum(d.relief_percent for d in days) / len(days), 1)
    worse = sum(1 for d in days if d.function is FunctionChange.worse)
    ready = len(days) >= rule.minimum_daily_entries
    success = ready and mean >= rule.success_relief_percent and worse * 2 <= len(days)
    if not ready:
        summary = (
            f"{len(days)} of at least {rule.minimum_daily_entries} daily entries; mean relief"
            f" {mean:g} % so far."
        )
    elif success:
        summary = (
            f"Successful trial: mean relief {mean:g} % over {len(days)} days"
            f" (≥ {rule.success_relief_percent:g} %)."
        )
    elif mean < rule.success_relief_percent:
        summary = (
            f"Not successful: mean relief {mean:g} % over {len(days)} days"
            f" (below {rule.success_relief_percent:g} %)."
        )
    else:
        summary = (
            f"Not successful: function worse on {worse} of {len(days)} days"
            f" despite {mean:g} % relief."
        )
    return TrialResult(len(days), mean, success, ready, summary, rule.source)


def check_program(
    *, waveform: str, frequency_hz: float, pulse_width_us: float, amplitude_ma: float
) -> None:
    """ValueError naming the parameter when a program is outside what painpath accepts."""
    limits = workflow_knowledge().programming
    if waveform not in limits.waveforms:
        raise ValueError(f"waveform must be one of {', '.join(limits.waveforms)}")
    for name, value, (low, high) in (
        ("frequency_hz", frequency_hz, limits.frequency_hz),
        ("pulse_width_us", pulse_width_us, limits.pulse_width_us),
        ("amplitude_ma", amplitude_ma, limits.amplitude_ma),
    ):
        if not low <= value <= high:
            raise ValueError(f"{name} must be between {low:g} and {high:g}")


def relief_percent(baseline_pain: float | None, pain: float | None) -> float | None:
    """Relief against the course baseline (NRS), for a program's outcome; None without both."""
    if baseline_pain is None or pain is None or baseline_pain <= 0:
        return None
    return round(100.0 * (baseline_pain - pain) / baseline_pain, 1)
