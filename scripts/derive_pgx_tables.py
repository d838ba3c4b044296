#!/usr/bin/env python3
"""Derive painpath's pharmacogenomics knowledge files from the CPIC facts in the reference copy.

Reads PharmCAT's copies of the CPIC allele-function/phenotype tables and the CPIC (and, optionally
used, DPWG) recommendation rows from ../shared/reference/pgx (see its SOURCES.md) and writes, under
src/painpath/pgx/knowledge/:

  phenotypes/<GENE>.json   allele -> function and activity value, and the phenotype *rules*
                           (activity-score bands; CYP2C19 function pairs). The rules are stated
                           here and checked against every diplotype row before anything is written.
  guidance/cpic/*.json     per drug: the CPIC lookup keys compressed into rules, each pointing at a
                           painpath template (guidance/templates.json, hand-written prose) and
                           carrying CPIC's strength. No CPIC prose is copied.
  guidance/dpwg/*.json     the same for the DPWG annotations (share-alike; off by default).
  manifest.json            knowledge version and per-file source metadata.

    python scripts/derive_pgx_tables.py            # write the package files
    python scripts/derive_pgx_tables.py --check    # exit 1 if a committed file is stale
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import defaultdict
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared/reference/pgx/pharmcat"
OUTPUT = REPO / "src/painpath/pgx/knowledge"
RETRIEVED = "2026-11-25"  # when the reference copy was taken; constant so re-runs are identical
KNOWLEDGE_VERSION = "2026.12.06"
CPIC_LICENCE = "CC0 1.0 (CPIC content, per cpicpgx/cpic-data LICENSE.md); CPIC asks for attribution"
DPWG_LICENCE = (
    "ClinPGx/PharmGKB annotation of DPWG guidance: ClinPGx data-usage policy (CC BY-SA 4.0 as "
    "published, not re-checked). painpath ships only its own paraphrase and the phenotype mapping; "
    "DPWG advice is off by default until the licence is confirmed."
)
PHARMCAT_HEAD = "PharmGKB/PharmCAT HEAD 5431bf11 (2025-11-19)"
PHARMCAT_GUIDELINES = "PharmGKB/PharmCAT parent of 7390fa18 (2023-07-06), reporter/guidelines"

GUIDELINES: dict[str, dict[str, str]] = {
    "opioids": {
        "name": "CPIC Guideline for CYP2D6, OPRM1, and COMT Genotypes and Select Opioid Therapy",
        "citation": "Crews KR, Monte AA, Huddart R, et al. Clin Pharmacol Ther."
        " 2021;110(4):888-896. PMID 33387367",
        "url": "https://cpicpgx.org/guidelines/guideline-for-codeine-and-cyp2d6/",
    },
    "nsaids": {
        "name": "CPIC Guideline for CYP2C9 and Nonsteroidal Anti-Inflammatory Drugs",
        "citation": "Theken KN, Lee CR, Gong L, et al. Clin Pharmacol Ther. 2020;108(2):191-200."
        " PMID 32189324",
        "url": "https://cpicpgx.org/guidelines/cpic-guideline-for-nsaids-based-on-cyp2c9-genotype/",
    },
    "tcas": {
        "name": "CPIC Guideline for CYP2D6 and CYP2C19 Genotypes and Dosing of Tricyclic"
        " Antidepressants: 2016 Update",
        "citation": "Hicks JK, Sangkuhl K, Swen JJ, et al. Clin Pharmacol Ther. 2017;102(1):37-44."
        " PMID 27997040",
        "url": "https://cpicpgx.org/guidelines/guideline-for-tricyclic-antidepressants-and-cyp2d6-"
        "and-cyp2c19/",
    },
    "dpwg_opioids": {
        "name": "DPWG guideline for the gene-drug interaction between CYP2D6 and opioids",
        "citation": "Matic M, Nijenhuis M, Soree B, et al. Eur J Hum Genet. 2022;30(10):1105-1113."
        " PMID 34267337",
        "url": "https://www.pharmgkb.org/guidelineAnnotation/PA166104970",
    },
    "dpwg_tcas": {
        "name": "DPWG guideline for CYP2D6 and tricyclic antidepressants",
        "citation": "Swen JJ, Nijenhuis M, de Boer A, et al. Clin Pharmacol Ther."
        " 2011;89(5):662-673. PMID 21412232",
        "url": "https://www.pharmgkb.org/guidelineAnnotation/PA166104982",
    },
}
FAMILY = {"codeine": "opioids", "tramadol": "opioids", "hydrocodone": "opioids"}
FAMILY |= {d: "tcas" for d in ("amitriptyline", "nortriptyline")}
FAMILY |= {
    d: "nsaids"
    for d in ("celecoxib", "flurbiprofen", "ibuprofen", "lornoxicam", "meloxicam", "piroxicam")
}
FAMILY["tenoxicam"] = "nsaids"
OTHER_OPIOIDS = [
    "morphine",
    "hydromorphone",
    "oxymorphone",
    "fentanyl",
    "methadone",
    "tapentadol",
    "buprenorphine",
]
ALL_OPIOIDS = sorted(["codeine", "tramadol", "hydrocodone", "oxycodone", *OTHER_OPIOIDS])

# Activity score -> phenotype, as (phenotype, upper bound, upper bound included). CYP2D6 is CPIC's
# stated rule (PM 0; IM 0 < AS < 1.25; NM 1.25-2.25; UM > 2.25). CPIC lists CYP2C9 only at its
# table values (PM 0-0.5, IM 1.0-1.5, NM 2.0); painpath puts a value between them (after
# phenoconversion, e.g. 0.75) in the lower phenotype: a convention, stated in the file.
AS_BANDS: dict[str, list[tuple[str, float | None, bool]]] = {
    "CYP2D6": [
        ("Poor Metabolizer", 0.0, True),
        ("Intermediate Metabolizer", 1.25, False),
        ("Normal Metabolizer", 2.25, True),
        ("Ultrarapid Metabolizer", None, True),
    ],
    "CYP2C9": [
        ("Poor Metabolizer", 1.0, False),
        ("Intermediate Metabolizer", 2.0, False),
        ("Normal Metabolizer", None, True),
    ],
}
BAND_SOURCE = {
    "CYP2D6": "CPIC CYP2D6 activity score to phenotype: PM 0, IM 0 < AS < 1.25, NM 1.25 to 2.25,"
    " UM > 2.25 (CPIC 2019 standardization, Caudle et al. 2020, PMID 31647186)",
    "CYP2C9": "CPIC CYP2C9: PM AS 0 or 0.5, IM 1.0 or 1.5, NM 2.0 (Theken et al. 2020); values"
    " in between (only after phenoconversion) go to the lower phenotype: painpath convention",
}
NO_VALUE_FUNCTIONS = ["Uncertain function", "Unknown function"]


def number(key: str) -> float:
    """A CPIC activity-score key as a number; '≥3.0' counts as its lower bound."""
    return float(key.lstrip("≥"))


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def band_phenotype(gene: str, score: float) -> str:
    for phenotype, high, inclusive in AS_BANDS[gene]:
        if high is None or score < high or (inclusive and score == high):
            return phenotype
    raise AssertionError(score)


def function_pair_rules(table: dict[str, Any]) -> list[dict[str, Any]]:
    """CYP2C19: the phenotype as a function of the two allele functions, checked for consistency."""
    function = {a["name"]: a["functionValue"] for a in table["namedAlleles"]}
    seen: dict[tuple[str, ...], str] = {}
    for row in table["diplotypes"]:
        alleles = [k for k, n in row["diplotypekey"].items() for _ in range(n)]
        pair = tuple(sorted(function[a] for a in alleles))
        if seen.setdefault(pair, row["phenotype"]) != row["phenotype"]:
            raise SystemExit(f"CYP2C19 function pair {pair} maps to two phenotypes")
    rules = [{"functions": list(p), "phenotype": ph} for p, ph in sorted(seen.items())]
    return [r for r in rules if not set(r["functions"]) & set(NO_VALUE_FUNCTIONS)]


def phenotype_file(gene: str) -> dict[str, Any]:
    table = load(REFERENCE / f"phenotypes/{gene}.json")
    alleles: dict[str, dict[str, str | None]] = {}
    for a in table["namedAlleles"]:
        alleles[a["name"]] = {"function": a["functionValue"], "activity_value": a["activityValue"]}
    keys: dict[str, set[str]] = defaultdict(set)
    for row in table["diplotypes"]:
        keys[row["phenotype"]].add(row["lookupkey"])
        checked = gene in AS_BANDS and row["lookupkey"] != "n/a"  # the stated bands, every row
        if checked and band_phenotype(gene, number(row["activityScore"])) != row["phenotype"]:
            raise SystemExit(f"{gene} {row['diplotype']}: band rule disagrees with CPIC")
    where = (
        "phenotype/cpic/CYP2D6.json at commit c8100ec8 (2024-08-27)"
        if gene == "CYP2D6"
        else f"phenotype/{gene}.json at HEAD 5431bf11 (2025-11-19)"
    )
    out: dict[str, Any] = {
        "gene": gene,
        "source": "CPIC allele functionality and diplotype-phenotype tables, via PharmGKB/PharmCAT"
        f" src/main/resources/org/pharmgkb/pharmcat/{where}",
        "version": table["version"],
        "retrieved": RETRIEVED,
        "licence": CPIC_LICENCE,
        "derived_by": "scripts/derive_pgx_tables.py",
        "no_value_functions": NO_VALUE_FUNCTIONS,
        "alleles": alleles,
        "phenotype_keys": {ph: sorted(k, key=sort_key) for ph, k in sorted(keys.items())},
    }
    if gene in AS_BANDS:
        out["rule"] = "activity_score"
        out["bands"] = [
            {"phenotype": p, "upper": hi, "upper_included": inc} for p, hi, inc in AS_BANDS[gene]
        ]
        out["bands_source"] = BAND_SOURCE[gene]
    else:
        out["rule"] = "function_pair"
        out["function_pairs"] = function_pair_rules(table)
    return out


def sort_key(key: str) -> tuple[int, float, str]:
    try:
        return (0, number(key), key)
    except ValueError:
        return (1, 0.0, key)


# Hand-written knowledge files (painpath's own prose, the inhibitor and alternatives lists): not
# derived here, but listed in the manifest with their checksums.
HAND_WRITTEN = ("guidance/templates.json", "inhibitors.json", "alternatives.json")

GENOTYPE_GENES = {
    "OPRM1": {
        "variant": {
            "rsid": "rs1799971",
            "change": "c.118A>G",
            "protein": "p.Asn40Asp",
            "legacy": "A118G",
        },
        "alleles": {"A": "118A (Asn40), reference", "G": "118G (Asp40), variant"},
        "aliases": {
            "118A": "A",
            "A118": "A",
            "ASN40": "A",
            "N40": "A",
            "ASN": "A",
            "118G": "G",
            "G118": "G",
            "ASP40": "G",
            "D40": "G",
            "ASP": "G",
        },
    },
    "COMT": {
        "variant": {
            "rsid": "rs4680",
            "change": "c.472G>A",
            "protein": "p.Val158Met",
            "legacy": "Val158Met",
        },
        "alleles": {"G": "472G (Val158), reference", "A": "472A (Met158), variant"},
        "aliases": {
            "472G": "G",
            "VAL158": "G",
            "V158": "G",
            "VAL": "G",
            "472A": "A",
            "MET158": "A",
            "M158": "A",
            "MET": "A",
        },
    },
}


def genotype_file(gene: str) -> dict[str, Any]:
    facts = GENOTYPE_GENES[gene]
    return {
        "gene": gene,
        "source": "Variant facts: dbSNP/NCBI; clinical use: CPIC opioid guideline 2021 (Crews et"
        " al., PMID 33387367), which makes no prescribing recommendation for this gene.",
        "version": "CPIC 2021",
        "retrieved": RETRIEVED,
        "licence": CPIC_LICENCE,
        "derived_by": "scripts/derive_pgx_tables.py",
        "rule": "genotype",
        **facts,
    }


#: CYP2D6 keys of a poor metabolizer. For amitriptyline CPIC says "avoid" for them (Hicks et al.
#: 2017, Table 2: avoid tricyclics, consider a drug not metabolized by CYP2D6), and CPIC's own
#: nortriptyline row for activity score 0 is a strong "avoid": so the template for these rows
#: names no tricyclic as an alternative (issue 9, finding 1).
CYP2D6_POOR_KEYS = frozenset({"0.0", "0"})


def recommendation_template(drug: str, text: str, keys: dict[str, str]) -> str:
    """Map one CPIC recommendation row (its text and lookup keys) to the painpath template that
    states its gist."""
    t = " ".join(text.lower().split())
    if t.startswith("no recommendation for hydrocodone"):
        return "hydrocodone_um_no_recommendation"
    if t.startswith("no recommendation"):
        return "no_recommendation"
    family = FAMILY[drug]
    if family == "opioids":
        if "toxicity" in t:
            return "opioid_prodrug_um_avoid"
        if "diminished analgesia" in t:
            return "opioid_prodrug_pm_avoid"
        if "if no response" in t:
            return (
                "hydrocodone_reduced_watch" if drug == "hydrocodone" else "opioid_prodrug_im_watch"
            )
        if "label recommended" in t:
            return "opioid_label_dose"
    elif family == "nsaids":
        for snippet, template in (
            ("25-50% of the lowest", "nsaid_quarter_to_half"),
            ("50% of the lowest", "meloxicam_half"),
            ("choose an alternative therapy", "oxicam_alternative"),
            ("lowest recommended starting dose", "nsaid_lowest_start"),
            ("initiate therapy with recommended starting dose", "nsaid_usual_start"),
        ):
            if snippet in t:
                return template
    else:
        strongly = "strongly recommended" in t
        if t.startswith("initiate therapy with recommended starting dose"):
            return "tca_usual_start"
        if "avoid tricyclic use due to potential for side effects" in t:
            return "tca_d6_pm_avoid"
        if "avoid tricyclic use due to potential lack of efficacy" in t:
            return "tca_d6_um_avoid"
        if t.startswith("consider a 25% reduction"):
            return "ami_reduce_quarter_tdm" if strongly else "tca_reduce_quarter"
        if t.startswith("avoid tertiary amine"):
            return "ami_c19_pm_prefer_secondary" if "50%" in t else "ami_c19_um_prefer_secondary"
        if t.startswith("consider alternative drug not metabolized by cyp2c19"):
            return "ami_c19_um_consider_other_tdm" if strongly else "ami_c19_um_consider_other"
        if t.startswith("avoid amitriptyline"):
            if "50%" in t and keys.get("CYP2D6") in CYP2D6_POOR_KEYS:
                return "ami_d6_pm_avoid_half_tdm" if strongly else "ami_d6_pm_avoid_half"
            if "50%" in t:
                return "ami_avoid_half_tdm" if strongly else "ami_avoid_half"
            return "ami_d6_um_avoid_higher" if "higher target dose" in t else "ami_avoid_tdm"
    raise SystemExit(f"{drug}: no painpath template for CPIC recommendation {text!r}")


IMPLICATION_WORDS = {  # (family, gene) -> ordered (snippet, template); first match wins
    ("opioids", "CYP2D6"): [
        ("minimal evidence", "hydrocodone_minimal_evidence"),
        ("decreased metabolism of hydrocodone", "hydrocodone_pm_uncertain"),
        ("normal hydromorphone", "hydrocodone_usual_active"),
        ("increased", "opioid_more_active"),
        ("greatly reduced", "opioid_much_less_active"),
        ("reduced", "opioid_less_active"),
        ("expected", "opioid_usual_active"),
    ],
    ("nsaids", "CYP2C9"): [
        ("significantly reduced", "nsaid_much_slower"),
        ("moderately reduced", "nsaid_slower"),
        ("mildly reduced", "nsaid_mildly_slower"),
        ("normal", "nsaid_usual_clearance"),
    ],
    ("tcas", "CYP2D6"): [
        ("increased", "tca_cyp2d6_faster"),
        ("greatly reduced", "tca_cyp2d6_much_slower"),
        ("reduced", "tca_cyp2d6_slower"),
        ("normal", "tca_cyp2d6_usual"),
    ],
    ("tcas", "CYP2C19"): [
        ("increased", "tca_cyp2c19_faster"),
        ("greatly reduced", "tca_cyp2c19_much_slower"),
        ("reduced", "tca_cyp2c19_slower"),
        ("normal", "tca_cyp2c19_usual"),
    ],
}


def implication_template(drug: str, gene: str, text: str, key: str) -> str | None:
    """Map CPIC's implication for one gene; None when the gene was not tested."""
    if text == "n/a":
        if key == "No Result":
            return None
        return "not_assigned" if key in ("n/a", "Indeterminate") else "not_stated"
    for snippet, template in IMPLICATION_WORDS[(FAMILY[drug], gene)]:
        if snippet in text.lower():
            return template
    raise SystemExit(f"{drug}/{gene}: no painpath template for CPIC implication {text!r}")


