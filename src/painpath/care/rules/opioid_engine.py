"""Current opioids through painpath.opioids: MME and the CDC 2022 alerts about what the patient
already takes (dose thresholds, naloxone, benzodiazepines and other CNS depressants, methadone,
fentanyl patches, MOUD), as flags named `opioid_<alert code>`.

Monitoring-date reminders (urine drug tests, PDMP and benefit-risk reviews) need dates this
request does not carry: `painpath opioids assess` gives them. Cancer-related pain runs the
engine with active cancer treatment, so its CDC 2022 recommendations are suppressed while the
combination checks stay."""

from __future__ import annotations

from painpath.care.context import PatientContext
from painpath.care.findings import Findings
from painpath.opioids import AssessmentInput, Patient, assess
from painpath.opioids.mme import display

#: alerts about the medicines themselves; the rest need dates the request does not carry
REPORTED = frozenset(
    {
        "EXCLUDED_FROM_GUIDELINE",
        "MME_GE_50",
        "MME_GE_90",
        "NALOXONE_OFFER",
        "BENZO_COPRESCRIBE",
        "CNS_DEPRESSANT_COPRESCRIBE",
        "ER_LA_IN_OPIOID_NAIVE",
        "OUD_OFFER_MOUD",
        "METHADONE_CAUTION",
        "FENTANYL_PATCH_CAUTION",
        "BUPRENORPHINE_NOT_IN_MME",
        "NO_CONVERSION_FACTOR",
        "MME_NOT_COMPUTABLE",
    }
)


def apply(ctx: PatientContext, found: Findings) -> None:
    if not ctx.meds_with("opioid"):
        return
    cancer = not ctx.condition.opioid_guideline_applies
    patient = Patient(
        age=ctx.age,
        sex=ctx.request.sex,
        active_cancer_treatment=cancer,
        opioid_use_disorder=ctx.has("opioid_use_disorder"),
        oud_or_sud_history=ctx.has("opioid_use_disorder", "substance_use_disorder"),
        long_term_opioid_therapy=True,
    )
    data = AssessmentInput(patient=patient, medications=tuple(m.medication for m in ctx.meds))
    result = assess(data, today=ctx.today)
    for alert in result.alerts:
        if alert.code not in REPORTED:
            continue
        found.raw_flag(
            f"opioid_{alert.code.lower()}",
            alert.severity,
            alert.summary,
            f"{alert.source.guideline}, {alert.source.recommendation}",
        )
    total = display(result.mme.total)
    if total is not None:
        found.notes.append(
            f"Current opioids: {total:g} MME/day"
            + ("" if result.mme.is_complete else " (lower bound: some doses could not be counted)")
            + " (CDC 2022 conversion factors, painpath.opioids)."
        )
