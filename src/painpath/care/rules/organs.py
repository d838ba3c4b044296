"""Kidney and liver function: NSAIDs, gabapentinoids, duloxetine and tramadol by eGFR band,
duloxetine and analgesics in liver disease (AGS Beers 2023 table 6, KDIGO 2012, US labels)."""

from __future__ import annotations

from painpath.care.context import PatientContext
from painpath.care.findings import Findings


def apply(ctx: PatientContext, found: Findings) -> None:
    k = ctx.knowledge
    egfr = ctx.renal_function
    if egfr is not None:
        for c in found.with_class("nsaid_oral"):
            if egfr < k.threshold("egfr_nsaid_avoid_below"):
                found.exclude(c, "renal_nsaid_avoid", egfr=egfr)
            elif egfr < k.threshold("egfr_nsaid_caution_below"):
                found.caution(c, "renal_nsaid_caution", egfr=egfr)
        if egfr < k.threshold("egfr_gabapentinoid_dose_below"):
            for c in found.with_class("gabapentinoid"):
                found.caution(c, "renal_gabapentinoid_dose", egfr=egfr)
        if egfr < k.threshold("egfr_duloxetine_avoid_below"):
            for c in found.candidates.values():
                if "duloxetine" in c.therapy.ingredients:
                    found.exclude(c, "renal_duloxetine_avoid", egfr=egfr)
        if egfr < k.threshold("egfr_tramadol_below"):
            for c in found.with_class("tramadol"):
                found.caution(c, "renal_tramadol_interval", egfr=egfr)
    why = _liver(ctx)
    if why:
        for c in found.candidates.values():
            if "duloxetine" in c.therapy.ingredients:
                found.exclude(c, "hepatic_duloxetine_avoid", why=why)
        for c in found.with_class("paracetamol", "nsaid_oral"):
            found.caution(c, "hepatic_analgesic_caution", why=why)


def _liver(ctx: PatientContext) -> str | None:
    if ctx.has("liver_disease"):
        return "chronic liver disease"
    alt = ctx.number("alt")
    k = ctx.knowledge
    limit = k.threshold("alt_upper_limit_normal") * k.threshold("alt_times_uln_hepatic")
    if alt is not None and alt > limit:
        return f"ALT {alt:g} U/L (more than 3 times the upper limit of normal)"
    return None
