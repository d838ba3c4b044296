"""FHIR R4 (CDS Hooks prefetch + draft orders) → the opioid engine's `AssessmentInput`.

Pure: dicts in, a typed value out, `today` passed in. The medication list is the active
outpatient medications in `resources` followed by the draft orders (`draft_indexes` says where
they are); inpatient orders are left out because the CDC 2022 rules are for outpatient care.
Anything that cannot be mapped is said in `notes` and never turned into a silent number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from painpath.fhir.facts import age_on, clinical_facts, pain_care_facts
from painpath.fhir.history import (
    last_request,
    long_term_opioid_use,
    opioid_days_last_3_months,
    opioid_days_last_10,
    opioid_intervals,
    opioid_naive,
)
from painpath.fhir.medications import (
    MEDICATION_TYPES,
    MappedMedication,
    map_medication,
)
from painpath.fhir.resources import Resource, flatten, reference_id
from painpath.fhir.valuesets import value_set
from painpath.opioids import AssessmentInput, Medication, Patient
from painpath.opioids.moud import counts_as_moud

ACTIVE_RX_WINDOW = timedelta(days=730)  # "active ambulatory" Rx: authored in the last 2 years
NALOXONE = frozenset({"naloxone", "nalmefene"})


@dataclass(frozen=True)
class OpioidInputs:
    """The engine input, where the draft orders sit in it, and what could not be mapped."""

    data: AssessmentInput
    draft_indexes: tuple[int, ...]  # positions of the draft orders in data.medications
    notes: tuple[str, ...]  # what could not be mapped and why


def _is_current(mapped: MappedMedication, today: date) -> bool:
    """Whether a chart medication is active outpatient therapy on `today`."""
    if mapped.inpatient:
        return False
    if mapped.resource_type == "MedicationRequest":
        recent = mapped.started is None or mapped.started >= today - ACTIVE_RX_WINDOW
        return mapped.status in (None, "active") and recent
    if mapped.resource_type == "MedicationStatement":
        return mapped.status in (None, "active", "intended")
    if mapped.started is None or mapped.status not in (None, "completed"):
        return False
    supply = timedelta(days=int(mapped.days_supply or 0))
    return mapped.started <= today <= mapped.started + supply


def _age(patient: Mapping[str, Any] | None, today: date, notes: list[str]) -> int | None:
    age = age_on(patient.get("birthDate"), today) if patient is not None else None
    if age is None:
        notes.append(
            "Patient: no usable birthDate; age unknown, so the under-18 exclusion was not "
            "checked (the rules still run)"
        )
    return age


def _ordering_clinicians(drafts: list[Resource]) -> frozenset[str]:
    """Ids of the draft orders' recorder and requester (rec 2's "same author")."""
    return frozenset(
        ref
        for draft in drafts
        for ref in (reference_id(draft.get("recorder")), reference_id(draft.get("requester")))
        if ref
    )


def assessment_input_from_fhir(
    *,
    patient: Mapping[str, Any] | None,
    resources: Iterable[Mapping[str, Any]],
    draft_orders: Iterable[Mapping[str, Any]],
    today: date,
) -> OpioidInputs:
    """Map a patient's FHIR resources and draft orders to the opioid engine's input as of
    `today`. `resources` and `draft_orders` may hold bare resources, Bundles, bare Bundle
    entries or None (see painpath.fhir.resources.flatten)."""
    chart = list(flatten(resources))
    drafts = [r for r in flatten(draft_orders) if r.get("resourceType") in MEDICATION_TYPES]
    if patient is None:
        patient = next((r for r in chart if r.get("resourceType") == "Patient"), None)
    notes: list[str] = []
    referenced = {
        str(r["id"]): r for r in chart if r.get("resourceType") == "Medication" and r.get("id")
    }
    oud_conditions = _oud_condition_ids(chart)
    history = [
        (r, map_medication(r, referenced, oud_conditions))
        for r in chart
        if r.get("resourceType") in MEDICATION_TYPES
    ]
    medications: list[Medication] = []
    current_requests: set[str] = set()
    for resource, mapped in history:
        if _is_current(mapped, today) and not _is_dispense_of(resource, current_requests):
            medications.append(mapped.medication)
            notes.extend(mapped.notes)
            if mapped.resource_type == "MedicationRequest" and resource.get("id"):
                current_requests.add(str(resource["id"]))
    draft_indexes: list[int] = []
    for resource in drafts:
        mapped = map_medication(resource, referenced, oud_conditions)
        notes.extend(mapped.notes)
        if mapped.inpatient:
            notes.append(
                f"{resource.get('resourceType')}/{resource.get('id', '?')}: inpatient order; the "
                "CDC 2022 outpatient recommendations do not apply, so it is not assessed"
            )
            continue
        draft_indexes.append(len(medications))
        medications.append(mapped.medication)
    mapped_history = [m for _, m in history]
    facts = clinical_facts(chart, today)
    intervals = opioid_intervals(mapped_history)
    long_term = long_term_opioid_use(
        intervals, today, office_visit_in_year=facts.office_visit_in_year
    )
    clinicians = _ordering_clinicians(drafts)
    pain_care = pain_care_facts(chart, today, clinicians)
    if drafts and not clinicians and (pain_care.last_plan_date or pain_care.last_procedure_date):
        notes.append(
            "draft orders name no recorder or requester: pain-treatment plans and pain-management "
            "procedures by any clinician count for Recommendation 2"
        )
    # MOUD by formulation, dose and indication: a buprenorphine pain patch or buccal pain film
    # is in the IG's buprenorphine-and-methadone value set but is not treatment for OUD
    moud_history = [mapped for _, mapped in history if counts_as_moud(mapped.medication)]
    if facts.opioid_use_disorder and facts.opioid_use_disorder_recorded_date is None:
        notes.append(
            "Condition: opioid use disorder with no recordedDate or onset; Recommendation 12 "
            "is not limited to a recent diagnosis"
        )
    patient_model = Patient(
        age=_age(patient, today, notes),
        sex=_sex(patient),
        opioid_naive=opioid_naive(mapped_history, today),
        active_cancer_treatment=facts.active_cancer,
        palliative_or_hospice=facts.end_of_life,
        sickle_cell=facts.sickle_cell,
        oud_or_sud_history=facts.substance_misuse_history,
        opioid_use_disorder=facts.opioid_use_disorder,
        active_naloxone_rescue_rx=any(m.ingredient_key in NALOXONE for m in medications),
        long_term_opioid_therapy=True if long_term else None,
        last_udt_date=facts.last_udt_date,
        last_pdmp_review_date=facts.last_pdmp_review_date,
        last_benefit_risk_review_date=facts.last_benefit_risk_review_date,
        opioid_days_last_10_days=opioid_days_last_10(intervals, today),
        opioid_days_last_3_months=opioid_days_last_3_months(intervals, today),
        office_visit_last_12_months=facts.office_visit_in_year,
        last_pain_treatment_plan_date=pain_care.last_plan_date,
        last_pain_management_procedure_date=pain_care.last_procedure_date,
        opioid_use_disorder_recorded_date=facts.opioid_use_disorder_recorded_date,
        last_moud_rx_date=last_request(moud_history, today),
    )
    data = AssessmentInput(
        patient=patient_model, medications=tuple(medications), udt_results=facts.udt_results
    )
    return OpioidInputs(
        data=data, draft_indexes=tuple(draft_indexes), notes=tuple(dict.fromkeys(notes))
    )


def _oud_condition_ids(chart: list[Resource]) -> frozenset[str]:
    """Ids of Conditions coded in the IG's opioid misuse disorders value set."""
    oud = value_set("opioid_misuse_disorders")
    return frozenset(
        str(r["id"])
        for r in chart
        if r.get("resourceType") == "Condition" and r.get("id") and oud.matches(r.get("code"))
    )


def _is_dispense_of(resource: Resource, requests: set[str]) -> bool:
    """A dispense of a request already on the list (not counted twice)."""
    if resource.get("resourceType") != "MedicationDispense":
        return False
    prescriptions = resource.get("authorizingPrescription")
    refs = prescriptions if isinstance(prescriptions, list) else []
    return any(reference_id(ref) in requests for ref in refs)


def _sex(patient: Mapping[str, Any] | None) -> Any:
    gender = patient.get("gender") if patient is not None else None
    return gender if gender in ("female", "male") else None
