"""Patient facts from Conditions, Encounters, Procedures and Observations, as of `today`, read
with the CDC Opioid CDS value sets (CDC 2022 IG common routines; see docs/opioids.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from painpath.fhir.resources import (
    Resource,
    first_date,
    has_code,
    items,
    parse_date,
    reference_id,
    status_is,
)
from painpath.fhir.valuesets import (
    ValueSet,
    is_uds_test,
    uds_substance,
    value_set,
    value_set_keys,
)
from painpath.opioids import UdtResult

YEAR = timedelta(days=365)
_FINAL = ("final", "amended", "corrected")
# opioid-cds-r4 vocabulary/valueset/pain-treatment-plan.json: LOINC 80764-4 and its children
# (the expansion holds only 80764-4, "Pain medicine Plan of care note"); read on CarePlan.category.
PAIN_TREATMENT_PLAN = ValueSet(
    key="pain_treatment_plan",
    url="http://fhir.org/guides/cdc/opioid-cds/ValueSet/pain-treatment-plan",
    version=None,
    pairs=frozenset({("http://loinc.org", "80764-4")}),
    bare_codes=frozenset({"80764-4"}),
)


@dataclass(frozen=True, slots=True)
class ClinicalFacts:
    """What the clinical record says, before it becomes an engine `Patient`."""

    sickle_cell: bool
    active_cancer: bool
    end_of_life: bool
    opioid_use_disorder: bool
    opioid_use_disorder_recorded_date: date | None  # latest recordedDate (else onset) of OUD
    substance_misuse_history: bool
    office_visit_in_year: bool
    last_udt_date: date | None
    udt_results: tuple[UdtResult, ...]
    last_pdmp_review_date: date | None
    last_benefit_risk_review_date: date | None


def _of(resources: Sequence[Resource], kind: str) -> list[Resource]:
    return [r for r in resources if r.get("resourceType") == kind]


def _active(condition: Resource) -> bool:
    status = condition.get("clinicalStatus")
    if status is None:
        return True
    return any(has_code(status, code) for code in ("active", "recurrence", "relapse"))


def _category(condition: Resource, code: str) -> bool:
    return has_code(condition.get("category"), code)


def _in_window(day: date | None, today: date, window: timedelta) -> bool:
    return day is not None and today - window <= day <= today


def _latest(days: list[date | None], today: date) -> date | None:
    return max((d for d in days if d is not None and d <= today), default=None)


#: The packaged value sets each resource's `code` is in, by the resource's id() (one pass over a
#: concept's codings for every set, instead of one pass per set asked about).
CodeKeys = Mapping[int, frozenset[str]]


def _code_keys(resources: Sequence[Resource]) -> CodeKeys:
    return {id(r): value_set_keys(r.get("code")) for r in resources}


def _cancer(
    conditions: list[Resource], encounters: list[Resource], today: date, keys: CodeKeys
) -> bool:
    cancer = [c for c in conditions if "cancer" in keys[id(c)]]
    if any(_category(c, "problem-list-item") and _active(c) for c in cancer):
        return True
    linked = {
        reference_id(c.get("encounter")) for c in cancer if _category(c, "encounter-diagnosis")
    }
    cancer_ids = {c.get("id") for c in cancer}
    recent = set()
    for encounter in encounters:
        if not _in_window(first_date(encounter, "period"), today, YEAR):
            continue
        diagnoses = {reference_id(d.get("condition")) for d in items(encounter, "diagnosis")}
        if encounter.get("id") in linked or diagnoses & cancer_ids:
            recent.add(id(encounter))
    return len(recent) >= 2


_END_OF_LIFE = frozenset({"terminal", "limited_life_expectancy"})


def _end_of_life(
    conditions: list[Resource], encounters: list[Resource], today: date, keys: CodeKeys
) -> bool:
    if any(_active(c) and not _END_OF_LIFE.isdisjoint(keys[id(c)]) for c in conditions):
        return True
    hospice = value_set("hospice_disposition")
    return any(
        hospice.matches((e.get("hospitalization") or {}).get("dischargeDisposition"))
        and _in_window(first_date(e, "period"), today, YEAR)
        for e in encounters
    )


def _interpretation(observation: Resource) -> str | None:
    concept: Any = observation.get("interpretation")
    for code, outcome in (("pos", "positive"), ("neg", "negative")):
        if has_code(concept, code) or has_code(observation.get("valueCodeableConcept"), code):
            return outcome
    text = str(observation.get("valueString") or "").strip().lower()
    return {"positive": "positive", "negative": "negative"}.get(text)


#: Who reports what they observed themselves (FHIR Observation.performer).
_SELF_REPORTERS = ("Patient/", "RelatedPerson/")


def patient_reported(observation: Resource) -> bool:
    """An observation the patient (or a relative) reported: a "survey" category or performer.

    Such an entry is what the patient says, never a laboratory result, whatever its code.
    """
    if has_code(observation.get("category"), "survey"):
        return True
    return any(
        str(performer.get("reference", "")).startswith(_SELF_REPORTERS)
        for performer in items(observation, "performer")
    )


def _udt(
    observations: list[Resource], today: date, code_keys: CodeKeys
) -> tuple[date | None, list[UdtResult]]:
    tested: list[date | None] = []
    results: list[UdtResult] = []
    for obs in observations:
        code = obs.get("code")
        keys = code_keys[id(obs)]
        substance = uds_substance(code, keys)
        if not status_is(obs, *_FINAL) or not (substance or is_uds_test(code, keys)):
            continue
        if patient_reported(obs):  # a patient's "my test was negative" is not a UDT result
            continue
        day = first_date(obs, "effectiveDateTime", "effectivePeriod", "issued")
        if day is None or not _in_window(day, today, YEAR):
            continue
        tested.append(day)
        outcome = _interpretation(obs)
        if substance and outcome:
            results.append(UdtResult(substance=substance, result=outcome, date=day))
    return _latest(tested, today), results


_PDMP = frozenset({"pdmp_review_procedure", "pdmp_data_reviewed_finding"})
_MISUSE_ASSESSMENT = frozenset({"opioid_misuse_assessment"})
_OUD = frozenset({"opioid_misuse_disorders"})
_SICKLE_CELL = frozenset({"sickle_cell"})
_MISUSE_CONDITIONS = frozenset({"opioid_misuse_disorders", "substance_misuse_conditions"})
_COUNSELING = frozenset({"substance_misuse_counseling", "opioid_counseling"})


def clinical_facts(resources: Sequence[Resource], today: date) -> ClinicalFacts:
    """Every non-medication fact the opioid rules use, from the given resources."""
    conditions = _of(resources, "Condition")
    encounters = _of(resources, "Encounter")
    procedures = [p for p in _of(resources, "Procedure") if status_is(p, "completed")]
    observations = _of(resources, "Observation")
    keys = _code_keys([*conditions, *procedures, *observations])

    def coded(resource: Resource, sets: frozenset[str]) -> bool:
        return not sets.isdisjoint(keys[id(resource)])

    office = value_set("office_visit")
    udt_date, udt_results = _udt(observations, today, keys)
    # Either code on either resource: the IG's own examples record the "review done" finding
    # as a Procedure (see tests/cds_scenarios/DISAGREEMENTS.md).
    pdmp = [
        first_date(p, "performedDateTime", "performedPeriod") for p in procedures if coded(p, _PDMP)
    ] + [
        first_date(o, "effectiveDateTime", "effectivePeriod", "issued")
        for o in observations
        if status_is(o, *_FINAL) and coded(o, _PDMP)
    ]
    reviews = [
        first_date(p, "performedDateTime", "performedPeriod")
        for p in procedures
        if coded(p, _MISUSE_ASSESSMENT)
    ]
    active_oud = [c for c in conditions if _active(c) and coded(c, _OUD)]
    return ClinicalFacts(
        sickle_cell=any(coded(c, _SICKLE_CELL) for c in conditions),
        active_cancer=_cancer(conditions, encounters, today, keys),
        end_of_life=_end_of_life(conditions, encounters, today, keys),
        opioid_use_disorder=bool(active_oud),
        opioid_use_disorder_recorded_date=_latest(
            [first_date(c, "recordedDate", "onsetDateTime", "onsetPeriod") for c in active_oud],
            today,
        ),
        substance_misuse_history=any(coded(c, _MISUSE_CONDITIONS) for c in conditions)
        or any(coded(p, _COUNSELING) for p in procedures),
        office_visit_in_year=any(
            any(office.matches(t) for t in items(e, "type"))
            and _in_window(first_date(e, "period"), today, YEAR)
            for e in encounters
        ),
        last_udt_date=udt_date,
        udt_results=tuple(udt_results),
        last_pdmp_review_date=_latest(pdmp, today),
        last_benefit_risk_review_date=_latest(reviews, today),
    )


@dataclass(frozen=True, slots=True)
class PainCareFacts:
    """Rec 2: the latest pain-treatment CarePlan (created or updated) and pain-management
    Procedure by one of `authors` (any author when `authors` is empty)."""

    last_plan_date: date | None
    last_procedure_date: date | None


def pain_care_facts(
    resources: Sequence[Resource], today: date, authors: frozenset[str]
) -> PainCareFacts:
    """Active or completed pain-treatment CarePlans whose `author` is in `authors`, and completed
    pain-management Procedures with a performer in `authors`, latest date on or before `today`."""

    def by_author(refs: list[Any]) -> bool:
        return not authors or any(reference_id(ref) in authors for ref in refs)

    plans = [
        c
        for c in _of(resources, "CarePlan")
        if status_is(c, "active", "completed")
        and PAIN_TREATMENT_PLAN.matches(c.get("category"))
        and by_author([c.get("author")])
    ]
    plan_days: list[date | None] = []
    for plan in plans:
        plan_days += [
            parse_date(plan.get("created")),
            parse_date((plan.get("meta") or {}).get("lastUpdated")),
        ]
    procedures = [
        first_date(p, "performedDateTime", "performedPeriod")
        for p in _of(resources, "Procedure")
        if status_is(p, "completed")
        and value_set("pain_management_procedure").matches(p.get("code"))
        and by_author([performer.get("actor") for performer in items(p, "performer")])
    ]
    return PainCareFacts(_latest(plan_days, today), _latest(procedures, today))


def age_on(birth_date: Any, today: date) -> int | None:
    """Whole years from a FHIR birthDate to `today`."""
    born = parse_date(birth_date)
    if born is None or born > today:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
