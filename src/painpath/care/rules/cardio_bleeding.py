"""Bleeding and the heart: NSAIDs with GI bleeding history, anticoagulants, antiplatelets,
SSRIs/SNRIs, heart failure and cardiovascular disease; triptans and ergots with vascular
disease; TNF inhibitors and pregabalin in heart failure."""

from __future__ import annotations

from painpath.care.context import PatientContext
from painpath.care.findings import Findings

_HEART_FAILURE = (
    "heart_failure",
    "heart_failure_nyha_1",
    "heart_failure_nyha_2",
    "heart_failure_nyha_3",
    "heart_failure_nyha_4",
)
_VASCULAR = {
    "coronary_disease": "coronary artery disease",
    "stroke_or_tia": "stroke or TIA",
    "peripheral_vascular_disease": "peripheral arterial disease",
    "uncontrolled_hypertension": "uncontrolled hypertension",
}


def apply(ctx: PatientContext, found: Findings) -> None:
    _nsaids(ctx, found)
    vascular = [name for pid, name in _VASCULAR.items() if ctx.has(pid)]
    if vascular:
        for c in found.with_class("triptan", "ergot"):
            found.exclude(c, "vascular_triptan_ergot", why=", ".join(vascular))
    severe = [n for n in ("3", "4") if ctx.has(f"heart_failure_nyha_{n}")]
    if severe:
        for c in found.with_class("tnf_inhibitor"):
            found.exclude(c, "heart_failure_tnf", nyha=" or ".join(severe))
    if ctx.has(*_HEART_FAILURE):
        for c in found.candidates.values():
            if "pregabalin" in c.therapy.ingredients:
                found.caution(c, "heart_failure_pregabalin")


def _nsaids(ctx: PatientContext, found: Findings) -> None:
    nsaids = found.with_class("nsaid_oral")
    if not nsaids:
        return
    anticoagulants = ctx.names_with("anticoagulant")
    antiplatelets = ctx.names_with("antiplatelet")
    serotonergic = ctx.names_with("ssri", "snri")
    cardiac = [
        name
        for pid, name in _VASCULAR.items()
        if ctx.has(pid) and pid != "peripheral_vascular_disease"
    ]
    for c in nsaids:
        if ctx.has("gi_bleeding_history"):
            found.exclude(c, "gi_bleed_nsaid")
        if anticoagulants:
            found.exclude(c, "anticoagulant_nsaid", names=anticoagulants)
        if antiplatelets:
            found.caution(c, "antiplatelet_nsaid", names=antiplatelets)
        if serotonergic:
            found.caution(c, "serotonergic_bleeding_nsaid", names=serotonergic)
        if ctx.has(*_HEART_FAILURE):
            found.exclude(c, "heart_failure_nsaid")
        elif cardiac:
            found.caution(c, "cardiovascular_nsaid", why=", ".join(cardiac))
