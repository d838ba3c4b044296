"""What each opioid-cds-r4 scenario should produce under painpath's CDC 2022 rules.

`RECOMMENDATION_CODES`: which engine alerts stand for a recommendation's card. `OVERRIDES`:
rows whose expectation is not simply "the response's card count > 0" — either the response
is stale or contradicts the 2022 rule (kind "disagreement", also listed in DISAGREEMENTS.md),
there is no usable response (kind "no-oracle": derived from the 2022 rule table), or painpath's
engine lacks the input the 2022 rule needs (kind "engine-gap": asserted as an expected failure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RECOMMENDATION_CODES: dict[str, frozenset[str]] = {
    "REC01": frozenset({"NONOPIOID_FIRST_ACUTE"}),
    "REC02": frozenset({"NONOPIOID_MAXIMIZE_CHRONIC"}),
    "REC03": frozenset({"ER_LA_IN_OPIOID_NAIVE"}),
    "REC04_05": frozenset({"MME_GE_50", "MME_GE_90"}),
    "REC06": frozenset({"ACUTE_SUPPLY_GT_7D"}),
    "REC07": frozenset({"BENEFIT_RISK_REVIEW_DUE"}),
    "REC08": frozenset({"NALOXONE_OFFER"}),
    "REC09": frozenset({"PDMP_REVIEW_DUE"}),
    "REC10": frozenset({"UDT_DUE", "UDT_UNEXPECTED"}),
    "REC11": frozenset({"BENZO_COPRESCRIBE", "CNS_DEPRESSANT_COPRESCRIBE"}),
    "REC12": frozenset({"OUD_OFFER_MOUD"}),
}

# Recommendations painpath's engine has no rule for: the rows are skipped with this reason.
NOT_IMPLEMENTED = {
    "HELLO_WORLD": "service smoke test, not an opioid recommendation",
}

Kind = Literal["disagreement", "no-oracle", "engine-gap"]


@dataclass(frozen=True)
class Override:
    fires: bool
    kind: Kind
    reason: str


OVERRIDES: dict[str, Override] = {
    # --- responses that are stale or contradict the 2022 rule
    "rec-06-out-extended-release-27-days": Override(
        True, "disagreement",
        "response has 0 cards, but 27 days is an acute supply over 7 days: the test-data page and "
        "the 2022 rule (7 < days < 28) both fire",
    ),
    "rec-08-mme-greater-than-fifty": Override(
        False, "disagreement",
        "the draft order is a non-opioid (RxNorm 1185223); the 2022 rule is triggered by a "
        "subacute/chronic opioid order, so no card for this draft (2016 logic fired on MME alone)",
    ),
    "rec-10-patient-view-illicit-drugs": Override(
        False, "disagreement",
        "the only unexpected result is cannabinoid (THC); the 2022 configuration turns the "
        "cannabinoid check off, and a urine screen is on file, so no rec-10 card",
    ),
    "rec-12-patient-view-in-criteria-met": Override(
        False, "disagreement",
        "the OUD Condition is SNOMED 191865004, which the IG's own opioid-misuse-disorders "
        "expansion (155 SNOMED + 57 ICD-10-CM codes) does not list; painpath reads conditions "
        "strictly through the value set, as the 2022 IG does",
    ),
    # --- no usable oracle: derived from the 2022 rule table
    "rec-06-in-criteria-met": Override(False, "no-oracle", "5-day supply: not over 7 days"),
    "rec-08-multiple-doseRate": Override(
        True, "no-oracle", "fentanyl 75 mcg/h patch (ordered doseAndRate) = 180 MME >= 50"
    ),
    "noPrefetch": Override(
        True, "no-oracle", "only the draft is known: fentanyl 75 mcg/h = 180 MME >= 50"
    ),
    "rec-08-order-sign-mme-doseRange": Override(
        True, "no-oracle",
        "tramadol 37.5 mg, 2 tablets every 4 h (most aggressive) = 450 mg x 0.2 = 90 MME >= 50",
    ),
    "rec-08-order-sign-mme-greater-than-fifty": Override(True, "no-oracle", "180 MME >= 50"),
    "rec-08-order-sign-mme-less-than-fifty": Override(
        False, "no-oracle", "36 MME, no benzodiazepine, no substance misuse"
    ),
    "rec-08-order-sign-multiple-doseRate": Override(True, "no-oracle", "180 MME >= 50"),
    "rec-08-order-sign-on-benzodiazepine": Override(True, "no-oracle", "active temazepam"),
    "rec-08-order-sign-on-naloxone": Override(False, "no-oracle", "naloxone already on file"),
    "rec-08-order-sign-substance-abuse": Override(
        True, "no-oracle", "alcohol dependence (substance misuse) and 180 MME"
    ),
    "rec-09-in-criteria-met": Override(True, "no-oracle", "no PDMP review in 90 days"),
    "rec-10-illicit-drugs-POS-Cocaine": Override(
        True, "no-oracle", "cocaine positive, not prescribed"
    ),
    "rec-10-illicit-drugs-POS-Opiate-non-synthetic": Override(
        True, "no-oracle", "oxycodone positive while only codeine is prescribed"
    ),
    "rec-10-illicit-drugs-POS-Opiate": Override(
        False, "no-oracle",
        "oxycodone positive while oxycodone is prescribed (expected), and a screen is on file",
    ),
    "rec-10-illicit-drugs-POS-PCP": Override(True, "no-oracle", "PCP positive, not prescribed"),
    "rec-10-pos-sickle-cell-exclusion": Override(
        False, "no-oracle",
        "the draft (RxNorm 1012727, a hydrocodone cough solution) is not an opioid analgesic in "
        "the IG's value set, so no opioid rule applies",
    ),
    "rec-10-order-sign-illicit-drugs-POS-Opiate": Override(
        False, "no-oracle", "oxycodone positive while oxycodone is prescribed (expected)"
    ),
    "rec-10-patient-view-illicit-drugs-POS-Opiate": Override(
        False, "no-oracle", "oxycodone positive while oxycodone is prescribed (expected)"
    ),
    "rec-10-patient-view-no-screenings-by-reference": Override(
        False, "no-oracle",
        "the referenced Medication resources are not in the file: the orders cannot be coded, "
        "so nothing is assessed and the notes say why",
    ),
}  # fmt: skip
