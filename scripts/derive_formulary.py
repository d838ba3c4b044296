#!/usr/bin/env python3
"""Derive painpath's RxNorm formulary from the CDC Opioid CDS value sets.

Reads the medication ValueSets of cqframework/opioid-cds-r4 (their RxNorm expansions), parses
each RxNorm normalized name into ingredients, strength, dose form and release, assigns a drug
class from the primary ingredient, merges the hand-entered ingredient (IN) rows below and writes
src/painpath/terminology/data/rxnorm_formulary.json. The output is sorted and has no run-time
fields, so re-running on the same inputs reproduces the committed file byte for byte.

    python scripts/derive_formulary.py                 # write the package file
    python scripts/derive_formulary.py --check         # exit 1 if the committed file is stale
    python scripts/derive_formulary.py --valuesets DIR --output FILE

RxNorm naming conventions followed here (RxNorm Technical Documentation, "Normalized names"):
  clinical drug   [qualifiers] [quantity] ingredient strength unit / ... dose form [Brand]
  pack            {n (clinical drug) / ...} Pack [Brand]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
VALUESET_DIR = REPO.parent / "shared/reference/opioid/opioid-cds-r4/vocabulary/valueset"
OUTPUT = REPO / "src/painpath/terminology/data/rxnorm_formulary.json"

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UPSTREAM = "cqframework/opioid-cds-r4"
# From shared/reference/opioid/SOURCES.md (repo path input/vocabulary/valueset, CC0-1.0).
UPSTREAM_COMMIT = "b29bdcbf6db6f3de26486dbc3820572ee9a78b89"
# When the reference copy was taken; a constant so that re-runs are byte-identical.
RETRIEVED = "2026-11-25"

# The medication value sets painpath reads, by file stem (the others in the folder are lab tests,
# conditions and procedures), each with the classes its members' primary ingredients may have:
# a check that the ingredient classes below agree with CDC's grouping.
OPIOID = frozenset({"opioid"})
VALUE_SETS: dict[str, frozenset[str]] = {
    "opioid-analgesics-with-ambulatory-misuse-potential": OPIOID,
    "extended-release-opioid-with-ambulatory-misuse-potential": OPIOID,
    "buprenorphine-and-methadone-medications": OPIOID,
    "buprenorphine-medications": OPIOID,
    "methadone-medications": OPIOID,
    "fentanyl-type-medications": OPIOID,
    "oxycodone-medications": OPIOID,
    "synthetic-opioid-medications": OPIOID,
    "non-synthetic-opioid-medications": OPIOID,
    # buprenorphine/naloxone and pentazocine/naloxone are members: their primary is the opioid.
    "naloxone-medications": frozenset({"opioid_antagonist", "opioid"}),
    "benzodiazepine-medications": frozenset({"benzodiazepine"}),
    # butalbital/codeine combinations are members: their primary is the opioid.
    "barbiturate-medications": frozenset({"barbiturate", "opioid"}),
    # includes pressor and mydriatic sympathomimetics (methoxamine, mephentermine, ophthalmic
    # p-hydroxyamphetamine) that are not central stimulants.
    "amphetamines-class-medications": frozenset({"stimulant", "sympathomimetic"}),
    # CDC's CNS-depressant set mixes hypnotics, anaesthetic gases, antiemetics and anorectics.
    "cns-depressant-medications": frozenset(
        {"sedative_hypnotic", "general_anesthetic", "antiemetic", "stimulant"}
    ),
}
ER_VALUE_SET = "extended-release-opioid-with-ambulatory-misuse-potential"

# Hand-entered RxNorm ingredient (IN) concepts for the medicines painpath reasons about outside
# the CDC value sets (mostly non-opioid pain medicines); kept verbatim from the first formulary.
INGREDIENT_SOURCE = (
    f"RxNorm (U.S. National Library of Medicine) ingredient (IN) concepts hand-entered {RETRIEVED}"
)
INGREDIENT_ROWS: tuple[tuple[str, str, str], ...] = (
    # (rxnorm_code, ingredient, drug_class)
    ("7804", "oxycodone", "opioid"),
    ("5489", "hydrocodone", "opioid"),
    ("7052", "morphine", "opioid"),
    ("2670", "codeine", "opioid"),
    ("10689", "tramadol", "opioid"),
    ("787390", "tapentadol", "opioid"),
    ("4337", "fentanyl", "opioid"),
    ("3423", "hydromorphone", "opioid"),
    ("6813", "methadone", "opioid"),
    ("7814", "oxymorphone", "opioid"),
    ("1819", "buprenorphine", "opioid"),
    ("7242", "naloxone", "opioid_antagonist"),
    ("596", "alprazolam", "benzodiazepine"),
    ("6470", "lorazepam", "benzodiazepine"),
    ("3322", "diazepam", "benzodiazepine"),
    ("2598", "clonazepam", "benzodiazepine"),
    ("25480", "gabapentin", "gabapentinoid"),
    ("187832", "pregabalin", "gabapentinoid"),
    ("5640", "ibuprofen", "nsaid"),
    ("7258", "naproxen", "nsaid"),
    ("140587", "celecoxib", "nsaid"),
    ("41493", "meloxicam", "nsaid"),
    ("3355", "diclofenac", "nsaid"),
    ("4502", "flurbiprofen", "nsaid"),
    ("8356", "piroxicam", "nsaid"),
    ("161", "acetaminophen", "analgesic"),
    ("72625", "duloxetine", "snri"),
    ("39786", "venlafaxine", "snri"),
    ("704", "amitriptyline", "tricyclic"),
    ("7531", "nortriptyline", "tricyclic"),
    ("21949", "cyclobenzaprine", "muscle_relaxant"),
    ("32937", "paroxetine", "ssri"),
    ("4493", "fluoxetine", "ssri"),
    ("36437", "sertraline", "ssri"),
    ("42347", "bupropion", "antidepressant"),
    ("37418", "sumatriptan", "triptan"),
    ("38404", "topiramate", "anticonvulsant"),
    ("39993", "zolpidem", "sedative_hypnotic"),
)

# Drug class of each ingredient that can be the primary (class-giving) ingredient of a product in
# the value sets; assigned by painpath. Companions such as acetaminophen, caffeine, guaifenesin or
# amitriptyline have no entry: they never give a product its class. A product with no classified
# ingredient stops the script, so a new value-set expansion cannot slip in unclassified.
_CLASS_MEMBERS: dict[str, str] = {
    "opioid": (
        "alfentanil, benzhydrocodone, buprenorphine, butorphanol, codeine, dextromoramide, "
        "dihydrocodeine, dipipanone, fentanyl, heroin, hydrocodone, hydromorphone, levomethadyl, "
        "levorphanol, meperidine, meptazinol, methadone, morphine, opium, oxycodone, oxymorphone, "
        "pentazocine, pholcodine, propoxyphene, remifentanil, sufentanil, tapentadol, tramadol"
    ),
    "opioid_antagonist": "naloxone, naltrexone",
    "benzodiazepine": (
        "alprazolam, bromazepam, chlordiazepoxide, clobazam, clonazepam, clorazepate, diazepam, "
        "estazolam, flunitrazepam, flurazepam, halazepam, lorazepam, lormetazepam, midazolam, "
        "nitrazepam, oxazepam, prazepam, quazepam, remimazolam, temazepam, triazolam"
    ),
    "barbiturate": (
        "amobarbital, butabarbital, butalbital, butobarbital, hexobarbital, mephobarbital, "
        "pentobarbital, phenobarbital, primidone, secobarbital, thiopental"
    ),
    "stimulant": (
        "amphetamine, benzphetamine, dextroamphetamine, diethylpropion, fenfluramine, "
        "lisdexamfetamine, methamphetamine, phendimetrazine, phentermine"
    ),
    "sympathomimetic": "mephentermine, methoxamine, p-hydroxyamphetamine",
    "sedative_hypnotic": (
        "zaleplon, zolpidem, dexmedetomidine, "
        "sodium oxybate, calcium oxybate, magnesium oxybate, potassium oxybate"
    ),
    "general_anesthetic": "desflurane, isoflurane, sevoflurane",
    "antiemetic": "meclizine, trimethobenzamide",
}
INGREDIENT_CLASS: dict[str, str] = {
    ingredient.strip(): drug_class
    for drug_class, members in _CLASS_MEMBERS.items()
    for ingredient in members.split(",")
}

# When a product combines classified ingredients, the earliest class here names the primary one
# (buprenorphine over naloxone, codeine over butalbital, morphine over naltrexone).
CLASS_PRIORITY = (
    "opioid",
    "benzodiazepine",
    "barbiturate",
    "stimulant",
    "sedative_hypnotic",
    "general_anesthetic",
    "opioid_antagonist",
    "sympathomimetic",
    "antiemetic",
)

# Trailing salt and formulation words dropped to name the ingredient as RxNorm's IN does
# ("oxycodone hydrochloride" -> "oxycodone"); leading ones ("sodium oxybate") are kept.
_SALT_WORDS = (
    "acetate aspartate bitartrate bromide citrate dimesylate dipotassium hydrobromide "
    "hydrochloride liposomal maleate mesylate napsylate phosphate polistirex resin saccharate "
    "sodium sulfate tartrate terephthalate tincture"
)
SALT_WORDS = frozenset(_SALT_WORDS.split())

# Opioid patch rates are labelled and prescribed in mcg/h (fentanyl 25 mcg/h, buprenorphine
# 5 mcg/h); RxNorm writes the same quantity as 0.025 MG/HR.
MCG_PER_MG = Decimal(1000)

_BRAND = re.compile(r"^(?P<body>.*?)\s*\[(?P<brand>[^\[\]]+)\]$")
_PACK = re.compile(r"^\{(?P<items>.*)\}\s*Pack$")
_PACK_ITEM = re.compile(r"^\d+ (?:\([\d.]+ [A-Z]+\) )?\((?P<drug>.+)\)$")
_COMPONENT = re.compile(
    r"^(?P<name>[a-z][a-z\- ]*?) (?P<value>\d+(?:\.\d+)?) (?P<unit>[A-Z]+(?:/[A-Z]+)?)"
    r"(?: (?P<form>[A-Z].*))?$"
)
_DURATION = re.compile(r"^\d+ HR$")


@dataclass(frozen=True)
class Parsed:
    term_type: str
    ingredients: tuple[str, ...]
    strengths: tuple[tuple[str, Decimal, str], ...]  # (ingredient, value, unit) per component
    dose_form: str | None
    timed_release: bool  # an "NN HR" qualifier or an Extended Release dose form


def ingredient_name(name: str) -> str:
    words = name.split()
    while len(words) > 1 and words[-1] in SALT_WORDS:
        words.pop()
    return " ".join(words)


def split_top_level(text: str, separator: str = " / ") -> list[str]:
    """Split on separators outside parentheses and brackets (pack items contain drug names)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(separator, i):
            parts.append(text[start:i])
            start = i + len(separator)
            i = start
            continue
        i += 1
    parts.append(text[start:])
    return parts


