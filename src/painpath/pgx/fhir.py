"""A PGx report document as FHIR R4 resources (HL7 Genomics Reporting IG, STU3), as plain dicts.

Per sample, one Bundle of type `collection`:
- a Specimen naming the VCF sample (painpath has no patient here; the caller links one);
- a DiagnosticReport (profile genomic-report, LOINC 51969-4 "Genetic analysis report");
- per gene a genotype Observation (profile genotype, LOINC 84413-4 "Genotype display name",
  value text = diplotype, component gene-studied 48018-6 with the HGNC id);
- per gene a phenotype Observation (LOINC 53040-2 "Genetic variation's effect on drug
  metabolism", value text = phenotype from genotype, components for the activity score and
  the phenotype with current medicines, and a note naming the medicines that changed it);
- per gene-based piece of advice a therapeutic-implication Observation (medication-assessed
  51963-7, evidence-level 93044-6, the guideline as a workflow-relatedArtifact citation, the
  recommendation as a note). The IG's medication-recommendation is a Task — a workflow request
  for a patient — so a report of guidance uses the implication Observation instead.

Ids are UUIDv5 of the sample and the resource's role, and no timestamp is written, so the same
document gives the same bytes. Statements that depend on no gene (e.g. "morphine: no gene-based
change") are left out: an implication must be derived from a genotype.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

IG = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition"
LOINC = "http://loinc.org"
TBD_CODES = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs"
HGNC = "http://www.genenames.org/geneId"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
RELATED_ARTIFACT = "http://hl7.org/fhir/StructureDefinition/workflow-relatedArtifact"
#: Namespace of painpath's deterministic resource ids (uuid5 of "painpath.pgx.fhir").
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "painpath.pgx.fhir")

HGNC_IDS = {
    "CYP2D6": "HGNC:2625",
    "CYP2C9": "HGNC:2623",
    "CYP2C19": "HGNC:2621",
    "OPRM1": "HGNC:8156",
    "COMT": "HGNC:2228",
}
CATEGORIES = [
    {"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]},
    {"coding": [{"system": V2_0074, "code": "GE", "display": "Genetics"}]},
]


def _loinc(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code, "display": display}]}


def _text(text: str) -> dict[str, Any]:
    return {"text": text}


def _gene_studied(gene: str) -> dict[str, Any]:
    coding: dict[str, str] = {"display": gene}
    if gene in HGNC_IDS:
        coding = {"system": HGNC, "code": HGNC_IDS[gene], "display": gene}
    return {
        "code": _loinc("48018-6", "Gene studied [ID]"),
        "valueCodeableConcept": {"coding": [coding], "text": gene},
    }


def _absent(code: str) -> dict[str, Any]:
    return {"coding": [{"system": DATA_ABSENT, "code": code}]}


class _Ids:
    """Deterministic `urn:uuid:` ids for one sample's resources."""

    def __init__(self, sample_id: str):
        self.sample_id = sample_id

    def __call__(self, *role: str) -> str:
        return str(uuid.uuid5(NAMESPACE, "\x1f".join((self.sample_id, *role))))

    def ref(self, *role: str) -> dict[str, str]:
        return {"reference": f"urn:uuid:{self(*role)}"}


def _observation(
    ids: _Ids, role: tuple[str, ...], code: dict[str, Any], method: str, profile: str | None
) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Observation", "id": ids(*role)}
    if profile:
        resource["meta"] = {"profile": [f"{IG}/{profile}"]}
    resource |= {
        "status": "final",
        "category": CATEGORIES,
        "code": code,
        "specimen": ids.ref("specimen"),
        "method": _text(method),
    }
    return resource


def _gene_method(entry: Mapping[str, Any], method: str) -> str:
    if entry.get("call_source") == "lab" or entry.get("source") == "outside call":
        return f"Lab-reported call (outside call), interpreted by {method}"
    if entry.get("call_source") == "vcf":
        return f"Called from VCF SNVs and indels by {method}"
    return f"Interpreted by {method}"


def _genotype(ids: _Ids, gene: str, entry: Mapping[str, Any], method: str) -> dict[str, Any]:
    code = _loinc("84413-4", "Genotype display name")
    resource = _observation(ids, ("genotype", gene), code, _gene_method(entry, method), "genotype")
    diplotypes = [d["diplotype"] for d in entry.get("diplotypes", [])]
    if diplotypes:
        resource["valueCodeableConcept"] = _text(" or ".join(diplotypes))
    else:
        resource["dataAbsentReason"] = _absent("unknown")
    resource["component"] = [_gene_studied(gene)]
    notes = [
        f"Not tested (never assumed reference): {p}" for p in entry.get("missing_positions", [])
    ]
    notes += list(entry.get("notes", []))
    if len(diplotypes) > 1:
        notes.insert(0, "The data fit these diplotypes equally well; all are reported.")
    if notes:
        resource["note"] = [{"text": note} for note in notes]
    return resource


def _phenotype(ids: _Ids, gene: str, entry: Mapping[str, Any], method: str) -> dict[str, Any]:
    code = _loinc("53040-2", "Genetic variation's effect on drug metabolism")
    resource = _observation(ids, ("phenotype", gene), code, _gene_method(entry, method), None)
    phenotype = entry.get("phenotype")
    if phenotype:
        resource["valueCodeableConcept"] = _text(phenotype)
    else:
        resource["dataAbsentReason"] = _absent("unknown")
    resource["derivedFrom"] = [ids.ref("genotype", gene)]
    components = [_gene_studied(gene)]
    if entry.get("activity_score") is not None:
        components.append(
            {"code": _text("CPIC activity score"), "valueString": entry["activity_score"]}
        )
    converted = entry.get("phenoconverted_phenotype")
    if converted:
        components.append(
            {
                "code": _text("Phenotype with current medicines (phenoconverted)"),
                "valueCodeableConcept": _text(converted),
            }
        )
        by = ", ".join(entry.get("phenoconverted_by", []))
        score = entry.get("phenoconverted_activity_score")
        detail = f", activity score {score}" if score is not None else ""
        resource["note"] = [
            {"text": f"Phenoconverted to {converted}{detail} by {by}; advice uses this phenotype."}
        ]
    resource["component"] = components
    return resource


