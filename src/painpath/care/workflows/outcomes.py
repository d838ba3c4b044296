"""Outcome instruments and responder rules: a baseline and a follow-up give a response.

Every rule is data-driven by `knowledge/outcomes.json` (instrument fields, bounds and the
published source) and computed here exactly as published; `validate_values` refuses a missing,
unknown or out-of-range value naming the field. `respond` returns the response level, whether
the course counts as responding, the numbers behind it and the source.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from painpath.care.workflows.data import AssessmentPlan, Instrument, workflow_knowledge

EARLY_GRACE = timedelta(days=14)


class OutcomeError(ValueError):
    """A value the instrument does not take (the message names the field)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Response:
    instrument: str
    level: str  # e.g. "substantial", "ACR50", "good", "major_improvement", "none"
    responder: bool
    summary: str  # one sentence a clinician reads
    numbers: Mapping[str, float] = field(default_factory=dict)
    source: str = ""


def instrument(instrument_id: str) -> Instrument:
    found = workflow_knowledge().instruments.get(instrument_id)
    if found is None:
        known = ", ".join(workflow_knowledge().instruments)
        raise OutcomeError(
            f"unknown instrument {instrument_id!r} (one of {known})", field="instrument"
        )
    return found


def validate_values(instrument_id: str, values: Mapping[str, object]) -> dict[str, float]:
    """The values as floats, or OutcomeError naming the first bad field."""
    spec = instrument(instrument_id)
    names = {f.id for f in spec.fields}
    for name in values:
        if name not in names:
            raise OutcomeError(
                f"{spec.name} has no field {str(name)[:40]!r}", field=f"values.{str(name)[:40]}"
            )
    clean: dict[str, float] = {}
    for f in spec.fields:
        raw = values.get(f.id)
        where = f"values.{f.id}"
        if raw is None:
            raise OutcomeError(f"{f.label}: required", field=where)
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise OutcomeError(f"{f.label}: must be a number", field=where)
        number = float(raw)
        if not math.isfinite(number) or not f.minimum <= number <= f.maximum:
            raise OutcomeError(
                f"{f.label}: must be between {f.minimum:g} and {f.maximum:g}", field=where
            )
        if f.integer and number != int(number):
            raise OutcomeError(f"{f.label}: must be a whole number", field=where)
        clean[f.id] = number
    return clean


def _reduction(before: float, after: float) -> float:
    """Percent improvement (lower is better); 0 when the baseline is 0 (nothing to improve)."""
    return 0.0 if before <= 0 else round(100.0 * (before - after) / before, 1)


def _pain(
    spec: Instrument, b: Mapping[str, float], f: Mapping[str, float], substantial_only: bool
) -> Response:
    t = spec.thresholds
    pct = _reduction(b["pain"], f["pain"])
    if pct >= t["substantial_percent"]:
        level = "substantial"
    elif not substantial_only and pct >= t["moderate_percent"]:
        level = "moderate"
    else:
        level = "none"
    threshold = (
        f"≥ {t['substantial_percent']:g} %"
        if substantial_only
        else f"≥ {t['moderate_percent']:g} % (moderate) or ≥ {t['substantial_percent']:g} %"
        " (substantial)"
    )
    return Response(
        spec.id,
        level,
        level != "none",
        f"Pain {b['pain']:g} → {f['pain']:g}: {pct:g} % reduction; responder at {threshold}.",
        {"reduction_percent": pct},
        spec.source,
    )


def _odi(spec: Instrument, b: Mapping[str, float], f: Mapping[str, float]) -> Response:
    points = round(b["odi"] - f["odi"], 1)
    pct = _reduction(b["odi"], f["odi"])
    t = spec.thresholds
    ok = points >= t["points"] or pct >= t["percent"]
    return Response(
        spec.id,
        "important_improvement" if ok else "none",
        ok,
        f"ODI {b['odi']:g} → {f['odi']:g}: {points:g} points, {pct:g} %;"
        f" important at ≥ {t['points']:g} points or ≥ {t['percent']:g} %.",
        {"points": points, "reduction_percent": pct},
        spec.source,
    )


