"""Medicine combinations and organ-specific cautions: MAOIs, serotonin syndrome (tramadol with
SSRIs/SNRIs/TCAs/triptans), opioids with benzodiazepines, gabapentinoids with opioids, COPD and
sleep apnoea, glaucoma, QT, urinary retention, seizures, suicide risk with tricyclics."""

from __future__ import annotations

from painpath.care.context import PatientContext
from painpath.care.findings import Findings

_SEROTONERGIC_PARTNERS = ("ssri", "snri", "tricyclic", "triptan", "tramadol")


def apply(ctx: PatientContext, found: Findings) -> None:
    k = ctx.knowledge
    maoi = ctx.names_with("maoi")
    for c in found.with_class("serotonergic"):
        if maoi:
            found.exclude(c, "maoi_serotonergic", names=maoi)
            continue
        partners = [
            m.ingredient
            for m in ctx.meds_with(*_SEROTONERGIC_PARTNERS)
            if m.ingredient not in c.therapy.ingredients
            and (c.has_class("tramadol") or "tramadol" in m.classes)
        ]
        if partners:
            found.caution(c, "serotonin_syndrome", names=", ".join(dict.fromkeys(partners)))
    benzos = ctx.names_with("benzodiazepine")
    opioids = ctx.names_with("opioid")
    gabapentinoids = ctx.names_with("gabapentinoid")
    respiratory = [
        name for pid, name in (("copd", "COPD"), ("sleep_apnoea", "sleep apnoea")) if ctx.has(pid)
    ]
    for c in found.with_class("opioid"):
        if benzos:
            found.exclude(c, "opioid_benzodiazepine", names=benzos)
        if gabapentinoids:
            found.caution(
                c, "opioid_gabapentinoid_respiratory", names=gabapentinoids, risk=_risk(respiratory)
            )
    for c in found.with_class("gabapentinoid"):
        if opioids:
            found.caution(
                c, "opioid_gabapentinoid_respiratory", names=opioids, risk=_risk(respiratory)
            )
    if respiratory:
        for c in found.with_class("opioid", "gabapentinoid"):
            found.caution(c, "respiratory_cns_depressant", why=" and ".join(respiratory))
    for c in found.with_class("tricyclic"):
        if ctx.has("angle_closure_glaucoma"):
            found.exclude(c, "glaucoma_tricyclic")
        qt = _qt(ctx)
        if qt:
            found.exclude(c, "qt_tricyclic", why=qt)
    if ctx.has("angle_closure_glaucoma"):
        for c in found.with_class("snri"):
            found.caution(c, "glaucoma_snri")
    if ctx.has("urinary_retention"):
        for c in found.with_class("anticholinergic"):
            found.caution(c, "urinary_retention_anticholinergic")
    if ctx.has("seizure_disorder"):
        for c in found.with_class("tramadol"):
            found.caution(c, "seizure_tramadol")
    suicide = suicide_risk(ctx)
    if suicide:
        for c in found.with_class("tricyclic"):
            found.caution(c, "suicide_risk_tricyclic", why=suicide)
    del k


def _risk(respiratory: list[str]) -> str:
    return f" and {' and '.join(respiratory)}" if respiratory else ""


def _qt(ctx: PatientContext) -> str | None:
    if ctx.has("qt_prolongation"):
        return "QT prolongation"
    qtc = ctx.number("qtc")
    if qtc is not None and qtc >= ctx.knowledge.threshold("qtc_prolonged_ms"):
        return f"QTc {qtc:g} ms"
    return None


def suicide_risk(ctx: PatientContext) -> str | None:
    """Why this patient is at risk of suicide (problem list or PHQ-9 item 9), or None."""
    if ctx.has("suicidality"):
        return "suicidal ideation recorded"
    item9 = ctx.score("phq9_item9")
    if item9 is not None and item9 > 0:
        return f"PHQ-9 item 9 answered {item9:g}"
    return None
