"""The CDC 2022 opioid recommendations as rules over one patient's facts, medications and MME.

Follows the HL7 opioid CDS IG (cqframework/opioid-cds-r4, v2022.1.0) with its known defects
fixed (docs/opioids.md): the naloxone rule checks risk factors and naloxone on file; CNS
depressants and benzodiazepines are treated alike; ER/LA in opioid-naive patients fires for any
pain duration; unknown facts (None) never fire a rule; rec 7 has its own regular-use test.
`today` is always passed in.
"""

from __future__ import annotations

from datetime import date

from painpath.opioids.alerts import Alert, by_severity, make_alert
from painpath.opioids.context import Rule, RuleContext, exclusion_reasons, indexes_of, names_of
from painpath.opioids.inputs import AssessmentInput, DrugClass, Route
from painpath.opioids.knowledge import rule_knowledge
from painpath.opioids.mme import MmeStatus, MmeSummary, display
from painpath.opioids.moud import moud_decisions
from painpath.opioids.udt import unexpected_udt_findings


def nonopioid_first_acute(ctx: RuleContext) -> list[Alert]:
    acute = [(i, m) for i, m in ctx.opioids if ctx.is_acute(m)]
    if ctx.data.patient.opioid_naive is not True or not acute:
        return []
    return [make_alert("NONOPIOID_FIRST_ACUTE", medication_indexes=indexes_of(acute))]


def nonopioid_maximize_chronic(ctx: RuleContext) -> list[Alert]:
    """Rec 2: an opioid-naive patient's subacute/chronic-pain opioid, with no pain-treatment
    plan and no pain-management procedure by the ordering clinician within the lookback."""
    patient = ctx.data.patient
    chronic = [(i, m) for i, m in ctx.opioids if ctx.is_subacute_or_chronic(m)]
    if patient.opioid_naive is not True or not chronic:
        return []
    lookback = ctx.knowledge.thresholds.nonopioid_plan_lookback_days
    plan = patient.last_pain_treatment_plan_date
    procedure = patient.last_pain_management_procedure_date
    if ctx.within(plan, lookback) or ctx.within(procedure, lookback):
        return []
    facts = {
        "last_pain_treatment_plan_date": plan.isoformat() if plan else None,
        "last_pain_management_procedure_date": procedure.isoformat() if procedure else None,
        "lookback_days": lookback,
    }
    return [
        make_alert(
            "NONOPIOID_MAXIMIZE_CHRONIC", facts=facts, medication_indexes=indexes_of(chronic)
        )
    ]


def er_la_in_opioid_naive(ctx: RuleContext) -> list[Alert]:
    er_la = [
        (i, m)
        for i, m in ctx.opioids
        if m.extended_release
        or m.effective_route is Route.transdermal
        or m.ingredient_key == "methadone"
    ]
    if ctx.data.patient.opioid_naive is not True or not er_la:
        return []
    return [make_alert("ER_LA_IN_OPIOID_NAIVE", medication_indexes=indexes_of(er_la))]


def mme_thresholds(ctx: RuleContext) -> list[Alert]:
    total = ctx.mme.total
    limits = ctx.knowledge.thresholds
    if total is None or total < limits.mme_warning:
        return []
    code, threshold = (
        ("MME_GE_90", limits.mme_high)
        if total >= limits.mme_high
        else ("MME_GE_50", limits.mme_warning)
    )
    facts = {
        "total_mme_per_day": display(total),
        "total_is_complete": ctx.mme.is_complete,
        "threshold": float(threshold),
        "factor_table": ctx.mme.table.name.value,
    }
    shown = f"{display(total, 1):g}" + ("" if ctx.mme.is_complete else "+")
    counted = tuple(m.index for m in ctx.mme.counted)
    return [make_alert(code, facts=facts, medication_indexes=counted, total=shown)]


def naloxone_offer(ctx: RuleContext) -> list[Alert]:
    patient = ctx.data.patient
    if not ctx.opioids or patient.active_naloxone_rescue_rx:
        return []
    if ctx.with_ingredient(ctx.knowledge.naloxone_ingredients):
        return []
    total = ctx.mme.total
    triggers = [
        (total is not None and total >= ctx.knowledge.thresholds.mme_warning, "MME ≥ 50"),
        (bool(ctx.of_class(DrugClass.benzodiazepine)), "benzodiazepine"),
        (patient.oud_or_sud_history or patient.opioid_use_disorder, "substance use disorder"),
        (patient.overdose_history, "overdose history"),
    ]
    fired = [text for applies, text in triggers if applies]
    if not fired:
        return []
    return [
        make_alert(
            "NALOXONE_OFFER",
            facts={"triggers": fired},
            medication_indexes=indexes_of(ctx.opioids),
            triggers=", ".join(fired),
        )
    ]


