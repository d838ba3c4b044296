"""Disease activity before escalating inflammatory arthritis: ASDAS-CRP for axial
spondyloarthritis (ASAS-EULAR 2022), DAS28-CRP and CDAI for rheumatoid arthritis (ACR 2021
treat-to-target). A score at target adds a caution to biologic and JAK inhibitor options."""

from __future__ import annotations

from painpath.care.context import PatientContext
from painpath.care.findings import Findings


def apply(ctx: PatientContext, found: Findings) -> None:
    biologics = found.with_class("immunosuppressant_biologic")
    if not biologics:
        return
    k = ctx.knowledge
    condition = ctx.condition.id
    if condition == "axial_spondyloarthritis":
        asdas = ctx.number("asdas_crp")
        if asdas is not None and asdas < k.threshold("asdas_high_activity"):
            for c in biologics:
                found.caution(c, "activity_asdas", value=asdas)
    if condition == "rheumatoid_arthritis":
        at_target = []
        das28 = ctx.number("das28_crp")
        if das28 is not None and das28 <= k.threshold("das28_crp_low_activity"):
            at_target.append(f"DAS28-CRP {das28:g}")
        cdai = ctx.number("cdai")
        if cdai is not None and cdai <= k.threshold("cdai_low_activity"):
            at_target.append(f"CDAI {cdai:g}")
        if at_target:
            for c in biologics:
                found.caution(c, "activity_ra_at_target", what=", ".join(at_target))