def condition(keys: AbstractSet[str], scale: list[float]) -> dict[str, Any]:
    """Keys of one gene as a rule condition: named keys, plus numeric keys as (low, high] runs.

    `scale` is every numeric key the guideline uses for the gene, sorted; a run of consecutive
    scale values becomes the interval (value before the run, last value of the run], so a score
    between two CPIC keys (e.g. after phenoconversion) falls into the band above it.
    """
    named = sorted(k for k in keys if sort_key(k)[0] == 1)
    values = {number(k) for k in keys if sort_key(k)[0] == 0}
    intervals: list[list[float | None]] = []
    for i, v in enumerate(scale):
        if v not in values:
            continue
        low = scale[i - 1] if i else -1.0
        high = None if i == len(scale) - 1 else v
        if intervals and intervals[-1][1] == low:
            intervals[-1][1] = high
        else:
            intervals.append([low, high])
    out: dict[str, Any] = {}
    if named:
        out["keys"] = named
    if intervals:
        out["intervals"] = intervals
    return out


def compress(
    rows: list[tuple[dict[str, str], tuple[Any, ...]]], genes: list[str]
) -> list[dict[str, Any]]:
    """Group CPIC rows by outcome and express each group's keys as per-gene conditions."""
    scales = {g: sorted({number(k[g]) for k, _ in rows if sort_key(k[g])[0] == 0}) for g in genes}
    for gene, scale in scales.items():  # '3.0' and '≥3.0' share a number: outcomes must agree
        by_number: dict[tuple[float, tuple[tuple[str, str], ...]], set[Any]] = defaultdict(set)
        for k, outcome in rows:
            if sort_key(k[gene])[0] == 0:
                rest = tuple(sorted((g, v) for g, v in k.items() if g != gene))
                by_number[(number(k[gene]), rest)].add(outcome)
        if any(len(o) > 1 for o in by_number.values()):
            raise SystemExit(f"{gene}: keys with the same number have different advice")
        del scale
    groups: dict[tuple[Any, ...], list[dict[str, str]]] = defaultdict(list)
    for keys, outcome in rows:
        groups[outcome].append(keys)
    rules = []
    first, *others = genes
    for outcome, members in groups.items():
        # rows that agree on every gene but the first, grouped by the set of first-gene keys
        by_rest: dict[tuple[tuple[str, str], ...], set[str]] = defaultdict(set)
        for keys in members:
            by_rest[tuple((g, keys[g]) for g in others)].add(keys[first])
        merged: dict[frozenset[str], list[tuple[tuple[str, str], ...]]] = defaultdict(list)
        for rest, first_keys in by_rest.items():
            merged[frozenset(first_keys)].append(rest)
        for same_keys, rests in merged.items():
            when = {first: condition(same_keys, scales[first])}
            for i, gene in enumerate(others):
                when[gene] = condition({r[i][1] for r in rests}, scales[gene])
            strength, recommendation, implication = outcome
            rules.append(
                {
                    "when": when,
                    "strength": strength,
                    "recommendation": recommendation,
                    "implication": dict(implication),
                }
            )
    return sorted(rules, key=lambda r: json.dumps(r, sort_keys=True))


