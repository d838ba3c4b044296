"""One hook call, from verified request to cards: map FHIR to the opioid engine's input, assess,
add pharmacogenomic advice for the drugs being ordered, drop snoozed alerts, remember the cards
so feedback can find them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from painpath.cds.cards import alert_card, make_card
from painpath.cds.client_auth import CdsClient
from painpath.cds.pgx_cards import find_patient_with_genotypes, pgx_cards, phenotype_lines
from painpath.cds.prefetch import Prefetched
from painpath.cds.replay import record_once, spend_first
from painpath.cds.requests import HookRequest
from painpath.cds.services import CdsService
from painpath.cds.snoozes import CardSubject, remember_cards, snoozed_codes
from painpath.config import CdsIssuer
from painpath.db.engine import begin_write
from painpath.fhir import OpioidInputs, assessment_input_from_fhir
from painpath.opioids import Alert, Assessment, assess
from painpath.opioids.mme import display
from painpath.pgx.genes import Gene
from painpath.pgx.phenoconversion import GeneResult

SUMMARY_CODE = "PAIN_SUMMARY"
PAINPATH_SOURCE = {"label": "painpath pain management summary (CDC 2022, CPIC)"}


@dataclass(frozen=True, slots=True)
class HookCall:
    service: CdsService
    request: HookRequest
    client: CdsClient
    issuer: CdsIssuer
    prefetched: Prefetched
    now: datetime
    public_base_url: str | None


def _links(call: HookCall, patient_id: int | None) -> list[dict[str, str]]:
    if patient_id is None or not call.public_base_url:
        return []
    url = f"{call.public_base_url.rstrip('/')}/patients/{patient_id}"
    return [{"label": "Open in painpath", "url": url, "type": "absolute"}]


def _relevant(alert: Alert, drafts: set[int], hook: str, opioid_drafted: bool) -> bool:
    """Alerts about the draft orders; patient-level alerts too on order-sign, and on
    order-select when an opioid is being selected (e.g. an unexpected urine drug test)."""
    if drafts & set(alert.medication_indexes):
        return True
    if alert.medication_indexes:
        return False
    return hook == "order-sign" or (hook == "order-select" and opioid_drafted)


def _summary_card(
    assessment: Assessment,
    medications: list[str],
    results: dict[Gene | str, GeneResult],
    notes: tuple[str, ...],
    links: list[dict[str, str]],
) -> dict[str, Any]:
    total = display(assessment.mme.total)
    mme = "MME/day cannot be computed" if total is None else f"{total:g} MME/day"
    if total is not None and not assessment.mme.is_complete:
        mme = f"at least {mme}"
    lines = [f"**Total:** {mme} (CDC 2022 factors)."]
    lines.append("**Opioids and benzodiazepines:** " + (", ".join(medications) or "none") + ".")
    if assessment.exclusion_reasons:
        lines.append(
            "**Outside the CDC 2022 guideline:** " + "; ".join(assessment.exclusion_reasons)
        )
    if results:
        lines.append("**Pharmacogenomics:** " + "; ".join(phenotype_lines(results)) + ".")
    if assessment.alerts:
        lines.append("**Advice:** " + " ".join(f"{a.summary}." for a in assessment.alerts))
    if notes:
        lines.append("**Not mapped:** " + " ".join(notes))
    summary = f"Pain management: {mme}; {len(medications)} opioid/benzodiazepine medicines"
    if assessment.exclusion_reasons:
        summary += "; outside CDC 2022 scope"
    indicator = "warning" if any(a.severity != "info" for a in assessment.alerts) else "info"
    return make_card(
        summary=summary,
        indicator=indicator,
        detail="\n\n".join(lines),
        source=PAINPATH_SOURCE,
        links=links,
    )


@dataclass(frozen=True, slots=True)
class Assessed:
    """A call's FHIR mapped to the opioid engine and assessed: work that needs no database,
    done before the call's transaction opens (so no lock is held while it runs)."""

    drafts: list[dict[str, Any]]
    inputs: OpioidInputs
    assessment: Assessment


