"""FHIR R4 Genomics Reporting output: every resource validates (fhir.resources.R4B) and says
what the report says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from scripts.make_pgx_vcf import samples_vcf

from painpath.pgx.fhir import HGNC_IDS, fhir_bundles, fhir_document
from painpath.pgx.genes import Gene
from painpath.pgx.report import iter_file_reports, report_document

Resource = dict[str, Any]


def validate(resource: Resource) -> None:
    """Validate a resource and, for a Bundle, each entry as its own type too."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    for entry in resource.get("entry", []):
        validate(entry["resource"])


def resources(bundle: Resource) -> Iterator[Resource]:
    for entry in bundle["entry"]:
        yield entry["resource"]


def by_code(bundle: Resource, code: str) -> list[Resource]:
    return [
        r
        for r in resources(bundle)
        if r["resourceType"] == "Observation"
        and any(c.get("code") == code for c in r["code"].get("coding", []))
    ]


def gene_of(observation: Resource) -> str:
    component = next(
        c for c in observation["component"] if c["code"]["coding"][0]["code"] == "48018-6"
    )
    return str(component["valueCodeableConcept"]["text"])


@pytest.fixture
def document(tmp_path: Path) -> dict[str, Any]:
    vcf = tmp_path / "two.vcf"
    vcf.write_text(
        samples_vcf(
            {
                "P1": {Gene.CYP2D6: ("*1", "*4"), Gene.CYP2C19: ("*2", "*17")},
                "P2": {Gene.CYP2C9: ("*3", "*3")},
            }
        )
    )
    return report_document(list(iter_file_reports(str(vcf), meds=["paroxetine"])))


def test_every_resource_validates_as_r4(document: dict[str, Any]) -> None:
    for bundle in fhir_bundles(document):
        validate(bundle)
    validate(fhir_document(document))


def test_a_bundle_per_sample_with_the_report_first(document: dict[str, Any]) -> None:
    bundles = fhir_bundles(document)
    assert len(bundles) == 2
    for bundle, sample in zip(bundles, document["samples"], strict=True):
        assert bundle["type"] == "collection"
        report = bundle["entry"][0]["resource"]
        assert report["resourceType"] == "DiagnosticReport"
        assert report["meta"]["profile"] == [
            "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/genomic-report"
        ]
        assert report["code"]["coding"][0] == {
            "system": "http://loinc.org",
            "code": "51969-4",
            "display": "Genetic analysis report",
        }
        specimen = bundle["entry"][1]["resource"]
        assert specimen["identifier"] == [{"value": sample["id"]}]
        urls = {e["fullUrl"] for e in bundle["entry"]}
        assert {r["reference"] for r in report["result"]} <= urls
        assert len(report["result"]) == len(bundle["entry"]) - 2


def test_genotype_observations_carry_the_diplotype_and_the_hgnc_gene(
    document: dict[str, Any],
) -> None:
    bundle = fhir_bundles(document)[0]
    genotypes = {gene_of(o): o for o in by_code(bundle, "84413-4")}
    assert set(genotypes) == {g.value for g in Gene}
    cyp2d6 = genotypes["CYP2D6"]
    assert cyp2d6["valueCodeableConcept"]["text"] == "*1/*4"
    assert cyp2d6["meta"]["profile"][0].endswith("/genotype")
    coding = cyp2d6["component"][0]["valueCodeableConcept"]["coding"][0]
    assert coding == {
        "system": "http://www.genenames.org/geneId",
        "code": "HGNC:2625",
        "display": "CYP2D6",
    }
    assert HGNC_IDS == {
        "CYP2D6": "HGNC:2625",
        "CYP2C9": "HGNC:2623",
        "CYP2C19": "HGNC:2621",
        "OPRM1": "HGNC:8156",
        "COMT": "HGNC:2228",
    }
    assert any("copy number" in n["text"] for n in cyp2d6["note"])


def test_phenotype_observations_show_the_phenoconverted_phenotype(document: dict[str, Any]) -> None:
    bundle = fhir_bundles(document)[0]
    phenotypes = {gene_of(o): o for o in by_code(bundle, "53040-2")}
    cyp2d6 = phenotypes["CYP2D6"]
    assert cyp2d6["valueCodeableConcept"]["text"] == "Intermediate Metabolizer"
    converted = [c for c in cyp2d6["component"] if "phenoconverted" in c["code"].get("text", "")]
    assert converted[0]["valueCodeableConcept"]["text"] == "Poor Metabolizer"
    assert "paroxetine" in cyp2d6["note"][0]["text"]
    assert phenotypes["CYP2C19"]["valueCodeableConcept"]["text"] == "Intermediate Metabolizer"
    assert "note" not in phenotypes["CYP2C19"]


def test_advice_is_a_therapeutic_implication_per_drug(document: dict[str, Any]) -> None:
    bundle = fhir_bundles(document)[0]
    implications = by_code(bundle, "therapeutic-implication")
    codeine = [
        o
        for o in implications
        if any(c["valueCodeableConcept"]["text"] == "codeine" for c in o["component"])
    ]
    assert len(codeine) >= 1
    first = codeine[0]
    assert first["meta"]["profile"][0].endswith("/therapeutic-implication")
    assert first["note"][0]["text"].startswith("Do not use codeine")
    evidence = next(c for c in first["component"] if c["code"]["coding"][0]["code"] == "93044-6")
    # paroxetine made this CYP2D6 *1/*4 a functional poor metabolizer (issue 9, finding 6)
    assert evidence["valueCodeableConcept"]["text"] == (
        "CPIC Strong (for the genotype-defined phenotype); applied here through a drug interaction"
    )
    citation = first["extension"][0]["valueRelatedArtifact"]
    assert "PMID 33387367" in citation["citation"]
    assert first["derivedFrom"]
    # statements that depend on no gene ("morphine: no gene-based change") are not implications
    drugs = {
        c["valueCodeableConcept"]["text"]
        for o in implications
        for c in o["component"]
        if c["code"]["coding"][0]["code"] == "51963-7"
    }
    assert "celecoxib" in drugs


def test_ids_are_deterministic_and_unique(document: dict[str, Any]) -> None:
    first = json.dumps(fhir_document(document))
    assert first == json.dumps(fhir_document(document))
    for bundle in fhir_bundles(document):
        ids = [r["id"] for r in resources(bundle)]
        assert len(ids) == len(set(ids))
    one, two = fhir_bundles(document)
    assert not {r["id"] for r in resources(one)} & {r["id"] for r in resources(two)}


def test_one_sample_gives_its_bundle_itself(tmp_path: Path) -> None:
    vcf = tmp_path / "one.vcf"
    vcf.write_text(samples_vcf({"ONLY": {}}))
    document = report_document(list(iter_file_reports(str(vcf))))
    single = fhir_document(document)
    assert single["entry"][0]["resource"]["resourceType"] == "DiagnosticReport"
    validate(single)