def parse_name(display: str) -> Parsed:
    """Parse an RxNorm SCD, SBD, GPCK or BPCK name; raise ValueError when it does not fit."""
    brand_match = _BRAND.match(display)
    body = brand_match["body"] if brand_match else display
    pack = _PACK.match(body)
    if pack:
        return _parse_pack(pack["items"], branded=brand_match is not None)
    tokens = body.split(" ")
    start = next((i for i, token in enumerate(tokens) if token[:1].islower()), None)
    if start is None:
        raise ValueError(f"no ingredient in {display!r}")
    qualifiers = tokens[:start]
    timed = any(
        _DURATION.match(" ".join(qualifiers[i : i + 2])) for i in range(len(qualifiers) - 1)
    )
    components = " ".join(tokens[start:]).split(" / ")
    strengths: list[tuple[str, Decimal, str]] = []
    dose_form = None
    for index, component in enumerate(components):
        match = _COMPONENT.match(component)
        is_last = index == len(components) - 1
        if not match or (match["form"] is not None) != is_last:
            raise ValueError(f"cannot parse component {component!r} of {display!r}")
        strengths.append((ingredient_name(match["name"]), Decimal(match["value"]), match["unit"]))
        dose_form = match["form"]
    assert dose_form is not None
    return Parsed(
        term_type="SBD" if brand_match else "SCD",
        ingredients=tuple(dict.fromkeys(name for name, _, _ in strengths)),
        strengths=tuple(strengths),
        dose_form=dose_form,
        timed_release=timed or "Extended Release" in dose_form,
    )


