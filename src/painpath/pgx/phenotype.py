"""Diplotype -> allele functions -> activity score -> phenotype, by CPIC's rules.

CYP2D6 and CYP2C9: the activity score is the sum of the two allele values (a duplicated allele
counts its value times its copies) and the phenotype follows CPIC's score bands. CYP2C19: the
phenotype follows the pair of allele functions. An allele with uncertain or unknown function
makes the phenotype Indeterminate, and the notes say which allele and why. OPRM1 and COMT are
reported as genotypes. Sources: CPIC allele-function and phenotype tables (knowledge/phenotypes).

Every lookup is memoized on (gene, allele, allele) and returns an immutable value. The alleles
of a gene's table are resolved once, when the gene is first used (a few hundred entries, about a
millisecond), so a diplotype never seen before costs an addition and a band lookup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from painpath.pgx.genes import Gene, Phenotype, as_gene
from painpath.pgx.tables import gene_table

NOT_IN_TABLE = "Not in CPIC table"
_CNV = re.compile(r"^(\*\d+)(?:\.\d+|[A-Za-z])?x(≥)?(\d+|N)$")
_SUBALLELE = re.compile(r"^(\*\d+)(?:\.\d+|[A-Za-z])$")
_ABBREVIATIONS = {
    "UM": Phenotype.ULTRARAPID,
    "RM": Phenotype.RAPID,
    "NM": Phenotype.NORMAL,
    "IM": Phenotype.INTERMEDIATE,
    "PM": Phenotype.POOR,
    "LIKELY IM": Phenotype.LIKELY_INTERMEDIATE,
    "LIKELY PM": Phenotype.LIKELY_POOR,
}


@dataclass(frozen=True, slots=True)
class AlleleFunction:
    """One allele as CPIC classifies it; `cpic_allele` names the table entry used."""

    allele: str
    function: str
    activity_value: str | None  # "1.0", "≥3.0", "n/a"; None for genes without activity values
    cpic_allele: str | None


class DiplotypePhenotype(NamedTuple):
    """The interpretation of one diplotype (a named tuple: immutable and quick to build)."""

    gene: Gene
    diplotype: str
    allele_functions: tuple[AlleleFunction, AlleleFunction]
    activity_score: str | None  # "1.25", "≥4.0", "n/a"; None for genes without a score
    phenotype: str | None  # a Phenotype value; None for genotype-only genes (OPRM1, COMT)
    lookup_key: str  # the key CPIC advice is looked up with
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Resolved:
    function: AlleleFunction
    value: float | None
    at_least: bool
    notes: tuple[str, ...]


def format_score(value: float, at_least: bool = False) -> str:
    """An activity score in CPIC's spelling: "1.0", "0.25", "≥4.0"."""
    return ("≥" if at_least else "") + repr(float(value))


def parse_score(text: str) -> tuple[float, bool]:
    """A CPIC activity-score string as (value, at least); raises ValueError when not a number."""
    text = text.strip().replace(">=", "≥")
    value = float(text.lstrip("≥"))
    if value < 0 or value != value:
        raise ValueError(f"not an activity score: {text!r}")
    return value, text.startswith("≥")


def normalize_phenotype(text: str) -> Phenotype:
    """A phenotype as labs write it ("Poor Metabolizer", "poor metaboliser", "PM")."""
    cleaned = " ".join(text.replace("metaboliser", "metabolizer").split()).upper()
    if cleaned in _ABBREVIATIONS:
        return _ABBREVIATIONS[cleaned]
    for phenotype in Phenotype:
        if phenotype.upper() == cleaned:
            return phenotype
    raise ValueError(f"unknown phenotype {text!r}")


#: gene -> its score bands with the phenotypes as enum members (filled with the table).
_BANDS: dict[Gene | str, tuple[tuple[Phenotype, float | None, bool], ...]] = {}


def phenotype_for_score(gene: Gene | str, value: float) -> Phenotype:
    """CPIC phenotype for an activity score (knowledge/phenotypes/<gene>.json bands)."""
    bands = _BANDS.get(gene)
    if bands is None:
        bands = _BANDS[gene] = tuple((Phenotype(p), u, i) for p, u, i in gene_table(gene).bands)
    for phenotype, upper, included in bands:
        if upper is None or value < upper or (included and value == upper):
            return phenotype
    raise ValueError(f"{gene} has no activity-score bands")


_KEYS: dict[str, frozenset[str]] = {}


def _all_keys(gene: Gene | str) -> frozenset[str]:
    """Every CPIC lookup key of a gene (filled with its table; not a lookup memo)."""
    found = _KEYS.get(gene)
    if found is None:
        keys = gene_table(gene).phenotype_keys.values()
        found = _KEYS[gene] = frozenset(key for group in keys for key in group)
    return found