def cpic_guidance(drug: str) -> dict[str, Any]:
    data = load(REFERENCE / f"cpic_guidelines_2023/{drug}.json")
    genes = sorted(data["genes"], key=["CYP2D6", "CYP2C9", "CYP2C19"].index)
    rows = []
    for rec in data["recommendations"]:
        keys = rec["lookupkey"]
        implication = tuple(
            (g, t)
            for g in genes
            if (t := implication_template(drug, g, rec["implications"][g], keys[g])) is not None
        )
        outcome = (
            rec["classification"],
            recommendation_template(drug, rec["drugrecommendation"], keys),
            implication,
        )
        rows.append((keys, outcome))
    return guidance_file(
        [drug],
        genes,
        "CPIC",
        GUIDELINES[FAMILY[drug]],
        f"CPIC {data['cpicVersion']} ({PHARMCAT_GUIDELINES}/cpic/{drug}.json)",
        compress(rows, genes),
        CPIC_LICENCE,
    )


def guidance_file(
    drugs: list[str],
    genes: list[str],
    source: str,
    guideline: dict[str, str],
    version: str,
    rules: list[dict[str, Any]],
    licence: str,
    when_untested: str = "no_result",
) -> dict[str, Any]:
    return {
        "drugs": drugs,
        "genes": genes,
        "source": source,
        "guideline": guideline,
        "version": version,
        "retrieved": RETRIEVED,
        "licence": licence,
        "derived_by": "scripts/derive_pgx_tables.py",
        "when_untested": when_untested,
        "rules": rules,
    }


