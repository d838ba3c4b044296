"""Pregnancy, planning a pregnancy, breastfeeding and child-bearing potential: valproate,
topiramate, CGRP antibodies (washout), NSAIDs from 20 weeks, methotrexate."""

from __future__ import annotations

from painpath.care.context import PatientContext
from painpath.care.findings import Findings


def _why(ctx: PatientContext, *, breastfeeding: bool = False) -> str | None:
    r = ctx.request
    if r.pregnant:
        return "pregnant"
    if r.planning_pregnancy:
        return "planning a pregnancy"
    if breastfeeding and r.breastfeeding:
        return "breastfeeding"
    return None


def _childbearing(ctx: PatientContext) -> bool:
    r = ctx.request
    k = ctx.knowledge
    return (
        r.sex == "female"
        and r.age is not None
        and k.threshold("childbearing_age_min") <= r.age <= k.threshold("childbearing_age_max")
    )


def apply(ctx: PatientContext, found: Findings) -> None:
    why = _why(ctx)
    for c in found.with_class("valproate"):
        if why:
            found.exclude(c, "pregnancy_valproate", why=why)
        elif _childbearing(ctx):
            found.caution(c, "childbearing_valproate")
    for c in found.with_class("topiramate"):
        if why:
            found.exclude(c, "pregnancy_topiramate", why=why)
        elif _childbearing(ctx):
            found.caution(c, "childbearing_topiramate")
    why_or_feeding = _why(ctx, breastfeeding=True)
    for c in found.with_class("cgrp_mab"):
        if ctx.request.pregnant or ctx.request.breastfeeding:
            found.exclude(c, "pregnancy_cgrp", why=why_or_feeding)
        elif ctx.request.planning_pregnancy:
            found.caution(c, "planning_pregnancy_cgrp")
    if ctx.request.pregnant:
        for c in found.with_class("nsaid_oral"):
            found.exclude(c, "pregnancy_nsaid")
    if why:
        for c in found.candidates.values():
            if "methotrexate" in c.therapy.ingredients:
                found.exclude(c, "pregnancy_methotrexate", why=why)
