"""Issue 9, finding 2: every alternative painpath offers is safe for the same patient.

Walks every drug whose guidance names alternatives, for every combination of CPIC lookup keys
of its genes (each genotype row, "n/a" and "No Result") and again after each kind of
phenoconversion painpath applies, with CPIC advice alone and with DPWG advice too. For each
piece of advice, every offered alternative is run through the same patient's advice,
independently of the engine's own check: it must not be "avoid", and a dose change, a
watch-and-switch or an untested gene in its own advice must be stated with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import product

import pytest

from painpath.pgx.actions import ACTION_OF
from painpath.pgx.advice import Advice, advise, drug_advice
from painpath.pgx.alternatives import check_alternative
from painpath.pgx.genes import ACTIVITY_SCORE_GENES, Gene, Phenotype
from painpath.pgx.phenoconversion import GeneResult, phenoconvert, review_medications
from painpath.pgx.phenotype import parse_score, phenotype_for_score
from painpath.pgx.tables import (
    alternative_profiles,
    gene_table,
    guidance_for,
    inhibitor_knowledge,
    known_drugs,
    template_alternatives,
)

NO_RESULT = Phenotype.NO_RESULT.value


def _named_alternatives(drug: str) -> set[str]:
    return {
        alternative
        for source in ("CPIC", "DPWG")
        for guidance in guidance_for(drug, source)
        for rule in guidance.rules
        for alternative in template_alternatives(rule.recommendation, drug)
    }


DRUGS_WITH_ALTERNATIVES = [d for d in known_drugs() if _named_alternatives(d)]


def _genes(drug: str) -> list[Gene]:
    """The drug's genes and those its alternatives' own guidance uses."""
    drugs = {drug}
    for alternative in _named_alternatives(drug):
        checked_with = alternative_profiles()[alternative].checked_with
        if checked_with:
            drugs.add(checked_with)
    genes = {
        g for d in drugs for s in ("CPIC", "DPWG") for gd in guidance_for(d, s) for g in gd.genes
    }
    return sorted(genes, key=list(Gene).index)


def _result(gene: Gene, key: str) -> GeneResult:
    """A lab-reported result whose CPIC lookup key is `key`."""
    if key == NO_RESULT:
        return GeneResult.not_tested(gene)
    if gene not in ACTIVITY_SCORE_GENES:
        return GeneResult(gene, "reported phenotype", (), None, key, (key,))
    if key == "n/a":
        return GeneResult(gene, "reported phenotype", (), None, "Indeterminate", (key,))
    phenotype = phenotype_for_score(gene, parse_score(key)[0]).value
    return GeneResult(gene, "outside call", (), key, phenotype, (key,))


def _conversions() -> list[tuple[str, ...]]:
    """One medicine per distinct set of applied (gene, strength) effects, plus none."""
    known, _, _ = inhibitor_knowledge()
    by_effect: dict[frozenset[tuple[Gene, str]], str] = {}
    for medicine, entries in sorted(known.items()):
        effect = frozenset(
            (e.gene, e.strength) for e in entries if e.confirmed and e.strength != "weak"
        )
        if effect:
            by_effect.setdefault(effect, medicine)
    return [(), *((m,) for m in by_effect.values())]


def _patients(drug: str) -> Iterator[tuple[str, dict[Gene, GeneResult]]]:
    genes = _genes(drug)
    universes = [
        [*(k for keys in gene_table(g).phenotype_keys.values() for k in keys), NO_RESULT]
        for g in genes
    ]
    for meds in _conversions():
        review = review_medications(meds)
        for combo in product(*universes):
            results = {
                g: phenoconvert(_result(g, k), review) for g, k in zip(genes, combo, strict=True)
            }
            yield f"{'+'.join(meds) or 'genotype'} {dict(zip(genes, combo, strict=True))}", results


def _assert_safe(advice: Advice, results: Mapping[Gene, GeneResult], dpwg: bool, who: str) -> int:
    checks = {c.drug: c for c in advice.alternative_checks}
    assert set(checks) == set(advice.recommendation.candidate_alternatives), who
    offered_count = 0
    for name, check in checks.items():
        profile = alternative_profiles()[name]
        offered_count += check.offered
        if profile.checked_with is None:
            assert check.offered, who
            for gene in profile.depends_on:
                assert gene.value in str(check.note), (who, name)
            continue
        own = drug_advice(profile.checked_with, results, include_dpwg=dpwg)
        actions = {ACTION_OF[a.recommendation.template] for a in own}
        if not check.offered:
            assert "avoid" in actions, (who, name)
            assert name not in advice.alternatives, (who, name)
            assert name not in advice.recommendation.recommendation, (who, name)
            continue
        assert name in advice.alternatives, (who, name)
        assert "avoid" not in actions, (who, name, check)
        for own_advice in own:
            if ACTION_OF[own_advice.recommendation.template] in (
                "adjust_dose",
                "monitor",
                "no_result",
            ):
                text = own_advice.recommendation.recommendation.replace(profile.checked_with, name)
                assert text in str(check.note), (who, name, text)
    return offered_count


@pytest.mark.parametrize("dpwg", [False, True], ids=["CPIC", "CPIC+DPWG"])
@pytest.mark.parametrize("drug", DRUGS_WITH_ALTERNATIVES)
def test_finding_2_every_alternative_is_safe_for_the_same_patient(drug: str, dpwg: bool) -> None:
    """Every offered alternative, for every genotype row and phenoconverted phenotype, is not
    one the same patient's advice says to avoid, and carries its own dose advice.

    Sources: CPIC tricyclic guideline 2016 update (Hicks et al., Clin Pharmacol Ther
    2017;102:37-44), Table 2 (nortriptyline: avoid at CYP2D6 activity score 0, 25 % lower start
    for intermediate metabolizers; the CYP2D6 advice may be applied to other tricyclics); CPIC
    NSAID guideline (Theken et al., Clin Pharmacol Ther 2020;108:191-200), Table 2 (CYP2C9-based
    dosing of each NSAID offered instead of another); CPIC opioid guideline 2021 (Crews et al.).
    """
    patients = named = offered = 0
    for who, results in _patients(drug):
        patients += 1
        for advice in drug_advice(drug, results, include_dpwg=dpwg):
            named += len(advice.recommendation.candidate_alternatives)
            offered += _assert_safe(advice, results, dpwg, who)
    assert patients > len(_conversions())  # the walk really ran over many key combinations
    assert offered > 0 or named == 0  # alternatives were offered and checked, where named


def test_finding_2_an_alternative_the_patient_must_avoid_is_left_out_with_the_reason() -> None:
    """Nortriptyline for a CYP2D6 poor metabolizer is left out, saying why.

    Source: CPIC tricyclic guideline 2016 update (Hicks et al. 2017), Table 2, nortriptyline,
    CYP2D6 activity score 0 (Strong: avoid tricyclic use).
    """
    own = advise("nortriptyline", {"CYP2D6": "0.0"})
    check = check_alternative(alternative_profiles()["nortriptyline"], own)
    assert check.status == "left_out"
    assert check.note is not None
    assert check.note.startswith("nortriptyline is not offered")
    assert "Avoid nortriptyline" in check.note
    assert "CPIC Strong" in check.note
    desipramine = advise("nortriptyline", {"CYP2D6": "0.0"})
    extrapolated = check_alternative(alternative_profiles()["desipramine"], desipramine)
    assert extrapolated.status == "left_out"
    assert "applied to desipramine" in str(extrapolated.note)


def test_every_named_alternative_is_described_and_checkable() -> None:
    """Each alternative a template names is a drug id with a profile; its guidance exists.

    Source: knowledge/alternatives.json (bases per entry: CPIC tricyclic 2016, NSAID 2020,
    opioid 2021 and SSRI 2023 guidelines).
    """
    named = {a for d in known_drugs() for a in _named_alternatives(d)}
    profiles = alternative_profiles()
    assert named <= set(profiles)
    for profile in profiles.values():
        assert profile.basis
        if profile.checked_with is not None:
            assert profile.checked_with in known_drugs(), profile
        assert not (profile.checked_with and profile.depends_on), profile