def stated_guidance() -> dict[str, dict[str, Any]]:
    """CPIC 2021 opioid statements without recommendation rows in the CPIC data."""
    opioid, version = GUIDELINES["opioids"], "CPIC opioid guideline 2021 (text, painpath summary)"
    any_result = {"keys": ["No Result", "n/a"], "intervals": [[-1.0, None]]}
    return {
        "oxycodone": guidance_file(
            ["oxycodone"],
            ["CYP2D6"],
            "CPIC",
            opioid,
            version,
            [
                {
                    "when": {"CYP2D6": any_result},
                    "strength": "No Recommendation",
                    "recommendation": "opioid_no_gene_change",
                    "implication": {"CYP2D6": "oxycodone_insufficient"},
                }
            ],
            CPIC_LICENCE,
        ),
        "opioids_not_cyp2d6": guidance_file(
            OTHER_OPIOIDS,
            [],
            "CPIC",
            opioid,
            version,
            [
                {
                    "when": {},
                    "strength": "No Recommendation",
                    "recommendation": "opioid_no_gene_change",
                    "implication": {"general": "not_cyp2d6_dependent"},
                }
            ],
            CPIC_LICENCE,
        ),
        **{
            gene.lower(): guidance_file(
                ALL_OPIOIDS,
                [gene],
                "CPIC",
                opioid,
                version,
                [
                    {
                        "when": {gene: {"any": True}},
                        "strength": "No Recommendation",
                        "recommendation": "receptor_gene_no_change",
                        "implication": {gene: "receptor_gene_insufficient"},
                    }
                ],
                CPIC_LICENCE,
                "skip",
            )
            for gene in ("OPRM1", "COMT")
        },
    }