def _parse_pack(items: str, *, branded: bool) -> Parsed:
    drugs = []
    for item in split_top_level(items.strip()):
        match = _PACK_ITEM.match(item.strip())
        if not match:
            raise ValueError(f"cannot parse pack item {item!r}")
        drugs.append(parse_name(match["drug"]))
    # A pack of one drug (two Subsys sprays, a Valtoco dose kit) takes that drug's strength and
    # dose form; a pack of several strengths (a starter pack) has neither.
    same = all(drug.strengths == drugs[0].strengths for drug in drugs)
    same_form = all(drug.dose_form == drugs[0].dose_form for drug in drugs)
    return Parsed(
        term_type="BPCK" if branded else "GPCK",
        ingredients=tuple(dict.fromkeys(name for drug in drugs for name in drug.ingredients)),
        strengths=drugs[0].strengths if same else (),
        dose_form=drugs[0].dose_form if same_form else "Pack",
        timed_release=any(drug.timed_release for drug in drugs),
    )


def primary_ingredient(ingredients: tuple[str, ...], display: str) -> tuple[str, str]:
    ranked = [
        (CLASS_PRIORITY.index(INGREDIENT_CLASS[name]), position, name)
        for position, name in enumerate(ingredients)
        if name in INGREDIENT_CLASS
    ]
    if not ranked:
        raise ValueError(f"no classified ingredient in {display!r}: add one to _CLASS_MEMBERS")
    name = min(ranked)[2]
    return name, INGREDIENT_CLASS[name]


