"""Issue 9, an independent clinical review of painpath's PGx knowledge: one test per finding.

Each docstring names the primary source the finding was checked against. The walk of every
alternative (finding 2) is in test_alternatives_walk.py.
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from scripts.make_pgx_vcf import samples_vcf
from typer.testing import CliRunner

from painpath.cli.main import app
from painpath.pgx.advice import Advice, interpret
from painpath.pgx.genes import Gene
from painpath.pgx.html import render_html
from painpath.pgx.report import iter_file_reports, report_document
from painpath.pgx.tables import guidances, inhibitor_knowledge, recommendation_text
from tests.pgx.test_report_schema import assert_valid

TRICYCLICS_CLEARED_BY_CYP2D6 = {"nortriptyline", "desipramine"}


def _only(drug: str, calls: dict[str, str], meds: tuple[str, ...] = ()) -> Advice:
    (advice,) = interpret(calls, meds=meds, drugs=[drug]).drugs[drug]
    return advice


def _advice_entries(document: dict[str, Any], drug: str) -> list[dict[str, Any]]:
    """The advice list of `pgx recommend` output: bare interpretation or report envelope."""
    sample = document["samples"][0] if "samples" in document else document
    entries: list[dict[str, Any]] = sample["drugs"][drug]
    return entries


@pytest.mark.parametrize(
    "cyp2c19", ["*1/*1", "*1/*2", "Likely Intermediate Metabolizer"], ids=["NM", "IM", "likely IM"]
)
def test_finding_1_amitriptyline_pm_alternatives_not_cyp2d6_substrates(cyp2c19: str) -> None:
    """CYP2D6 poor metabolizer (activity score 0) with CYP2C19 normal, intermediate or likely
    intermediate: no tricyclic is offered instead of amitriptyline.

    Source: CPIC Guideline for CYP2D6 and CYP2C19 Genotypes and Dosing of Tricyclic
    Antidepressants: 2016 Update (Hicks et al., Clin Pharmacol Ther 2017;102:37-44), Table 2,
    amitriptyline rows for a CYP2D6 poor metabolizer ("avoid tricyclic use ... consider
    alternative drug not metabolized by CYP2D6"; CPIC data v1.30.0 amitriptyline rows
    CYP2D6 0.0 x CYP2C19 NM/IM/likely IM), and CPIC's nortriptyline row for activity score 0
    (Strong: avoid). Desipramine is the FDA's sensitive CYP2D6 index substrate (FDA Table of
    Substrates, Inhibitors and Inducers).
    """
    advice = _only("amitriptyline", {"CYP2D6": "*4/*4", "CYP2C19": cyp2c19})
    assert advice.recommendation.recommendation.startswith("Avoid amitriptyline")
    assert not TRICYCLICS_CLEARED_BY_CYP2D6 & set(advice.alternatives)
    assert "CYP2D6 does not clear" in advice.recommendation.recommendation
    # the same patient made a poor metabolizer by a strong inhibitor gets the same safety
    converted = _only("amitriptyline", {"CYP2D6": "*1/*1", "CYP2C19": cyp2c19}, ("paroxetine",))
    assert converted.based_on[0].lookup_keys == ("0.0",)
    assert not TRICYCLICS_CLEARED_BY_CYP2D6 & set(converted.alternatives)


def test_finding_1_as_a_user_runs_it_from_the_command_line() -> None:
    """`painpath pgx recommend --gene CYP2D6='*4/*4' --gene CYP2C19='*1/*1' --drug amitriptyline`.

    Source: CPIC tricyclic guideline 2016 update (Hicks et al. 2017), Table 2, amitriptyline,
    CYP2D6 poor metabolizer with CYP2C19 normal metabolizer (Strong: avoid; consider a drug not
    metabolized by CYP2D6).
    """
    result = CliRunner().invoke(
        app,
        [
            *("pgx", "recommend", "--gene", "CYP2D6=*4/*4", "--gene", "CYP2C19=*1/*1"),
            *("--drug", "amitriptyline", "--format", "json"),
        ],
    )
    assert result.exit_code == 0, result.output
    (advice,) = _advice_entries(json.loads(result.stdout), "amitriptyline")
    assert advice["strength"] == "Strong"
    assert not TRICYCLICS_CLEARED_BY_CYP2D6 & set(advice["alternatives"])
    assert all(c["drug"] not in TRICYCLICS_CLEARED_BY_CYP2D6 for c in advice["alternative_checks"])


@pytest.mark.parametrize("cyp2d6", ["0.25", "0.5", "0.75", "1.0"])
@pytest.mark.parametrize("cyp2c19", ["Rapid Metabolizer", "Ultrarapid Metabolizer"])
def test_finding_2_tricyclic_alternatives_carry_their_own_dose_caveat(
    cyp2d6: str, cyp2c19: str
) -> None:
    """CYP2D6 intermediate metabolizer (activity score 0.25-1.0) with CYP2C19 rapid or
    ultrarapid (8 rows): nortriptyline and desipramine are offered only with nortriptyline's own
    CYP2D6 advice, a 25 % lower starting dose and therapeutic drug monitoring.

    Source: CPIC tricyclic guideline 2016 update (Hicks et al. 2017), Table 2: amitriptyline
    rows CYP2D6 IM x CYP2C19 RM/UM ("consider alternative drug not metabolized by CYP2C19"),
    and the nortriptyline row for a CYP2D6 intermediate metabolizer ("consider a 25% reduction
    of recommended starting dose ... therapeutic drug monitoring"; CPIC data v1.30.0
    nortriptyline.json, activity scores 0.25-1.0).
    """
    advice = _only("amitriptyline", {"CYP2D6": cyp2d6, "CYP2C19": cyp2c19})
    checks = {c.drug: c for c in advice.alternative_checks}
    assert set(checks) == TRICYCLICS_CLEARED_BY_CYP2D6
    for drug, check in checks.items():
        assert check.status == "offered_with_caveat"
        assert check.note is not None
        assert f"Consider starting {drug} at three quarters of the usual dose" in check.note
        assert "therapeutic drug monitoring" in check.note
    assert "applied to desipramine" in str(checks["desipramine"].note)


@pytest.mark.parametrize(
    ("medicine", "gene", "strength", "applied"),
    [
        ("omeprazole", Gene.CYP2C19, "weak", False),
        ("esomeprazole", Gene.CYP2C19, "weak", False),
        ("voriconazole", Gene.CYP2C19, "moderate", False),  # unconfirmed: not applied
        ("felbamate", Gene.CYP2C19, "moderate", False),  # unconfirmed: not applied
        ("fluvoxamine", Gene.CYP2D6, "moderate", False),  # Cicali 2020: weak; unconfirmed
        ("abiraterone", Gene.CYP2D6, "moderate", True),
        ("rolapitant", Gene.CYP2D6, "moderate", True),
        ("terbinafine", Gene.CYP2D6, "strong", True),
        ("fluvoxamine", Gene.CYP2C19, "strong", True),
        ("piperine", Gene.CYP2C9, "moderate", True),
    ],
)
def test_finding_5_inhibitor_strengths_follow_the_fda_table(
    medicine: str, gene: Gene, strength: str, applied: bool
) -> None:
    """Inhibitor strengths as the FDA classifies them; an unconfirmed strength converts nothing
    and is shown as "possible interaction, not applied".

    Sources: U.S. FDA, Drug Development and Drug Interactions: Table of Substrates, Inhibitors
    and Inducers (clinical index inhibitors and examples of clinical inhibitors: omeprazole and
    esomeprazole weak CYP2C19 inhibitors, felbamate the moderate one; abiraterone and rolapitant
    moderate CYP2D6 inhibitors); Cicali et al., Clin Pharmacol Ther 2020;108:116-125, Table 4
    (fluvoxamine listed moderate by the FDA but weak on the evidence).
    """
    known, _, _ = inhibitor_knowledge()
    (entry,) = [i for i in known[medicine] if i.gene == gene]
    assert (entry.strength, entry.confirmed and entry.strength != "weak") == (strength, applied)
    result = interpret({gene.value: "*1/*1"}, meds=[medicine], drugs=[])
    assert (result.genes[gene].phenoconversion is not None) is applied
    medications = result.to_json()["medications"]
    possible = [u["name"] for u in medications["possible_interactions"] if u["gene"] == gene]
    if not applied and strength != "weak":
        assert medicine in possible
        assert any(f"{medicine} may inhibit" in n and "not applied" in n for n in result.notes)
    else:
        assert medicine not in possible


def test_finding_5_every_inhibitor_entry_records_its_sources_and_check_date() -> None:
    """Every entry names its sources and the date it was checked, and says whether its strength
    is confirmed; the file says which FDA page it relies on.

    Source: U.S. FDA, Drug Development and Drug Interactions: Table of Substrates, Inhibitors and
    Inducers (https://www.fda.gov/drugs/drug-interactions-labeling/drug-development-and-drug-
    interactions-table-substrates-inhibitors-and-inducers).
    """
    from importlib import resources

    data = json.loads(
        resources.files("painpath.pgx").joinpath("knowledge", "inhibitors.json").read_text()
    )
    assert "fda.gov" in data["sources"]["fda_ddi_table"]
    for row in data["inhibitors"]:
        assert row["status"] in ("confirmed", "unconfirmed"), row
        assert row["sources"], row
        assert all(s in data["sources"] for s in row["sources"]), row
        assert row["checked"] == data["checked"], row


def test_finding_6_phenoconverted_advice_does_not_borrow_cpic_strength() -> None:
    """Advice a drug interaction selected keeps CPIC's text but says that CPIC graded it for the
    genotype-defined phenotype: `applied_via` is "phenoconversion" and the strength is shown as
    "CPIC Strong (for the genotype-defined phenotype); applied here through a drug interaction".

    Sources: CPIC Guideline for CYP2D6, OPRM1, and COMT Genotypes and Select Opioid Therapy
    (Crews et al., Clin Pharmacol Ther 2021;110:888-896): recommendations are graded by
    genotype-defined phenotype, and inhibitors may convert a normal metabolizer into a
    functional poor one; Cicali et al., Clin Pharmacol Ther 2021;110:677-687 (phenoconversion).
    """
    converted = _only("codeine", {"CYP2D6": "*1/*1"}, ("paroxetine",))
    assert converted.recommendation.strength == "Strong"
    assert converted.applied_via == "phenoconversion"
    assert converted.strength_label == (
        "CPIC Strong (for the genotype-defined phenotype); applied here through a drug interaction"
    )
    entry = converted.to_json()
    assert (entry["applied_via"], entry["strength"]) == ("phenoconversion", "Strong")
    by_genotype = _only("codeine", {"CYP2D6": "*1/*1"})
    assert (by_genotype.applied_via, by_genotype.strength_label) == ("genotype", "CPIC Strong")
    # a poor metabolizer by genotype stays one: CPIC graded exactly this situation
    already_poor = _only("codeine", {"CYP2D6": "*4/*4"}, ("paroxetine",))
    assert already_poor.based_on[0].phenoconverted_by == ("paroxetine",)
    assert already_poor.applied_via == "genotype"


def test_finding_6_the_html_report_and_the_schema_carry_applied_via(tmp_path: Path) -> None:
    """The printable report shows the label, and the report document with `applied_via`
    validates against report.schema.json.

    Source: CPIC opioid guideline 2021 (Crews et al. 2021), Table 2, codeine, CYP2D6 poor
    metabolizer (Strong), applied to a *1/*1 patient through paroxetine (FDA: strong CYP2D6
    inhibitor).
    """
    vcf = tmp_path / "sample.vcf"
    vcf.write_text(samples_vcf({"P-6": {Gene.CYP2D6: ("*1", "*1")}}))
    reports = iter_file_reports(str(vcf), meds=["paroxetine"], drugs=["codeine"])
    document = report_document(list(reports))
    assert_valid(document)
    (codeine, *_) = document["samples"][0]["drugs"]["codeine"]
    assert codeine["applied_via"] == "phenoconversion"
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", render_html(document))).split())
    assert "Strength: CPIC Strong (for the genotype-defined phenotype); applied here" in text
    assert "applied here through a drug interaction" in text


UM_WORDS = {
    "codeine": "the potential for serious toxicity",
    "tramadol": "the potential for toxicity",
}


@pytest.mark.parametrize("drug", sorted(UM_WORDS))
def test_finding_7_codeine_tramadol_um_wording_and_alternatives(drug: str) -> None:
    """Ultrarapid metabolizers: CPIC's words ("potential for serious toxicity" for codeine,
    "potential for toxicity" for tramadol), non-opioid analgesics first, and no fentanyl patch.

    Sources: CPIC opioid guideline 2021 (Crews et al. 2021), Table 2, codeine and tramadol rows
    for a CYP2D6 ultrarapid metabolizer ("Avoid codeine use because of potential for serious
    toxicity"; "Avoid tramadol use because of potential for toxicity"; CPIC data v1.30.0) and its
    text on non-opioid analgesics as alternatives; transdermal fentanyl US prescribing
    information, boxed warning and indication (opioid-tolerant patients only); CDC Clinical
    Practice Guideline for Prescribing Opioids for Pain 2022, recommendation 3 (start with
    immediate-release opioids, not extended-release/long-acting ones such as transdermal
    fentanyl).
    """
    advice = _only(drug, {"CYP2D6": "*1/*1x2"})
    text = advice.recommendation.recommendation
    assert UM_WORDS[drug] in text
    assert "likely" not in text
    if drug == "tramadol":
        assert "serious" not in text
    assert advice.alternatives[:2] == ("acetaminophen", "naproxen")
    assert "morphine" in advice.alternatives
    assert "fentanyl" not in advice.alternatives


def test_finding_7_no_guideline_row_offers_a_fentanyl_patch() -> None:
    """No advice offers fentanyl, whose patch is for opioid-tolerant patients only.

    Sources: transdermal fentanyl US prescribing information (boxed warning: opioid-tolerant
    patients only); CDC 2022 opioid guideline, recommendation 3.
    """
    offered = {
        alternative
        for source in ("CPIC", "DPWG")
        for guidance in guidances(source)
        for drug in guidance.drugs
        for rule in guidance.rules
        for alternative in recommendation_text(
            rule.recommendation, drug, params=rule.params
        ).alternatives
    }
    assert "morphine" in offered
    assert "fentanyl" not in offered
