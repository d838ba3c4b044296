"""The report document against its JSON Schema (report.schema.json), its actions and determinism."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from scripts.make_pgx_vcf import samples_vcf

from painpath.pgx.actions import ACTION_OF, ACTIONS
from painpath.pgx.genes import Gene
from painpath.pgx.outside_calls import parse_outside_calls, read_outside_calls
from painpath.pgx.report import iter_file_reports, report_document
from tests.pgx.fixtures import PHARMCAT, fixture, needs_reference

EXAMPLE_VCF = PHARMCAT / "examples" / "pharmcat.example.vcf"
EXAMPLE_CALLS = PHARMCAT / "examples" / "pharmcat.example.outsideCall.tsv"


def load_schema() -> dict[str, Any]:
    text = resources.files("painpath.pgx").joinpath("report.schema.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with additionalProperties false wherever it lists properties, so a field
    the schema (and so docs/pgx-report.md) does not describe fails the test."""
    tight = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tight)
    return tight


def assert_valid(document: dict[str, Any]) -> None:
    schema = load_schema()
    for variant in (schema, strict(schema)):
        validator = jsonschema.Draft202012Validator(variant)
        problems = [
            f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)
        ]
        assert not problems, problems[:5]


def document_for(path: Path | str, **options: Any) -> dict[str, Any]:
    return report_document(list(iter_file_reports(str(path), **options)))


def test_the_schema_is_valid_draft_2020_12() -> None:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema"]["const"] == "painpath.pgx.report/1"


@needs_reference
def test_pharmcat_example_with_lab_calls_and_an_inhibitor_validates() -> None:
    document = document_for(
        EXAMPLE_VCF,
        outside_calls=read_outside_calls(EXAMPLE_CALLS),
        meds=["paroxetine", "ibuprofen", "bupropion"],
        include_dpwg=True,
    )
    assert_valid(document)
    (sample,) = document["samples"]
    assert sample["genes"]["CYP2D6"]["phenoconverted_phenotype"] == "Poor Metabolizer"
    assert {a["source"] for ads in sample["drugs"].values() for a in ads} == {"CPIC", "DPWG"}


def test_a_multi_sample_file_validates() -> None:
    document = document_for(fixture("cyp2c9_multi_sample.vcf"))
    assert_valid(document)
    assert [s["id"] for s in document["samples"]] == ["S1", "S2", "S3"]


def test_a_lab_only_gene_and_untested_genes_validate(tmp_path: Path) -> None:
    vcf = tmp_path / "one.vcf"
    vcf.write_text(samples_vcf({"P1": {Gene.CYP2C9: ("*1", "*3")}}, genes=[Gene.CYP2C9]))
    calls = parse_outside_calls("CYP2C19\t\tPoor Metabolizer\n")
    document = document_for(vcf, outside_calls=calls, meds=["paroxetine"])
    assert_valid(document)
    genes = document["samples"][0]["genes"]
    assert genes["CYP2C19"]["call_source"] == "lab"
    assert genes["CYP2D6"]["phenotype"] is None  # no CYP2D6 position in the file
    assert genes["CYP2D6"]["missing_positions"]


def test_an_empty_sample_list_still_validates() -> None:
    assert_valid(report_document([]))


def test_every_recommendation_template_has_exactly_one_action() -> None:
    text = resources.files("painpath.pgx").joinpath("knowledge/guidance/templates.json")
    templates = set(json.loads(text.read_text("utf-8"))["recommendations"])
    listed = [name for names in ACTIONS.values() for name in names]
    assert len(listed) == len(set(listed))
    assert set(listed) == templates
    enum = load_schema()["$defs"]["advice"]["properties"]["action"]["enum"]
    assert list(ACTIONS) == enum


@pytest.mark.parametrize(
    ("template", "action"),
    [
        ("opioid_prodrug_pm_avoid", "avoid"),
        ("nsaid_quarter_to_half", "adjust_dose"),
        ("opioid_prodrug_im_watch", "monitor"),
        ("nsaid_usual_start", "no_change"),
        ("no_result", "no_result"),
    ],
)
def test_actions_sort_advice_the_way_a_prescriber_reads_it(template: str, action: str) -> None:
    assert ACTION_OF[template] == action


def test_same_input_gives_identical_bytes() -> None:
    first = json.dumps(document_for(fixture("cyp2c9_multi_sample.vcf"), meds=["fluconazole"]))
    second = json.dumps(document_for(fixture("cyp2c9_multi_sample.vcf"), meds=["fluconazole"]))
    assert first == second


def test_samples_sharing_a_pattern_share_one_interpretation(tmp_path: Path) -> None:
    vcf = tmp_path / "twins.vcf"
    same = {Gene.CYP2D6: ("*1", "*4")}
    vcf.write_text(samples_vcf({"A": same, "B": same, "C": {Gene.CYP2D6: ("*4", "*4")}}))
    a, b, c = iter_file_reports(str(vcf))
    assert a.interpretation is b.interpretation
    assert c.interpretation is not a.interpretation
    assert (a.sample_id, b.sample_id) == ("A", "B")
    assert a.to_json()["genes"] == b.to_json()["genes"]


DOC = Path(__file__).resolve().parents[2] / "docs" / "pgx-report.md"


def property_names(node: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(node, dict):
        names |= set(node.get("properties", {}))
        for value in node.values():
            names |= property_names(value)
    elif isinstance(node, list):
        for value in node:
            names |= property_names(value)
    return names


def test_the_documentation_describes_every_field() -> None:
    text = DOC.read_text(encoding="utf-8")
    undocumented = sorted(n for n in property_names(load_schema()) if f"`{n}`" not in text)
    assert not undocumented


def test_the_documented_example_is_a_valid_document() -> None:
    text = DOC.read_text(encoding="utf-8")
    example = text.split("```json\n", 1)[1].split("\n```", 1)[0]
    assert_valid(json.loads(example))