def _omeract(spec: Instrument, b: Mapping[str, float], f: Mapping[str, float]) -> Response:
    change = {
        k: (b[k] - f[k], _reduction(b[k], f[k])) for k in ("pain", "function", "patient_global")
    }
    t = spec.thresholds
    high = any(
        change[k][1] >= t["high_percent"] and change[k][0] >= t["high_points"]
        for k in ("pain", "function")
    )
    improved = sum(
        1
        for pts, pct in change.values()
        if pct >= t["moderate_percent"] and pts >= t["moderate_points"]
    )
    moderate = improved >= t["moderate_domains"]
    ok = high or moderate
    why = (
        "high improvement in pain or function"
        if high
        else "≥ 2 of pain, function, global improved"
        if moderate
        else "criteria not met"
    )
    return Response(
        spec.id,
        "responder" if ok else "none",
        ok,
        f"OMERACT-OARSI: {why} (pain {change['pain'][1]:g} %,"
        f" function {change['function'][1]:g} %, global {change['patient_global'][1]:g} %).",
        {f"{k}_percent": v[1] for k, v in change.items()},
        spec.source,
    )


def _acr(spec: Instrument, b: Mapping[str, float], f: Mapping[str, float]) -> Response:
    core = ("patient_global", "physician_global", "pain", "haq_di", "crp_mg_l")
    pct = {k: _reduction(b[k], f[k]) for k in ("tender_joints", "swollen_joints", *core)}
    level = "none"
    for threshold in (20, 50, 70):
        counts = pct["tender_joints"] >= threshold and pct["swollen_joints"] >= threshold
        others = sum(1 for k in core if pct[k] >= threshold)
        # a count that is 0 at baseline cannot improve by a percentage
        enough = others >= spec.thresholds["core_measures_needed"]
        if counts and enough and b["tender_joints"] > 0 and b["swollen_joints"] > 0:
            level = f"ACR{threshold}"
    return Response(
        spec.id,
        level,
        level != "none",
        f"{'Reached ' + level if level != 'none' else 'ACR20 not reached'}:"
        f" tender joints {pct['tender_joints']:g} %, swollen {pct['swollen_joints']:g} %.",
        {f"{k}_percent": v for k, v in pct.items()},
        spec.source,
    )


def das28(values: Mapping[str, float]) -> float:
    """DAS28-ESR (Prevoo 1995) or DAS28-CRP, from whichever marker the values carry."""
    joints = 0.56 * math.sqrt(values["tender_joints_28"]) + 0.28 * math.sqrt(
        values["swollen_joints_28"]
    )
    if "esr_mm_h" in values:
        return round(
            joints + 0.70 * math.log(values["esr_mm_h"]) + 0.014 * values["patient_global"], 2
        )
    return round(
        joints + 0.36 * math.log(values["crp_mg_l"] + 1) + 0.014 * values["patient_global"] + 0.96,
        2,
    )


def _das28(spec: Instrument, b: Mapping[str, float], f: Mapping[str, float]) -> Response:
    before, after = das28(b), das28(f)
    t = spec.thresholds
    drop = round(before - after, 2)
    if drop > t["large_drop"]:
        level = "good" if after <= t["good_max"] else "moderate"
    elif drop > t["small_drop"]:
        level = "moderate" if after <= t["moderate_max"] else "none"
    else:
        level = "none"
    return Response(
        spec.id,
        level,
        level != "none",
        f"DAS28 {before:g} → {after:g} (Δ {drop:g}): EULAR {level} response.",
        {"baseline_score": before, "score": after, "improvement": drop},
        spec.source,
    )


def _asas(spec: Instrument, b: Mapping[str, float], f: Mapping[str, float]) -> Response:
    domains = ("patient_global", "spinal_pain", "basfi", "inflammation")
    pts = {k: b[k] - f[k] for k in domains}
    pct = {k: _reduction(b[k], f[k]) for k in domains}

    def met(share: float, units: float) -> list[str]:
        return [k for k in domains if pct[k] >= share and pts[k] >= units]

    level = "none"
    t = spec.thresholds
    needed = t["domains_needed"]
    improved40 = met(t["asas40_percent"], t["asas40_units"])
    if len(improved40) >= needed and all(pts[k] >= 0 for k in domains if k not in improved40):
        level = "ASAS40"
    else:
        share, units = t["asas20_percent"], t["asas20_units"]
        improved20 = met(share, units)
        worse = [
            k for k in domains if k not in improved20 and -pct[k] >= share and -pts[k] >= units
        ]
        if len(improved20) >= needed and not worse:
            level = "ASAS20"
    return Response(
        spec.id,
        level,
        level == "ASAS40",
        f"{level if level != 'none' else 'ASAS20 not reached'};"
        " ASAS40 is the responder rule for biologics.",
        {f"{k}_percent": v for k, v in pct.items()},
        spec.source,
    )


