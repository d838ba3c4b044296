"""One person's (or a cohort's) PGx result: matcher calls + lab calls + medicines → advice.

The report is the engine's last serializable stage. Its JSON shape is versioned by
`SCHEMA_VERSION` and carries no timestamps, so the same input always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from painpath import __version__
from painpath.pgx.advice import Interpretation, interpret
from painpath.pgx.build import GenomeBuild
from painpath.pgx.genes import Gene
from painpath.pgx.matcher import GeneCall, iter_file_calls
from painpath.pgx.outside_calls import OutsideCalls, gene_result
from painpath.pgx.phenoconversion import GeneResult

SCHEMA_VERSION = "painpath.pgx.report/1"

CYP2D6_FROM_VCF_NOTE = (
    "CYP2D6 was called from SNVs and indels only: copy number (deletions, duplications) and"
    " CYP2D6/2D7 hybrids were not assessed. Send a lab call (--outside-calls) for those."
)


@dataclass(frozen=True)
class SampleReport:
    sample_id: str
    interpretation: Interpretation
    #: The allele matcher's calls, for genes read from a VCF.
    calls: Mapping[Gene, GeneCall] = field(default_factory=dict)
    build: GenomeBuild | None = None
    outside_genes: frozenset[Gene] = frozenset()

    def to_json(self) -> dict[str, Any]:
        body = self.interpretation.to_json()
        genes: dict[str, dict[str, Any]] = body["genes"]
        for gene, call in self.calls.items():
            entry = genes.get(gene.value)
            if entry is None:
                continue
            entry["call_source"] = "lab" if gene in self.outside_genes else "vcf"
            entry["missing_positions"] = [locus.label for locus in call.missing_positions]
            entry["possible_diplotypes_if_missing"] = [
                "/".join(pair) for pair in call.possible_diplotypes_if_missing
            ]
            entry["allele_definitions_version"] = call.data_version
        for gene in self.outside_genes:
            if gene.value in genes:
                genes[gene.value]["call_source"] = "lab"
        return {
            "id": self.sample_id,
            "build": self.build.value if self.build else None,
            "genes": genes,
            "drugs": body["drugs"],
            "medications": body["medications"],
            "notes": body["notes"],
            "knowledge": body["knowledge"],
        }


def _vcf_result(call: GeneCall) -> GeneResult:
    notes = list(call.notes)
    if call.no_call_reason is not None:
        notes.append(f"No {call.gene} call: {call.no_call_reason.value}.")
    if call.gene is Gene.CYP2D6:
        notes.append(CYP2D6_FROM_VCF_NOTE)
    return GeneResult.from_diplotypes(call.gene, call.diplotypes, source="vcf", notes=tuple(notes))


def interpret_sample(
    sample_id: str,
    calls: Mapping[Gene, GeneCall],
    *,
    outside_calls: OutsideCalls | None = None,
    meds: Sequence[str] = (),
    drugs: Sequence[str] | None = None,
    include_dpwg: bool = False,
) -> SampleReport:
    """Phenotypes and advice for one sample; a lab call replaces the VCF call for its gene."""
    results: dict[Gene | str, GeneResult] = {g: _vcf_result(c) for g, c in calls.items()}
    outside = dict(outside_calls.calls) if outside_calls else {}
    for gene, lab_call in outside.items():
        lab = gene_result(lab_call)
        vcf_call = calls.get(gene)
        if vcf_call is not None and vcf_call.diplotypes:
            from_vcf = ", ".join("/".join(pair) for pair in vcf_call.diplotypes)
            lab = GeneResult(
                lab.gene,
                lab.source,
                lab.diplotypes,
                lab.activity_score,
                lab.phenotype,
                lab.lookup_keys,
                (*lab.notes, f"The lab call replaces the VCF call ({from_vcf})."),
                lab.phenoconversion,
            )
        results[gene] = lab
    interpretation = interpret(results, meds=meds, drugs=drugs, include_dpwg=include_dpwg)
    builds = {call.build for call in calls.values()}
    warnings = tuple(outside_calls.warnings) if outside_calls else ()
    if warnings:
        interpretation = Interpretation(
            interpretation.genes,
            interpretation.drugs,
            interpretation.medications,
            interpretation.knowledge_version,
            (*interpretation.notes, *warnings),
        )
    return SampleReport(
        sample_id=sample_id,
        interpretation=interpretation,
        calls=calls,
        build=builds.pop() if len(builds) == 1 else None,
        outside_genes=frozenset(outside),
    )


def iter_file_reports(
    path: str,
    *,
    samples: Sequence[str] | None = None,
    build: GenomeBuild | None = None,
    outside_calls: OutsideCalls | None = None,
    meds: Sequence[str] = (),
    drugs: Sequence[str] | None = None,
    include_dpwg: bool = False,
) -> Iterator[SampleReport]:
    """Reports for the samples of a VCF/BCF, one at a time; a bad file raises before the first."""
    for sample_id, calls in iter_file_calls(path, samples=samples, build=build):
        yield interpret_sample(
            sample_id,
            calls,
            outside_calls=outside_calls,
            meds=meds,
            drugs=drugs,
            include_dpwg=include_dpwg,
        )


def report_document(reports: Sequence[SampleReport]) -> dict[str, Any]:
    """The versioned JSON document: {"schema", "painpath_version", "knowledge", "samples"}."""
    samples = [report.to_json() for report in reports]
    knowledge: dict[str, Any] = {}
    for sample in samples:
        found = sample.pop("knowledge")
        if not knowledge:
            knowledge = {**found, "files": dict(found["files"])}
        else:
            knowledge["files"].update(found["files"])
    if knowledge:
        knowledge["files"] = dict(sorted(knowledge["files"].items()))
    return {
        "schema": SCHEMA_VERSION,
        "painpath_version": __version__,
        "knowledge": knowledge,
        "samples": samples,
    }