def benzo_coprescribe(ctx: RuleContext) -> list[Alert]:
    benzos = ctx.of_class(DrugClass.benzodiazepine)
    if not ctx.opioids or not benzos:
        return []
    return [
        make_alert(
            "BENZO_COPRESCRIBE",
            facts={"benzodiazepines": [m.ingredient_key for _, m in benzos]},
            medication_indexes=indexes_of(ctx.opioids, benzos),
            drugs=names_of(benzos),
        )
    ]


def cns_depressant_coprescribe(ctx: RuleContext) -> list[Alert]:
    depressants = ctx.of_class(*ctx.knowledge.cns_depressant_classes)
    if not ctx.opioids or not depressants:
        return []
    return [
        make_alert(
            "CNS_DEPRESSANT_COPRESCRIBE",
            facts={
                "cns_depressants": {m.ingredient_key: m.drug_class.value for _, m in depressants}
            },
            medication_indexes=indexes_of(ctx.opioids, depressants),
            drugs=names_of(depressants),
        )
    ]


def acute_supply(ctx: RuleContext) -> list[Alert]:
    limit = ctx.knowledge.thresholds.acute_supply_max_days
    long = [
        (i, m)
        for i, m in ctx.opioids
        if ctx.is_acute(m) and m.days_supply is not None and m.days_supply > limit
    ]
    if not long:
        return []
    days = max(m.days_supply or 0 for _, m in long)
    return [
        make_alert(
            "ACUTE_SUPPLY_GT_7D",
            facts={"days_supply": days, "limit_days": limit},
            medication_indexes=indexes_of(long),
            days=f"{days:g}",
        )
    ]


def udt_due(ctx: RuleContext) -> list[Alert]:
    lookback = ctx.knowledge.thresholds.udt_lookback_days
    tested = [ctx.data.patient.last_udt_date, *(r.date for r in ctx.data.udt_results)]
    if not ctx.long_term_therapy or any(ctx.within(day, lookback) for day in tested):
        return []
    last = max((day for day in tested if day is not None), default=None)
    facts = {"last_udt_date": last.isoformat() if last else None, "lookback_days": lookback}
    return [make_alert("UDT_DUE", facts=facts, medication_indexes=indexes_of(ctx.opioids))]


def udt_unexpected(ctx: RuleContext) -> list[Alert]:
    if not ctx.opioids:
        return []
    findings = unexpected_udt_findings(ctx.data, ctx.today, ctx.knowledge)
    if not findings:
        return []
    text = "; ".join(f"{f['result']} {f['substance']}" for f in findings)
    return [make_alert("UDT_UNEXPECTED", facts={"findings": findings}, findings=text)]


def pdmp_review_due(ctx: RuleContext) -> list[Alert]:
    lookback = ctx.knowledge.thresholds.pdmp_lookback_days
    last = ctx.data.patient.last_pdmp_review_date
    if not ctx.opioids or ctx.within(last, lookback):
        return []
    facts = {"last_pdmp_review_date": last.isoformat() if last else None, "lookback_days": lookback}
    return [make_alert("PDMP_REVIEW_DUE", facts=facts, medication_indexes=indexes_of(ctx.opioids))]


def _regular_opioid_use(ctx: RuleContext) -> tuple[bool, str]:
    """Rec 7's test and which part of it was used: opioids on ≥ 7 of the last 10 days with an
    office visit in the last 12 months, or on ≥ 21 of 30 days in each of the last 3 months.
    With neither day count known it falls back to long-term therapy."""
    patient = ctx.data.patient
    limits = ctx.knowledge.thresholds
    recent, months = patient.opioid_days_last_10_days, patient.opioid_days_last_3_months
    if recent is None and months is None:
        return ctx.long_term_therapy, "long-term opioid therapy"
    if (
        recent is not None
        and recent >= limits.benefit_risk_recent_days_min
        and patient.office_visit_last_12_months is True
    ):
        return (
            True,
            f"opioids on {recent} of the last {limits.benefit_risk_recent_days_window} days",
        )
    if months is not None and all(days >= limits.benefit_risk_monthly_days_min for days in months):
        least = limits.benefit_risk_monthly_days_min
        return True, f"opioids on at least {least} of 30 days in each of the last 3 months"
    return False, ""