def _implication(
    ids: _Ids, drug: str, index: int, advice: Mapping[str, Any], method: str
) -> dict[str, Any]:
    basis = advice["based_on"]
    genes: list[str] = basis["genes"]
    code = {"coding": [{"system": TBD_CODES, "code": "therapeutic-implication"}]}
    role = ("implication", drug, str(index))
    resource = _observation(ids, role, code, method, "therapeutic-implication")
    resource["extension"] = [
        {
            "url": RELATED_ARTIFACT,
            "valueRelatedArtifact": {
                "type": "citation",
                "label": f"{advice['source']} {advice['version']}",
                "display": advice["guideline"],
                "citation": advice["citation"],
                **({"url": advice["url"]} if advice.get("url") else {}),
            },
        }
    ]
    derived = [ids.ref("genotype", g) for g in genes] + [ids.ref("phenotype", g) for g in genes]
    resource["derivedFrom"] = derived
    phenotypes = "; ".join(f"{g} {basis['phenotypes'].get(g) or 'not tested'}" for g in genes)
    resource["component"] = [
        {
            "code": {"coding": [{"system": TBD_CODES, "code": "therapeutic-implication"}]},
            "valueCodeableConcept": _text(phenotypes),
        },
        {
            "code": _loinc("51963-7", "Medication assessed [ID]"),
            "valueCodeableConcept": _text(drug),
        },
        {
            "code": _loinc("93044-6", "Level of evidence"),
            # after phenoconversion the label says CPIC graded the genotype-defined phenotype
            "valueCodeableConcept": _text(
                advice.get("strength_label") or f"{advice['source']} {advice['strength']}"
            ),
        },
    ]
    notes = [advice["recommendation"]]
    notes += [advice["implication"]] if advice.get("implication") else []
    notes += list(advice.get("notes", []))
    resource["note"] = [{"text": note} for note in notes]
    return resource


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def _conclusion(sample: Mapping[str, Any], knowledge: Mapping[str, Any]) -> str:
    parts = []
    for gene, entry in sample.get("genes", {}).items():
        diplotypes = " or ".join(d["diplotype"] for d in entry.get("diplotypes", [])) or "no call"
        phenotype = entry.get("phenotype") or "not tested"
        converted = entry.get("phenoconverted_phenotype")
        suffix = f" (with current medicines: {converted})" if converted else ""
        parts.append(f"{gene} {diplotypes}: {phenotype}{suffix}.")
    parts.append(f"Knowledge version {knowledge.get('version', 'unknown')}.")
    parts.append("painpath supports clinicians and does not replace their judgement.")
    return " ".join(parts)


def sample_bundle(
    sample: Mapping[str, Any], knowledge: Mapping[str, Any], painpath_version: str
) -> dict[str, Any]:
    """One sample of a report document as a collection Bundle (DiagnosticReport first)."""
    ids = _Ids(str(sample["id"]))
    method = f"painpath {painpath_version} (knowledge {knowledge.get('version', 'unknown')})"
    specimen = {
        "resourceType": "Specimen",
        "id": ids("specimen"),
        "identifier": [{"value": str(sample["id"])}],
        "note": [{"text": "Sample column of the VCF/BCF file the genotypes were read from."}],
    }
    results: list[dict[str, Any]] = []
    for gene, entry in sample.get("genes", {}).items():
        results.append(_genotype(ids, gene, entry, method))
        results.append(_phenotype(ids, gene, entry, method))
    for drug, advices in sorted(sample.get("drugs", {}).items()):
        for index, advice in enumerate(advices):
            if advice["based_on"]["genes"]:
                results.append(_implication(ids, drug, index, advice, method))
    report = {
        "resourceType": "DiagnosticReport",
        "id": ids("report"),
        "meta": {"profile": [f"{IG}/genomic-report"]},
        "status": "final",
        "category": [{"coding": [{"system": V2_0074, "code": "GE", "display": "Genetics"}]}],
        "code": _loinc("51969-4", "Genetic analysis report"),
        "specimen": [ids.ref("specimen")],
        "result": [{"reference": f"urn:uuid:{r['id']}"} for r in results],
        "conclusion": _conclusion(sample, knowledge),
    }
    return {
        "resourceType": "Bundle",
        "id": ids("bundle"),
        "type": "collection",
        "entry": [_entry(report), _entry(specimen), *(_entry(r) for r in results)],
    }


def fhir_bundles(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every sample of a report document (schema painpath.pgx.report/1) as its own Bundle."""
    knowledge = document.get("knowledge") or {}
    version = str(document.get("painpath_version", ""))
    samples: Sequence[Mapping[str, Any]] = document.get("samples", [])
    return [sample_bundle(sample, knowledge, version) for sample in samples]


def fhir_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """One sample: its Bundle. Several: a collection Bundle whose entries are those Bundles."""
    bundles = fhir_bundles(document)
    if len(bundles) == 1:
        return bundles[0]
    ids = _Ids("\x1e".join(b["id"] for b in bundles))
    return {
        "resourceType": "Bundle",
        "id": ids("cohort"),
        "type": "collection",
        "entry": [_entry(bundle) for bundle in bundles],
    }
