"""Pharmacogenomics through painpath.pgx: the candidate medicines' CPIC advice for this
genotype, with phenoconversion by the current medicines (the engine's own inhibitor list).
Advice to avoid a drug excludes an option whose every guided ingredient is to be avoided; other
advice (dose changes, alternatives for some ingredients) becomes a caution quoting it."""

from __future__ import annotations

from painpath.care.context import PatientContext
from painpath.care.findings import Findings
from painpath.pgx.advice import Advice, interpret
from painpath.pgx.tables import known_drugs

_AVOID_TEMPLATES = ("_avoid", "oxicam_alternative")
_QUIET_TEMPLATES = frozenset(
    {
        "no_result",
        "no_recommendation",
        "nsaid_usual_start",
        "tca_usual_start",
        "opioid_label_dose",
        "opioid_no_gene_change",
        "receptor_gene_no_change",
        "dpwg_no_action",
    }
)


def _avoid(advice: Advice) -> bool:
    return any(t in advice.recommendation.template for t in _AVOID_TEMPLATES)


def apply(ctx: PatientContext, found: Findings) -> None:
    guided = set(known_drugs())
    by_candidate = {
        c.id: [i for i in c.therapy.ingredients if i in guided] for c in found.candidates.values()
    }
    drugs = sorted({i for names in by_candidate.values() for i in names})
    if not drugs:
        return
    if not ctx.request.genotype:
        for c in found.candidates.values():
            if by_candidate[c.id]:
                found.caution(c, "pgx_not_tested", names=", ".join(by_candidate[c.id]))
        return
    result = interpret(
        dict(ctx.request.genotype), meds=[m.ingredient for m in ctx.meds], drugs=drugs
    )
    for c in found.candidates.values():
        names = by_candidate[c.id]
        if not names:
            continue
        avoided = []
        for drug in names:
            for advice in result.drugs.get(drug, ()):
                template = advice.recommendation.template
                if template in _QUIET_TEMPLATES:
                    continue
                text = _text(drug, advice)
                if _avoid(advice):
                    avoided.append(drug)
                    if len(names) > 1:
                        found.caution(c, "pgx_adjust", text=text, cite=_cite(advice))
                else:
                    found.caution(c, "pgx_adjust", text=text, cite=_cite(advice))
        if avoided and set(avoided) >= set(names):
            for drug in dict.fromkeys(avoided):
                for advice in result.drugs.get(drug, ()):
                    if _avoid(advice):
                        found.exclude(c, "pgx_avoid", text=_text(drug, advice), cite=_cite(advice))
    for note in result.notes:
        if "not confirmed" in note:
            found.notes.append(note)


def _text(drug: str, advice: Advice) -> str:
    r = advice.recommendation
    via = (
        " (phenotype changed by a current medicine)"
        if advice.applied_via == "phenoconversion"
        else ""
    )
    phenotypes = ", ".join(
        f"{b.gene.value} {b.phenotype}" for b in advice.based_on if b.phenotype is not None
    )
    return f"{drug}: {r.recommendation} [{advice.strength_label}; {phenotypes}{via}]"


def _cite(advice: Advice) -> str:
    r = advice.recommendation
    return f"{r.guideline} ({r.citation}), {r.source} version {r.version}"