# DPWG phenotype bands on the CPIC activity score (DPWG: PM 0, IM 0.25-1, NM 1.25-2.5, UM >= 3).
DPWG_INTERVALS = {
    "Poor Metabolizer": [-1.0, 0.0],
    "Intermediate Metabolizer": [0.0, 1.0],
    "Normal Metabolizer": [1.0, 2.5],
    "Ultrarapid Metabolizer": [2.5, None],
}
DPWG_TEMPLATES = {
    "codeine": {
        "Poor Metabolizer": "dpwg_codeine_avoid_pain",
        "Intermediate Metabolizer": "dpwg_codeine_im_watch",
        "Ultrarapid Metabolizer": "dpwg_codeine_um",
    },
    "tramadol": {
        "Poor Metabolizer": "dpwg_tramadol_reduced_watch",
        "Intermediate Metabolizer": "dpwg_tramadol_reduced_watch",
        "Ultrarapid Metabolizer": "dpwg_tramadol_um",
    },
    "amitriptyline": {
        "Poor Metabolizer": "dpwg_tca_pm",
        "Intermediate Metabolizer": "dpwg_tca_im",
        "Ultrarapid Metabolizer": "dpwg_tca_um",
    },
}
DPWG_TEMPLATES["nortriptyline"] = DPWG_TEMPLATES["amitriptyline"]