@cache
def lookup_key(gene: Gene | str, score: str) -> str:
    """The CPIC advice key for an activity score.

    A score that is itself a CPIC key is used as is. Another score (after phenoconversion, or a
    copy number CPIC's table does not list) uses the nearest key of the same phenotype, the
    lower one on a tie: a painpath convention so that advice always follows the phenotype.
    """
    if score == "n/a" or score in _all_keys(gene):
        return score
    table = gene_table(gene)
    value, _ = parse_score(score)
    keys = table.phenotype_keys[phenotype_for_score(gene, value)]
    if score in keys:
        return score
    return min(keys, key=lambda k: (abs(parse_score(k)[0] - value), parse_score(k)[0]))


def _clean(gene: Gene, allele: str) -> str:
    name = allele.strip().replace(">=", "≥").replace("[", "").replace("]", "")
    name = re.sub(rf"(?i)\b{gene.value}(?=\*)", "", name)
    return re.sub(r"\s*\+\s*", "+", name).replace("X", "x")


def _from_table(gene: Gene, name: str, shown: str, notes: tuple[str, ...] = ()) -> _Resolved:
    entry = gene_table(gene).alleles[name]
    value_text = entry.activity_value
    value: float | None = None
    at_least = False
    if value_text not in (None, "n/a"):
        value, at_least = parse_score(value_text)
    return _Resolved(
        AlleleFunction(shown, entry.function, value_text, name), value, at_least, notes
    )


def _unknown(gene: Gene, shown: str, why: str) -> _Resolved:
    table = gene_table(gene)
    value_text = "n/a" if table.rule == "activity_score" else None
    return _Resolved(AlleleFunction(shown, NOT_IN_TABLE, value_text, None), None, False, (why,))


@cache
def _resolve(gene: Gene, allele: str) -> _Resolved:
    table = gene_table(gene)
    name = _clean(gene, allele)
    if name in table.alleles:
        return _from_table(gene, name, name)
    if "+" in name and table.rule == "activity_score":
        parts = [_resolve(gene, part) for part in name.split("+")]
        values = [p.value for p in parts]
        total = None if None in values else sum(v for v in values if v is not None)
        at_least = any(p.at_least for p in parts) and bool(total)
        value_text = "n/a" if total is None else format_score(total, at_least)
        joined = " + ".join(p.function.function for p in parts)
        notes = (
            *(n for p in parts for n in p.notes),
            f"{name}: tandem arrangement; the activity values of its parts are added.",
        )
        return _Resolved(AlleleFunction(name, joined, value_text, None), total, at_least, notes)
    if (cnv := _CNV.match(name)) and table.rule == "activity_score":
        base, at_least, copies = cnv[1], bool(cnv[2]), cnv[3]
        if copies == "N" or int(copies) < 2:
            return _unknown(gene, name, f"{name}: the copy number is not stated, so no value.")
        n = int(copies)
        if base in table.alleles and _from_table(gene, base, base).value == 0.0:
            note = f"{name}: {base} has no function, so any number of copies adds nothing."
            return _Resolved(
                AlleleFunction(name, table.alleles[base].function, "0.0", base), 0.0, False, (note,)
            )
        if n >= 3 and f"{base}x≥3" in table.alleles and base in table.alleles:
            got = _from_table(gene, f"{base}x≥3", name)
            base_value = _from_table(gene, base, base).value
            if base_value is None:
                return got
            note = f"{name}: CPIC lists {base}x≥3; its value is counted as {base} × {n}."
            if at_least:
                note += " '≥' is kept: the true copy number may be higher."
            value = base_value * n
            shown = AlleleFunction(
                name, got.function.function, format_score(value, at_least), got.function.cpic_allele
            )
            return _Resolved(shown, value, at_least and value > 0, (note,))
        return _unknown(
            gene,
            name,
            f"{name}: CPIC assigns a function only to specific copy-number alleles and has none"
            f" for {base} with {n}{' or more' if at_least else ''} copies, so no value.",
        )
    if (sub := _SUBALLELE.match(name)) and sub[1] in table.alleles:
        return _from_table(gene, sub[1], name, (f"{name} read as {sub[1]} (same core allele).",))
    return _unknown(
        gene,
        name,
        f"{name} is not in CPIC's {gene} allele table (data version {table.version}), so its"
        " function is unknown.",
    )


def allele_function(gene: Gene | str, allele: str) -> AlleleFunction:
    """CPIC function (and activity value) of one allele, copy-number and tandem forms included."""
    return _resolve(Gene(gene), allele).function


def _order(name: str) -> tuple[int, str]:
    found = re.match(r"\*(\d+)", name)
    return (int(found[1]) if found else 10**6, name)


@dataclass(frozen=True, slots=True)
class _Ranked:
    """An allele resolved, with its sort rank and why it alone would make a call Indeterminate."""

    resolved: _Resolved
    rank: tuple[int, str]
    reason: str


def _reason(rule: str, p: _Resolved) -> str:
    f = p.function
    if NOT_IN_TABLE in f.function:
        return f"{f.allele} has no CPIC function"
    if p.value is None and rule == "activity_score":
        return f"{f.allele} has {f.function.lower()} (no CPIC activity value)"
    return f"{f.allele} has {f.function.lower()}"


