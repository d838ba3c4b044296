"""Opioid safety, pure: MME per the CDC 2022 (or 2016) conversion tables, the CDC 2022
recommendations as alerts, HHS 2019 taper schedules and the Opioid Risk Tool.

No web, database or settings: everything here runs in a Dask worker or a notebook. Inputs are
pydantic models (`AssessmentInput`, built from the JSON form or by a FHIR mapper); results are
frozen dataclasses with `as_json()`. The public API is `__all__`, pinned by a test.
"""

from painpath.opioids.alerts import Alert, AlertSource
from painpath.opioids.assess import Assessment, assess, parse_assessment_input
from painpath.opioids.dosage import DailyDose, DoseProblem, ImplausibleSig, daily_dose
from painpath.opioids.inputs import (
    AssessmentInput,
    DosageLine,
    DoseUnit,
    DrugClass,
    Medication,
    Patient,
    Route,
    UdtResult,
)
from painpath.opioids.knowledge import KNOWLEDGE_VERSION, FactorTable, FactorTableName, factor_table
from painpath.opioids.mme import MedicationMme, MmeStatus, MmeSummary, summarize_mme
from painpath.opioids.ort import OrtResult, opioid_risk_tool, ort_items
from painpath.opioids.taper import TaperPlan, TaperRefused, TaperRequest, TaperStep, plan_taper

__all__ = [
    "KNOWLEDGE_VERSION",
    "Alert",
    "AlertSource",
    "Assessment",
    "AssessmentInput",
    "DailyDose",
    "DosageLine",
    "DoseProblem",
    "DoseUnit",
    "DrugClass",
    "FactorTable",
    "FactorTableName",
    "ImplausibleSig",
    "Medication",
    "MedicationMme",
    "MmeStatus",
    "MmeSummary",
    "OrtResult",
    "Patient",
    "Route",
    "TaperPlan",
    "TaperRefused",
    "TaperRequest",
    "TaperStep",
    "UdtResult",
    "assess",
    "daily_dose",
    "factor_table",
    "opioid_risk_tool",
    "ort_items",
    "parse_assessment_input",
    "plan_taper",
    "summarize_mme",
]