def dpwg_guidance(drug: str) -> dict[str, Any]:
    data = load(REFERENCE / f"dpwg_guidelines_2023/{drug}_and_CYP2D6.json")
    tca = drug in ("amitriptyline", "nortriptyline")
    rules = []
    for group in data["annotationGroups"]:
        phenotype = group["name"]
        text = re.sub(r"<[^>]+>", " ", group["recommendation"]["html"])
        params = {}
        if found := re.search(
            r"(\d+)% of the standard dose|(\d\.\d) times the standard dose", text
        ):
            params["percent"] = f"{found[1]}%" if found[1] else found[2]
        direction = "more" if phenotype.startswith("Ultra") else "less"
        if phenotype == "Normal Metabolizer":
            implication = "dpwg_not_described"
        elif tca:
            implication = (
                "dpwg_tca_lower_levels" if direction == "more" else "dpwg_tca_higher_levels"
            )
        else:
            implication = f"dpwg_{direction}_active"
        rule = {
            "when": {"CYP2D6": {"intervals": [DPWG_INTERVALS[phenotype]]}},
            "strength": "Not graded",
            "recommendation": DPWG_TEMPLATES[drug].get(phenotype, "dpwg_no_action"),
            "implication": {"CYP2D6": implication},
            "dpwg_phenotype": phenotype,
            "dpwg_prescription_change": group["rxChangeStatus"]["term"],
        }
        if params:
            rule["params"] = params
        rules.append(rule)
    out = guidance_file(
        [drug],
        ["CYP2D6"],
        "DPWG",
        {**GUIDELINES["dpwg_tcas" if tca else "dpwg_opioids"], "url": data["guideline"]["url"]},
        f"DPWG annotation v{data['guideline']['version']} ({data['version']}; {PHARMCAT_GUIDELINES}"
        f"/dpwg/{drug}_and_CYP2D6.json)",
        sorted(rules, key=lambda r: r["when"]["CYP2D6"]["intervals"][0][0]),
        DPWG_LICENCE,
    )
    out["caveat"] = (
        "DPWG gives CYP2D6 *9 and *41 the value 0.5 (CPIC: 0.25) and calls AS 2.5 normal; painpath"
        " applies DPWG's phenotype bands to the CPIC activity score, so carriers of *9 or *41 may"
        " fall in a different DPWG group than DPWG itself would assign."
    )
    return out


