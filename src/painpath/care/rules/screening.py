"""Whole-patient flags: suicide risk and depression (PHQ-9), STarT Back risk group, age outside
the adult guidelines, cancer-related pain scope; and procedure safety: bleeding risk for
needling and injections, spinal cord stimulation with anticoagulants, HbA1c and psychological
readiness."""

from __future__ import annotations

from painpath.care.context import PatientContext
from painpath.care.findings import Findings
from painpath.care.rules.interactions import suicide_risk

_PROCEDURES = ("needling", "injection", "regenerative_injection", "implanted_stimulator")


def apply(ctx: PatientContext, found: Findings) -> None:
    k = ctx.knowledge
    risk = suicide_risk(ctx)
    if risk:
        found.flag("suicide_risk", why=risk)
    phq9 = ctx.score("phq9")
    if ctx.has("depression") or (phq9 is not None and phq9 >= k.threshold("phq9_moderate")):
        why = f"PHQ-9 {phq9:g}" if phq9 is not None else "depression recorded"
        found.flag("depression_comorbid", why=why)
    total = ctx.score("start_back")
    psych = ctx.score("start_back_psychosocial")
    if (
        total is not None
        and psych is not None
        and total >= k.threshold("start_back_high_total")
        and psych >= k.threshold("start_back_high_psychosocial")
    ):
        found.flag("start_back_high_risk", total=total, psych=psych)
    if ctx.age is not None and ctx.age < 18:
        found.flag("adult_guidelines_only", age=ctx.age)
    if not ctx.condition.opioid_guideline_applies:
        found.flag("cancer_pain_scope")
    _procedures(ctx, found)


def _procedures(ctx: PatientContext, found: Findings) -> None:
    k = ctx.knowledge
    bleeding = []
    if ctx.has("bleeding_disorder"):
        bleeding.append("bleeding disorder")
    platelets = ctx.number("platelets")
    if platelets is not None and platelets < k.threshold("platelets_procedure_min"):
        bleeding.append(f"platelets {platelets:g} x10^9/L")
    inr = ctx.number("inr")
    if inr is not None and inr > k.threshold("inr_procedure_max"):
        bleeding.append(f"INR {inr:g}")
    anticoagulants = ctx.names_with("anticoagulant")
    if anticoagulants:
        bleeding.append(f"taking {anticoagulants}")
    for c in found.with_class(*_PROCEDURES):
        if bleeding:
            found.caution(c, "bleeding_needling", why=", ".join(bleeding))
    for c in found.with_class("implanted_stimulator"):
        antithrombotic = ctx.names_with("anticoagulant", "antiplatelet")
        if antithrombotic:
            found.caution(c, "scs_anticoagulant", names=antithrombotic)
        hba1c = ctx.number("hba1c")
        if hba1c is not None and hba1c > k.threshold("hba1c_scs_max"):
            found.caution(c, "scs_hba1c", hba1c=hba1c)
        psych = [
            name
            for pid, name in (
                ("substance_use_disorder", "substance use disorder"),
                ("opioid_use_disorder", "opioid use disorder"),
                ("suicidality", "suicidality"),
                ("depression", "depression"),
            )
            if ctx.has(pid)
        ]
        if psych:
            found.caution(c, "scs_psychological", why=", ".join(psych))
