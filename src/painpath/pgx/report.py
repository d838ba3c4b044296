"""One person's (or a cohort's) PGx result: matcher calls + lab calls + medicines → advice.

The report is the engine's last serializable stage. Its JSON shape is versioned by
`SCHEMA_VERSION` and carries no timestamps, so the same input always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from painpath import __version__
from painpath.kit.limits import DEFAULT_LIMITS, InputLimits
from painpath.pgx.actions import ACTION_OF
from painpath.pgx.advice import Interpretation, interpret
from painpath.pgx.build import GenomeBuild
from painpath.pgx.genes import Gene
from painpath.pgx.matcher import CYP2D6_NOTE, GeneCall, iter_calls
from painpath.pgx.outside_calls import OutsideCalls, gene_result
from painpath.pgx.phenoconversion import GeneResult
from painpath.pgx.vcf import VcfGenotypes, read_vcf

SCHEMA_VERSION = "painpath.pgx.report/1"

CYP2D6_FROM_VCF_NOTE = (
    f"{CYP2D6_NOTE}. Send a lab call (outside call) with copy number and hybrids for those."
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
        for drug, advices in self.interpretation.drugs.items():
            for advice, entry in zip(advices, body["drugs"][drug], strict=True):
                key = advice.recommendation.template
                entry["recommendation_key"] = key
                entry["action"] = ACTION_OF[key]
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
    # The matcher's CYP2D6 note is replaced by the report's, which says what to do about it.
    notes = [n for n in call.notes if n != CYP2D6_NOTE]
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
    vcf_results: Mapping[Gene | str, GeneResult] | None = None,
) -> SampleReport:
    """Phenotypes and advice for one sample; a lab call replaces the VCF call for its gene.

    `vcf_results`: the calls already turned into gene results (a cohort shares them).
    """
    results: dict[Gene | str, GeneResult] = (
        dict(vcf_results)
        if vcf_results is not None
        else {g: _vcf_result(c) for g, c in calls.items()}
    )
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


def iter_genotype_patterns(
    genotypes: VcfGenotypes,
    *,
    outside_calls: OutsideCalls | None = None,
    meds: Sequence[str] = (),
    drugs: Sequence[str] | None = None,
    include_dpwg: bool = False,
    sample_meds: Mapping[str, Sequence[str]] | None = None,
    shared: dict[Any, SampleReport] | None = None,
) -> Iterator[tuple[str, SampleReport]]:
    """(sample id, the report of its genotype pattern) for every sample, in file order.

    `shared`: reports of patterns interpreted by earlier calls with the same options (drugs,
    include_dpwg, no outside calls), keyed by the calls' values and the medicines; a
    population job passes one per worker so its blocks of samples do not interpret the same
    patterns again. Found reports are reused, new ones added.

    `sample_meds` gives some samples their own medicines (a cohort's prescriptions, for
    phenoconversion); the others take `meds`. A pattern is then genotype calls × medicines.

    The matcher shares one GeneCall object between samples with the same genotype pattern, so
    the interpretation is memoized on those objects' identities: a cohort costs about as much
    as its distinct patterns. Samples of one pattern get the same report object, which carries
    the id of the pattern's first sample; `iter_genotype_reports` gives each its own.
    """
    # The memo keeps each pattern's calls alive, so their ids cannot be reused meanwhile.
    memo: dict[tuple[Any, ...], tuple[Mapping[Gene, GeneCall], SampleReport]] = {}
    # Far fewer distinct calls per gene than patterns (100,000 samples: 45 CYP2D6 calls in
    # 5,409 patterns), so each call becomes a gene result once; the memo above keeps it alive.
    results: dict[int, GeneResult] = {}
    for sample_id, calls in iter_calls(genotypes):
        own = meds if sample_meds is None else sample_meds.get(sample_id, meds)
        key = (*(id(call) for call in calls.values()), tuple(own))
        found = memo.get(key)
        if found is None:
            value = (tuple(calls.items()), tuple(own)) if shared is not None else None
            report = shared.get(value) if shared is not None else None
            if report is None:
                for call in calls.values():
                    if id(call) not in results:
                        results[id(call)] = _vcf_result(call)
                report = interpret_sample(
                    sample_id,
                    calls,
                    outside_calls=outside_calls,
                    meds=own,
                    drugs=drugs,
                    include_dpwg=include_dpwg,
                    vcf_results={g: results[id(c)] for g, c in calls.items()},
                )
                if shared is not None:
                    shared[value] = report
            found = memo[key] = (calls, report)
        yield sample_id, found[1]


def iter_genotype_reports(
    genotypes: VcfGenotypes,
    *,
    outside_calls: OutsideCalls | None = None,
    meds: Sequence[str] = (),
    drugs: Sequence[str] | None = None,
    include_dpwg: bool = False,
) -> Iterator[SampleReport]:
    """Reports for every sample of genotypes already read, one at a time, in file order.

    Samples with the same genotype pattern share the `interpretation` object (see
    `iter_genotype_patterns`).
    """
    patterns = iter_genotype_patterns(
        genotypes, outside_calls=outside_calls, meds=meds, drugs=drugs, include_dpwg=include_dpwg
    )
    for sample_id, report in patterns:
        yield report if report.sample_id == sample_id else replace(report, sample_id=sample_id)


def iter_file_reports(
    path: str,
    *,
    samples: Sequence[str] | None = None,
    build: GenomeBuild | None = None,
    outside_calls: OutsideCalls | None = None,
    meds: Sequence[str] = (),
    drugs: Sequence[str] | None = None,
    include_dpwg: bool = False,
    limits: InputLimits = DEFAULT_LIMITS,
) -> Iterator[SampleReport]:
    """Reports for the samples of a VCF/BCF, one at a time (see `iter_genotype_reports`).

    The file is read when this is called, so a bad file raises VcfError (or LimitExceeded,
    past `limits`) before any report.
    """
    genotypes = read_vcf(path, samples, build, limits=limits)
    return iter_genotype_reports(
        genotypes,
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
