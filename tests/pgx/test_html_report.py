"""The printable HTML report: what a clinician must see, in which order, and nothing unsafe."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from scripts.make_pgx_vcf import samples_vcf

from painpath.pgx.genes import Gene
from painpath.pgx.html import DISCLAIMER, render_html
from painpath.pgx.report import iter_file_reports, report_document


class Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def document(
    tmp_path: Path, samples: dict[str, dict[Gene, tuple[str, str]]], **options: Any
) -> Any:
    vcf = tmp_path / "report.vcf"
    vcf.write_text(samples_vcf(samples, missing=options.pop("missing", ())))
    return report_document(list(iter_file_reports(str(vcf), **options)))


@pytest.fixture
def poor_cyp2d6(tmp_path: Path) -> str:
    """CYP2D6 *4/*4 (avoid codeine), CYP2C9 *1/*3 (lower NSAID dose), CYP2C19 *1/*1."""
    return render_html(
        document(
            tmp_path,
            {"P-17": {Gene.CYP2D6: ("*4", "*4"), Gene.CYP2C9: ("*1", "*3")}},
            missing=["rs1799971"],
        )
    )


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_report_shows_the_advice_and_the_sentence_about_judgement(poor_cyp2d6: str) -> None:
    text = text_of(poor_cyp2d6)
    assert "Do not use codeine" in text
    assert "Sample: P-17" in text
    assert DISCLAIMER in text
    assert "painpath supports clinicians and does not replace their judgement" in text


def test_advice_is_grouped_avoid_then_dose_then_no_change(poor_cyp2d6: str) -> None:
    text = text_of(poor_cyp2d6)
    avoid = text.index("Change or avoid (")
    dose = text.index("Adjust the dose (")
    same = text.index("No gene-based change (")
    assert avoid < dose < same
    assert avoid < text.index("Do not use codeine") < dose
    # (the text may come earlier too, as the caveat of celecoxib offered as an alternative)
    assert dose < text.index("Start celecoxib at the lowest recommended dose", dose) < same


def test_each_piece_of_advice_carries_strength_guideline_and_version(poor_cyp2d6: str) -> None:
    text = text_of(poor_cyp2d6)
    assert "Strength: Strong" in text
    assert "CPIC Guideline for CYP2D6, OPRM1, and COMT Genotypes and Select Opioid Therapy" in text
    assert "PMID 33387367" in text
    assert "Version: CPIC v1.30.0" in text


def test_notes_say_what_was_not_tested(poor_cyp2d6: str) -> None:
    text = text_of(poor_cyp2d6)
    assert "copy number and hybrids not assessed" in text
    assert "CYP2D6 was called from SNVs and indels only" in text
    assert "chr6:154039662 (rs1799971)" in text
    assert "never assumed reference" in text


def test_knowledge_versions_and_sources_are_listed(poor_cyp2d6: str) -> None:
    text = text_of(poor_cyp2d6)
    assert "Knowledge versions and sources" in text
    assert "phenotypes/CYP2D6.json" in text
    assert "2024-08-27-21-12" in text  # CYP2D6 function table version


def test_phenoconversion_is_shown_beside_the_genotype_phenotype(tmp_path: Path) -> None:
    html = render_html(document(tmp_path, {"P1": {Gene.CYP2D6: ("*1", "*4")}}, meds=["paroxetine"]))
    row = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S) if "CYP2D6</th>" in r)
    cells = [text_of(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[2] == "Intermediate Metabolizer"
    assert cells[3].startswith("Poor Metabolizer")
    assert "because of paroxetine" in cells[3]


def test_a_hostile_sample_id_is_escaped(tmp_path: Path) -> None:
    html = render_html(document(tmp_path, {"<script>alert(1)</script>": {}}, meds=["<img src=x>"]))
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html


def test_the_page_is_self_contained_and_script_free(poor_cyp2d6: str) -> None:
    parser = Tags()
    parser.feed(poor_cyp2d6)
    names = {tag for tag, _ in parser.tags}
    assert "script" not in names
    assert not {"link", "img", "iframe", "object", "embed"} & names
    assert not any(attr.get("src") for _, attr in parser.tags)
    assert "@media print" in poor_cyp2d6
    assert "url(" not in poor_cyp2d6  # nothing fetched by the stylesheet either
    assert poor_cyp2d6.startswith("<!DOCTYPE html>")


def test_several_samples_get_a_section_each(tmp_path: Path) -> None:
    html = render_html(document(tmp_path, {"A": {}, "B": {Gene.CYP2C19: ("*2", "*2")}}))
    assert html.count('<section class="sample"') == 2
    assert "Sample: A" in html
    assert "Sample: B" in html


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    doc = document(tmp_path, {"A": {Gene.CYP2D6: ("*1", "*2")}})
    assert render_html(doc) == render_html(doc)


def test_a_document_without_actions_still_renders_everything_first() -> None:
    advice = {
        "source": "CPIC",
        "guideline": "G",
        "citation": "C",
        "url": "",
        "version": "v1",
        "strength": "Strong",
        "implication": "",
        "recommendation": "Do something",
        "alternatives": [],
        "based_on": {"genes": []},
        "notes": [],
    }
    html = render_html({"samples": [{"id": "S", "genes": {}, "drugs": {"x": [advice]}}]})
    assert text_of(html).index("Change or avoid") < text_of(html).index("Do something")