def benefit_risk_review_due(ctx: RuleContext) -> list[Alert]:
    """Rec 7: an opioid not known to be for acute pain, regular opioid use (its own test, not
    rec 10's long-term therapy) and no benefit-risk review within the lookback."""
    lookback = ctx.knowledge.thresholds.benefit_risk_lookback_days
    last = ctx.data.patient.last_benefit_risk_review_date
    chronic = [(i, m) for i, m in ctx.opioids if not ctx.is_acute(m)]
    regular, because = _regular_opioid_use(ctx)
    if not chronic or not regular or ctx.within(last, lookback):
        return []
    facts = {
        "last_review_date": last.isoformat() if last else None,
        "lookback_days": lookback,
        "opioid_use": because,
    }
    return [
        make_alert("BENEFIT_RISK_REVIEW_DUE", facts=facts, medication_indexes=indexes_of(chronic))
    ]


def oud_offer_moud(ctx: RuleContext) -> list[Alert]:
    """Rec 12: opioid use disorder (recorded recently, when the date is known) and no MOUD on
    the list or prescribed within the lookback. Buprenorphine, methadone and naltrexone count by
    formulation, dose and indication (painpath.opioids.moud): a pain patch does not."""
    patient = ctx.data.patient
    limits = ctx.knowledge.thresholds
    if not patient.opioid_use_disorder:
        return []
    recorded = patient.opioid_use_disorder_recorded_date
    if recorded is not None and not ctx.within(recorded, limits.oud_recorded_lookback_days):
        return []
    decisions = moud_decisions(ctx.data.medications)
    if any(decision.counts for decision in decisions):
        return []
    if ctx.within(patient.last_moud_rx_date, limits.moud_rx_lookback_days):
        return []
    facts = {
        "opioid_use_disorder_recorded_date": recorded.isoformat() if recorded else None,
        "last_moud_rx_date": (
            patient.last_moud_rx_date.isoformat() if patient.last_moud_rx_date else None
        ),
        "not_counted_as_moud": [decision.as_json() for decision in decisions],
    }
    # a patient-level alert (no medication_indexes): it is about the disorder, not an order
    return [make_alert("OUD_OFFER_MOUD", facts=facts)]


def mme_cautions(ctx: RuleContext) -> list[Alert]:
    alerts = []
    methadone = [(i, m) for i, m in ctx.opioids if m.ingredient_key == "methadone"]
    if methadone:
        alerts.append(make_alert("METHADONE_CAUTION", medication_indexes=indexes_of(methadone)))
    patches = [
        (i, m)
        for i, m in ctx.opioids
        if m.ingredient_key == "fentanyl" and m.effective_route is Route.transdermal
    ]
    if patches:
        alerts.append(make_alert("FENTANYL_PATCH_CAUTION", medication_indexes=indexes_of(patches)))
    return alerts


def mme_gaps(ctx: RuleContext) -> list[Alert]:
    alerts = []
    lines = ctx.mme.per_medication
    for code, wanted in (
        ("BUPRENORPHINE_NOT_IN_MME", MmeStatus.excluded),
        ("NO_CONVERSION_FACTOR", MmeStatus.no_conversion_factor),
        ("MME_NOT_COMPUTABLE", MmeStatus.dose_not_computable),
    ):
        hit = [m for m in lines if m.status is wanted]
        if hit:
            facts = {"medications": [{"ingredient": m.ingredient, "reason": m.reason} for m in hit]}
            drugs = ", ".join(dict.fromkeys(m.ingredient for m in hit))
            indexes = tuple(m.index for m in hit)
            alerts.append(make_alert(code, facts=facts, medication_indexes=indexes, drugs=drugs))
    return alerts


RULES: tuple[Rule, ...] = (
    mme_thresholds,
    naloxone_offer,
    benzo_coprescribe,
    cns_depressant_coprescribe,
    er_la_in_opioid_naive,
    nonopioid_first_acute,
    nonopioid_maximize_chronic,
    acute_supply,
    oud_offer_moud,
    udt_unexpected,
    udt_due,
    pdmp_review_due,
    benefit_risk_review_due,
    mme_cautions,
    mme_gaps,
)


def evaluate_rules(data: AssessmentInput, mme: MmeSummary, today: date) -> tuple[Alert, ...]:
    """Every alert for this patient, most severe first; recommendation alerts are dropped (and
    EXCLUDED_FROM_GUIDELINE added) when the patient is outside the guideline's scope."""
    knowledge = rule_knowledge()
    ctx = RuleContext(data, mme, today, knowledge)
    alerts = [alert for rule in RULES for alert in rule(ctx)]
    reasons = exclusion_reasons(data, knowledge)
    if reasons:
        alerts = [alert for alert in alerts if alert.kind != "recommendation"]
        alerts.insert(
            0,
            make_alert(
                "EXCLUDED_FROM_GUIDELINE",
                facts={"reasons": list(reasons)},
                reasons=", ".join(reasons),
            ),
        )
    return by_severity(alerts)