def asdas_crp(values: Mapping[str, float]) -> float:
    """ASDAS-CRP (Lukas 2009); CRP below 2 mg/L counts as 2 (ASAS recommendation)."""
    crp = max(values["crp_mg_l"], 2.0)
    return round(
        0.12 * values["back_pain"]
        + 0.06 * values["morning_stiffness_duration"]
        + 0.11 * values["patient_global"]
        + 0.07 * values["peripheral_pain_swelling"]
        + 0.58 * math.log(crp + 1),
        2,
    )


def asdas_state(score: float) -> str:
    """ASDAS disease activity (Machado 2018 nomenclature; cut-offs in outcomes.json)."""
    t = instrument("asdas_crp").thresholds
    if score < t["inactive_below"]:
        return "inactive"
    if score < t["low_below"]:
        return "low"
    return "high" if score <= t["high_max"] else "very_high"


def _asdas(spec: Instrument, b: Mapping[str, float], f: Mapping[str, float]) -> Response:
    before, after = asdas_crp(b), asdas_crp(f)
    t = spec.thresholds
    drop = round(before - after, 2)
    level = "none"
    if drop >= t["major"]:
        level = "major_improvement"
    elif drop >= t["important"]:
        level = "clinically_important"
    return Response(
        spec.id,
        level,
        level != "none",
        f"ASDAS {before:g} → {after:g} (Δ {drop:g}, now {asdas_state(after).replace('_', ' ')});"
        f" ≥ {t['important']:g} clinically important, ≥ {t['major']:g} major improvement.",
        {"baseline_score": before, "score": after, "improvement": drop},
        spec.source,
    )


def _migraine(spec: Instrument, b: Mapping[str, float], f: Mapping[str, float]) -> Response:
    pct = _reduction(b["migraine_days"], f["migraine_days"])
    t = spec.thresholds
    if pct >= t["responder_percent"]:
        level = "responder"
    elif pct >= t["partial_percent"]:
        level = "partial"
    else:
        level = "none"
    return Response(
        spec.id,
        level,
        level == "responder",
        f"Monthly migraine days {b['migraine_days']:g} → {f['migraine_days']:g}: {pct:g} % fewer;"
        f" responder at ≥ {t['responder_percent']:g} % (≥ {t['partial_percent']:g} % is the"
        " chronic-migraine threshold NICE uses).",
        {"reduction_percent": pct},
        spec.source,
    )


def respond(
    instrument_id: str, baseline: Mapping[str, object], follow_up: Mapping[str, object]
) -> Response:
    """The response at a follow-up against the baseline, by the instrument's published rule."""
    spec = instrument(instrument_id)
    b = validate_values(instrument_id, baseline)
    f = validate_values(instrument_id, follow_up)
    match spec.rule:
        case "immpact":
            return _pain(spec, b, f, substantial_only=False)
        case "scs":
            return _pain(spec, b, f, substantial_only=True)
        case "odi":
            return _odi(spec, b, f)
        case "omeract_oarsi":
            return _omeract(spec, b, f)
        case "acr":
            return _acr(spec, b, f)
        case "das28":
            return _das28(spec, b, f)
        case "asas":
            return _asas(spec, b, f)
        case "asdas":
            return _asdas(spec, b, f)
    return _migraine(spec, b, f)


def next_due(plan: AssessmentPlan, anchor: date, last_assessed: date | None) -> date:
    """The next assessment: the first planned time after the last one recorded.

    Planned times are `after_weeks` from the anchor (the start, implant or first injection),
    then every `then_every_weeks`. Before any follow-up, the first planned time is due.
    """
    # A follow-up up to two weeks early counts for the planned time it was meant for.
    after = anchor if last_assessed is None else max(anchor, last_assessed + EARLY_GRACE)
    for weeks in plan.after_weeks:
        due = anchor + timedelta(weeks=weeks)
        if due > after:
            return due
    due = anchor + timedelta(weeks=plan.after_weeks[-1])
    while due <= after:
        due += timedelta(weeks=plan.then_every_weeks)
    return due
