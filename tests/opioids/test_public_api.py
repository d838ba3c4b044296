"""The opioid engine's public API is explicit, pinned here, and plain Python."""

from __future__ import annotations

import subprocess
import sys

import painpath.opioids

PUBLIC = {
    "KNOWLEDGE_VERSION", "Alert", "AlertSource", "Assessment", "AssessmentInput", "DailyDose",
    "DosageLine", "DoseProblem", "DoseUnit", "DrugClass", "FactorTable", "FactorTableName",
    "ImplausibleSig", "Medication", "MedicationMme", "MmeStatus", "MmeSummary", "OrtResult",
    "Patient", "Route",
    "TaperPlan", "TaperRefused", "TaperRequest", "TaperStep", "UdtResult", "assess", "daily_dose",
    "factor_table", "opioid_risk_tool", "ort_items", "parse_assessment_input", "plan_taper",
    "summarize_mme",
}  # fmt: skip


def test_the_public_api_is_pinned() -> None:
    assert set(painpath.opioids.__all__) == PUBLIC
    assert all(hasattr(painpath.opioids, name) for name in PUBLIC)


def test_the_engine_imports_no_web_database_or_settings() -> None:
    code = (
        "import sys, painpath.opioids;"
        "bad = [m for m in ('fastapi', 'sqlalchemy', 'painpath.config', 'painpath.db',"
        " 'painpath.models', 'painpath.web', 'painpath.terminology') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_engine_drug_classes_cover_the_formulary_classes() -> None:
    from painpath.opioids import DrugClass
    from painpath.terminology.formulary import DrugClass as FormularyClass

    assert {c.value for c in FormularyClass} <= {c.value for c in DrugClass}
