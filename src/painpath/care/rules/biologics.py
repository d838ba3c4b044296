"""Before a biologic or JAK inhibitor: latent TB, hepatitis B and C, serious infection,
demyelinating disease and heart failure (TNF inhibitors), IBD (IL-17 inhibitors), the JAK
inhibitor boxed warning, live vaccines. CGRP antibodies are not immunosuppressive: none of the
screening applies to them."""

from __future__ import annotations

from painpath.care.context import PatientContext
from painpath.care.findings import Findings

_SCREEN_SOURCE = (
    "ACR 2012 update of the ACR recommendations for DMARDs and biologics in RA (TB screening);"
    " ACR 2021 RA guideline (hepatitis B); ACR 2022 guideline for vaccinations in patients with"
    " rheumatic and musculoskeletal diseases (live vaccines)"
)


def apply(ctx: PatientContext, found: Findings) -> None:
    biologics = found.with_class("immunosuppressant_biologic")
    if not biologics:
        return
    tb = _tb(ctx)
    hbv = _hbv(ctx)
    for c in biologics:
        if tb:
            found.caution(c, "biologic_latent_tb", why=tb)
        if hbv:
            found.caution(c, "biologic_hepatitis_b", why=hbv)
        if ctx.lab("anti_hcv") == "positive":
            found.caution(c, "biologic_hepatitis_c")
        if ctx.has("serious_infection"):
            found.caution(c, "biologic_serious_infection")
        if c.has_class("tnf_inhibitor") and ctx.has("demyelinating_disease"):
            found.exclude(c, "demyelinating_tnf")
        if c.has_class("il17_inhibitor") and ctx.has("inflammatory_bowel_disease"):
            found.exclude(c, "ibd_il17")
        if c.has_class("jak_inhibitor"):
            risks = _jak_risks(ctx)
            if risks:
                found.caution(c, "jak_boxed_warning", why=", ".join(risks))
    missing = [
        name
        for lab, name in (
            ("igra", "latent TB (IGRA)"),
            ("hbsag", "hepatitis B surface antigen"),
            ("anti_hbc", "hepatitis B core antibody"),
            ("anti_hcv", "hepatitis C antibody"),
        )
        if ctx.lab(lab) is None
    ]
    if missing:
        found.raw_flag(
            "biologic_screening_due",
            "warning",
            "before a biologic or JAK inhibitor, screen for " + ", ".join(missing),
            _SCREEN_SOURCE,
        )
    found.raw_flag(
        "live_vaccines_before_biologic",
        "info",
        "give live vaccines at least 4 weeks before starting, not during treatment; recombinant"
        " zoster vaccine is recommended",
        _SCREEN_SOURCE,
    )


def _tb(ctx: PatientContext) -> str | None:
    if ctx.lab("igra") == "positive":
        return "IGRA positive"
    if ctx.has("latent_tuberculosis"):
        return "latent tuberculosis recorded"
    return None


def _hbv(ctx: PatientContext) -> str | None:
    if ctx.lab("hbsag") == "positive" or ctx.has("hepatitis_b"):
        return "hepatitis B surface antigen positive"
    if ctx.lab("anti_hbc") == "positive":
        return "hepatitis B core antibody positive"
    return None


def _jak_risks(ctx: PatientContext) -> list[str]:
    risks = []
    if ctx.age is not None and ctx.age >= 65:
        risks.append(f"age {ctx.age}")
    for pid, name in (
        ("current_smoker", "current smoker"),
        ("coronary_disease", "cardiovascular disease"),
        ("stroke_or_tia", "stroke"),
        ("recent_vte", "venous thromboembolism"),
        ("active_malignancy", "malignancy"),
        ("lymphoproliferative_disorder", "lymphoproliferative disorder"),
    ):
        if ctx.has(pid):
            risks.append(name)
    return risks