def _rank(gene: Gene, resolved: _Resolved) -> _Ranked:
    rule = gene_table(gene).rule
    return _Ranked(resolved, _order(resolved.function.allele), _reason(rule, resolved))


#: gene -> {table allele name: _Ranked}; part of loading the table, so it is filled once per
#: process and never emptied with the lookup memos.
_TABLE_ALLELES: dict[Gene, Mapping[str, _Ranked]] = {}


def _ranked(gene: Gene, allele: str) -> _Ranked:
    """An allele from the table index, else resolved from its name (copy number, sub-allele…)."""
    index = _TABLE_ALLELES.get(gene)
    if index is None:
        names = gene_table(gene).alleles
        index = _TABLE_ALLELES[gene] = {n: _rank(gene, _from_table(gene, n, n)) for n in names}
    known = index.get(allele)
    return known if known is not None else _rank(gene, _resolve(gene, allele))


def _indeterminate_because(reasons: tuple[str, ...]) -> str:
    return f"Indeterminate because {' and '.join(dict.fromkeys(reasons))}."


def _genotype(gene: Gene, first: str, second: str) -> DiplotypePhenotype:
    table = gene_table(gene)
    alleles = []
    for raw in (first, second):
        key = raw.strip().upper().replace(f"{table.variant['rsid'].upper()}", "").strip(" :_-")
        key = table.aliases.get(key, key)
        if key not in table.alleles:
            raise ValueError(f"{raw!r} is not an allele of {gene} {table.variant['rsid']}")
        alleles.append(key)
    ordered = sorted(alleles, key=list(table.alleles).index)
    functions = tuple(AlleleFunction(a, table.alleles[a].function, None, a) for a in ordered)
    genotype = "/".join(ordered)
    v = table.variant
    notes = (
        f"{gene} {v['rsid']} ({v['legacy']}, {v['change']}, {v['protein']}): {genotype}.",
        f"CPIC (2021) makes no prescribing recommendation based on {gene} genotype.",
    )
    return DiplotypePhenotype(
        gene, genotype, (functions[0], functions[1]), None, None, genotype, notes
    )


@cache
def diplotype_phenotype(gene: Gene | str, first: str, second: str) -> DiplotypePhenotype:
    """Interpret one diplotype, e.g. ("CYP2D6", "*1", "*4") -> AS 1.0, Intermediate Metabolizer."""
    gene = as_gene(gene)
    table = gene_table(gene)
    if table.rule == "genotype":
        return _genotype(gene, first, second)
    one, two = _ranked(gene, first), _ranked(gene, second)
    ranked = (one, two) if one.rank <= two.rank else (two, one)
    parts = (ranked[0].resolved, ranked[1].resolved)
    functions = (parts[0].function, parts[1].function)
    diplotype = f"{functions[0].allele}/{functions[1].allele}"
    notes = parts[0].notes + parts[1].notes
    if parts[0].notes and parts[1].notes:
        notes = tuple(dict.fromkeys(notes))
    if table.rule == "activity_score":
        if parts[0].value is None or parts[1].value is None:
            why = _indeterminate_because(
                tuple(r.reason for r in ranked if r.resolved.value is None)
            )
            indeterminate = Phenotype.INDETERMINATE.value
            return DiplotypePhenotype(
                gene, diplotype, functions, "n/a", indeterminate, "n/a", (*notes, why)
            )
        value = parts[0].value + parts[1].value
        at_least = (parts[0].at_least or parts[1].at_least) and value > 0
        score = format_score(value, at_least)
        if at_least:
            notes += (f"Activity score {score}: at least {value}, counted as {value}.",)
        phenotype = phenotype_for_score(gene, value).value
        key = lookup_key(gene, score)
        if key != score:
            notes += (f"Advice is looked up at {key}, the nearest CPIC key with this phenotype.",)
        return DiplotypePhenotype(gene, diplotype, functions, score, phenotype, key, notes)
    pair = tuple(sorted(f.function for f in functions))
    found = table.function_pairs.get((pair[0], pair[1]))
    if found is None:
        unclear = tuple(
            r.reason
            for r in ranked
            if r.resolved.function.function in table.no_value_functions
            or r.resolved.function.function == NOT_IN_TABLE
        )
        why = _indeterminate_because(unclear or tuple(r.reason for r in ranked))
        return DiplotypePhenotype(
            gene,
            diplotype,
            functions,
            None,
            Phenotype.INDETERMINATE.value,
            Phenotype.INDETERMINATE.value,
            (*notes, why),
        )
    return DiplotypePhenotype(gene, diplotype, functions, None, found, found, notes)


def split_diplotype(text: str) -> tuple[str, str]:
    """'*1/*4', 'CYP2D6*3/CYP2D6*4', '*13 + *1/*36 + *10x2', 'A/G' -> the two allele names."""
    halves = text.strip().split("/")
    if len(halves) != 2 or not all(h.strip() for h in halves):
        raise ValueError(f"a diplotype is two alleles separated by '/': {text!r}")
    return halves[0].strip(), halves[1].strip()