def build() -> dict[Path, str]:
    files: dict[str, Any] = {}
    for gene in ("CYP2D6", "CYP2C9", "CYP2C19"):
        files[f"phenotypes/{gene}.json"] = phenotype_file(gene)
    for gene in GENOTYPE_GENES:
        files[f"phenotypes/{gene}.json"] = genotype_file(gene)
    for drug in sorted(FAMILY):
        files[f"guidance/cpic/{drug}.json"] = cpic_guidance(drug)
    for name, content in stated_guidance().items():
        files[f"guidance/cpic/{name}.json"] = content
    for drug in ("codeine", "tramadol", "amitriptyline", "nortriptyline"):
        files[f"guidance/dpwg/{drug}.json"] = dpwg_guidance(drug)
    text = {
        name: json.dumps(content, indent=1, ensure_ascii=False) + "\n"
        for name, content in files.items()
    }
    for name in HAND_WRITTEN:  # listed in the manifest with their own source lines
        text[name] = (OUTPUT / name).read_text(encoding="utf-8")
        files[name] = json.loads(text[name])
    manifest = {
        "knowledge_version": KNOWLEDGE_VERSION,
        "summary": "CPIC v1.30.0 recommendations (2023-07 snapshot); CYP2D6 functions 2024-08-27;"
        " CYP2C9/CYP2C19 functions 2025-11-05; DPWG annotations 2023-06-05 (optional)",
        "derived_by": "scripts/derive_pgx_tables.py",
        "retrieved": RETRIEVED,
        "files": {
            name: {
                "source": files[name]["source"],
                "version": files[name]["version"],
                "retrieved": files[name]["retrieved"],
                "licence": files[name]["licence"],
                "sha256": hashlib.sha256(text[name].encode()).hexdigest(),
            }
            for name in sorted(files)
        },
    }
    text["manifest.json"] = json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
    return {OUTPUT / name: body for name, body in text.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed file is stale")
    args = parser.parse_args()
    if not REFERENCE.is_dir():
        print(f"reference data not found: {REFERENCE}", file=sys.stderr)
        return 2
    outputs = build()
    stale = [p for p, body in outputs.items() if not p.is_file() or p.read_text("utf-8") != body]
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(REPO)}", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(outputs[path], encoding="utf-8")
    print(f"{len(outputs)} files, {len(stale)} written, knowledge {KNOWLEDGE_VERSION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