def strength_of(parsed: Parsed, drug_class: str) -> str | None:
    """The primary ingredient's strength per dose unit, e.g. "5 MG", "25 MCG/HR", "2 MG/ML".

    None when the strength is not one ingredient's: a product with two components of the
    product's class (amphetamine and dextroamphetamine salts, four oxybates, oxycodone
    hydrochloride with oxycodone terephthalate) or a pack of several strengths.
    """
    same_class = [
        (value, unit)
        for name, value, unit in parsed.strengths
        if INGREDIENT_CLASS.get(name) == drug_class
    ]
    if len(same_class) != 1:
        return None
    value, unit = same_class[0]
    if drug_class == "opioid" and unit == "MG/HR":
        value, unit = value * MCG_PER_MG, "MCG/HR"
    return f"{value.normalize():f} {unit}"


def read_value_sets(folder: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Return provenance per value set and {code: concept row} over all of them."""
    provenance: list[dict[str, Any]] = []
    concepts: dict[str, dict[str, Any]] = {}
    for stem, allowed in sorted(VALUE_SETS.items()):
        resource = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
        expansion = resource["expansion"]
        parameters = {p["name"]: p.get("valueString") for p in expansion.get("parameter", [])}
        contains = expansion["contains"]
        provenance.append(
            {
                "url": resource["url"],
                "title": resource["title"],
                "expansion": expansion["timestamp"],
                "expansion_version": parameters.get("version"),
                "concepts": len(contains),
            }
        )
        for entry in contains:
            if entry["system"] != RXNORM:
                raise ValueError(f"{stem}: {entry['code']} is not an RxNorm code")
            code, display = entry["code"], entry["display"]
            row = concepts.get(code)
            if row is None:
                row = concepts[code] = derive_row(code, display)
            elif row["display"] != display:
                raise ValueError(f"{code} is {row['display']!r} and {display!r}")
            if row["drug_class"] not in allowed:
                raise ValueError(f"{code} {display!r} is {row['drug_class']} but in {stem}")
            row["value_sets"].append(resource["url"])
            if stem == ER_VALUE_SET:
                row["extended_release"] = True
    return provenance, concepts


# One concept per line, as a list in this column order (parsing ~1,400 objects costs twice as long
# as parsing lists, and a line per concept keeps diffs and greps readable).
COLUMNS = (
    "rxnorm_code",
    "display",
    "term_type",
    "ingredient",
    "ingredients",
    "drug_class",
    "strength",
    "dose_form",
    "extended_release",
    "value_sets",
)


def derive_row(code: str, display: str) -> dict[str, Any]:
    parsed = parse_name(display)
    ingredient, drug_class = primary_ingredient(parsed.ingredients, display)
    return {
        "rxnorm_code": code,
        "display": display,
        "term_type": parsed.term_type,
        "ingredient": ingredient,
        "ingredients": list(parsed.ingredients) if len(parsed.ingredients) > 1 else None,
        "drug_class": drug_class,
        "strength": strength_of(parsed, drug_class),
        "dose_form": parsed.dose_form,
        "extended_release": parsed.timed_release or parsed.dose_form == "Transdermal System",
        "value_sets": [],
    }


def ingredient_rows() -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for code, ingredient, drug_class in INGREDIENT_ROWS:
        known = INGREDIENT_CLASS.get(ingredient, drug_class)
        if known != drug_class:
            raise ValueError(f"{ingredient} is {drug_class} here but {known} for products")
        rows[code] = {
            "rxnorm_code": code,
            "display": ingredient,
            "term_type": "IN",
            "ingredient": ingredient,
            "ingredients": None,
            "drug_class": drug_class,
            "strength": None,
            "dose_form": None,
            "extended_release": None,  # an ingredient is not a product
            "value_sets": [],
        }
    return rows


def derive(folder: Path) -> dict[str, Any]:
    provenance, products = read_value_sets(folder)
    rows = ingredient_rows()
    clash = rows.keys() & products.keys()
    if clash:
        raise ValueError(f"ingredient rows clash with value-set codes: {sorted(clash)}")
    rows.update(products)
    for row in rows.values():
        row["value_sets"] = sorted(set(row["value_sets"]))
    described = "; ".join(
        f"{vs['title']} (expansion {vs['expansion'][:10]}"
        + (f", RxNorm {vs['expansion_version']})" if vs["expansion_version"] else ")")
        for vs in provenance
    )
    return {
        "source": (
            f"CDC Opioid CDS medication value sets from {UPSTREAM} at commit {UPSTREAM_COMMIT} "
            f"(input/vocabulary/valueset, CC0-1.0; codes are RxNorm, courtesy of the U.S. "
            f"National Library of Medicine): {described}. Plus {INGREDIENT_SOURCE}. Drug "
            "classes assigned by painpath; primary ingredient, strength, dose form and release "
            "parsed from the RxNorm names."
        ),
        # The value sets carry no ValueSet.version: their newest expansion date stands for it.
        "version": max(vs["expansion"][:10] for vs in provenance),
        "retrieved": RETRIEVED,
        "derived_by": "scripts/derive_formulary.py",
        "value_sets": provenance,
        "columns": list(COLUMNS),
        "concepts": [[rows[code][column] for column in COLUMNS] for code in sorted(rows, key=int)],
    }


def render(formulary: dict[str, Any]) -> str:
    """Indented header, then one concept per line."""
    placeholder = "@@concepts@@"
    header = json.dumps({**formulary, "concepts": placeholder}, indent=1, ensure_ascii=False)
    concepts = ",\n".join(
        "  " + json.dumps(row, ensure_ascii=False) for row in formulary["concepts"]
    )
    return header.replace(json.dumps(placeholder), f"[\n{concepts}\n ]") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--valuesets", type=Path, default=VALUESET_DIR, help="ValueSet folder")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="formulary JSON to write")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    text = render(derive(args.valuesets))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: re-run scripts/derive_formulary.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(text, encoding="utf-8", newline="\n")
    counts: dict[str, int] = {}
    for row in json.loads(text)["concepts"]:
        drug_class = row[COLUMNS.index("drug_class")]
        counts[drug_class] = counts.get(drug_class, 0) + 1
    print(f"wrote {args.output}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