def assess_call(call: HookCall) -> Assessed:
    request, prefetched = call.request, call.prefetched
    drafts = request.draft_order_resources() if call.service.orders else []
    inputs = assessment_input_from_fhir(
        patient=prefetched.patient,
        resources=prefetched.resources,
        draft_orders=drafts,
        today=call.now.date(),
    )
    return Assessed(drafts, inputs, assess(inputs.data, today=call.now.date()))


def run_hook(
    session: Session,
    call: HookCall,
    assessed: Assessed,
    *,
    spend_jti: bool = True,
    housekeeping: Callable[[Session], None] | None = None,
) -> list[dict[str, Any]]:
    """The cards for one hook call (already filtered by snoozes and remembered), with the
    client's jti spent in the same transaction.

    First the jti (a replay is refused here, before any patient data is read: on PostgreSQL
    spent by one insert, on SQLite checked by a read), then reads and computation holding no
    lock: the patient with their genotypes, the snoozes, the cards. Then one short write:
    BEGIN IMMEDIATE on SQLite and the jti insert (its unique key refuses a replay that raced
    past the check), `housekeeping` when given, one insert of the issued cards, and the audit
    rows at commit. So the two server processes queue on SQLite's write lock only for the
    writes, not the whole call."""
    spent = spend_first(session, call.client) if spend_jti else True
    subject, kept = _cards(session, call, assessed)
    begin_write(session)
    if not spent:
        record_once(session, call.client)
    if housekeeping is not None:
        housekeeping(session)
    remember_cards(
        session,
        service_id=call.service.id,
        subject=subject,
        cards=[(card["uuid"], code) for code, card in kept],
        now=call.now,
    )
    return [card for _, card in kept]


def _cards(
    session: Session, call: HookCall, assessed: Assessed
) -> tuple[CardSubject, list[tuple[str, dict[str, Any]]]]:
    """The call's (alert code, card) pairs that no snooze hides, and whom they are about: reads
    only (the patient with genotypes, audited; the snoozes)."""
    request, prefetched = call.request, call.prefetched
    drafts, inputs, assessment = assessed.drafts, assessed.inputs, assessed.assessment
    patient_id, results = find_patient_with_genotypes(
        session,
        prefetched.patient,
        issuer=call.client.issuer,
        identifier_system=call.issuer.patient_identifier_system,
    )
    subject = CardSubject(call.client.issuer, request.context.patient_id, patient_id)
    links = _links(call, subject.patient_id)
    patient_ref = f"Patient/{request.context.patient_id}"
    medications = inputs.data.medications
    coded: list[tuple[str, dict[str, Any]]] = []
    if call.service.hook == "patient-view":
        names = [
            m.name or m.ingredient
            for m in medications
            if m.drug_class.value in ("opioid", "benzodiazepine")
        ]
        card = _summary_card(assessment, names, results, inputs.notes, links)
        coded.append((SUMMARY_CODE, card))
    else:
        draft_indexes = set(inputs.draft_indexes)
        opioid_drafted = any(medications[i].drug_class.value == "opioid" for i in draft_indexes)
        for alert in assessment.alerts:
            if _relevant(alert, draft_indexes, call.service.hook, opioid_drafted):
                coded.append((alert.code, alert_card(alert, patient_ref=patient_ref, links=links)))
        for index in inputs.draft_indexes:
            drug = medications[index].ingredient
            others = [m.ingredient for i, m in enumerate(medications) if i != index]
            draft_id = medications[index].id
            draft = next((d for d in drafts if str(d.get("id")) == draft_id), {})
            for card in pgx_cards(
                drug=drug,
                results=results,
                other_medications=others,
                draft=draft,
                patient_ref=patient_ref,
                links=links,
            ):
                coded.append((f"PGX_{drug.upper()}", card))
    snoozed = snoozed_codes(session, subject=subject, now=call.now)
    return subject, [(code, card) for code, card in coded if code not in snoozed]
