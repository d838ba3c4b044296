#!/usr/bin/env python3
"""Derive painpath's star-allele definitions from PharmCAT's translation files and pypgx.

Reads, from shared/reference/pgx (see its SOURCES.md):
  pharmcat/allele_definitions/<GENE>_translation.json   GRCh38 positions and named alleles
                                                         (CPIC/PharmVar facts via ClinPGx)
  pharmcat/pharmcat_positions.vcf                        cross-check of every GRCh38 position
  pypgx_tables/allele-table.csv                          GRCh37 and GRCh38 core variants per
                                                         star allele (MIT), for GRCh37 positions
and writes src/painpath/pgx/knowledge/alleles/<GENE>.json for CYP2C9, CYP2C19, CYP2D6 and the
single-position genes OPRM1 (rs1799971) and COMT (rs4680).

GRCh37 positions are taken only where pypgx shows a GRCh37 variant at the gene's build offset
with the same alleles as the definition (same order, swapped reference/alternate, or the
complement): each mapped position records which relation and which pypgx row supports it.
Positions without such evidence are listed as unmapped; GRCh37 input reports them as not tested.

The output is sorted and has no run-time fields, so re-running reproduces the committed files.

    python scripts/derive_pgx_alleles.py            # write the package files
    python scripts/derive_pgx_alleles.py --check    # exit 1 if the committed files are stale
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared/reference/pgx"
OUTPUT = REPO / "src/painpath/pgx/knowledge/alleles"

STAR_GENES = ("CYP2C9", "CYP2C19", "CYP2D6")
# From shared/reference/pgx/SOURCES.md.
PHARMCAT = "PharmGKB/PharmCAT"
PHARMCAT_COMMIT = "5431bf11"
PHARMCAT_SNAPSHOT = "2025-11-19"
# When the reference copy was taken; a constant so that re-runs are byte-identical.
RETRIEVED = "2026-11-25"
DEFINITION_PATH = (
    "src/main/resources/org/pharmgkb/pharmcat/definition/alleles/{gene}_translation.json"
)
PYPGX = "sbslee/pypgx 0.27.0 (PyPI wheel), pypgx/api/data/allele-table.csv, MIT"
# painpath's own version of this bundle: the definitions' version plus a painpath revision.
DATA_VERSION = "painpath-alleles-2025-11-05.1"

IUPAC: dict[str, str] = {
    "R": "AG",
    "Y": "CT",
    "S": "CG",
    "W": "AT",
    "K": "GT",
    "M": "AC",
    "B": "CGT",
    "D": "AGT",
    "H": "ACT",
    "V": "ACG",
    "N": "ACGT",
}
COMPLEMENT = str.maketrans("ACGT", "TGCA")

# OPRM1 and COMT: PharmCAT has no definitions; coordinates from pypgx (checked below) and the
# CPIC 2021 opioid guideline (no recommendation for either gene).
SINGLE_POSITION: dict[str, dict[str, Any]] = {
    "OPRM1": {
        "rsid": "rs1799971",
        "chromosome": "chr6",
        "pos": 154039662,
        "ref": "A",
        "alt": "G",
        "pos37": 154360797,
        "label": "c.118A>G, p.Asn40Asp (A118G)",
    },
    "COMT": {
        "rsid": "rs4680",
        "chromosome": "chr22",
        "pos": 19963748,
        "ref": "G",
        "alt": "A",
        "pos37": 19951271,
        "label": "c.472G>A, p.Val158Met (A encodes Met)",
    },
}


@dataclass(frozen=True)
class CoreVariant:
    chrom: str
    pos: int
    ref: str
    alt: str

    @classmethod
    def parse(cls, text: str) -> CoreVariant:
        chrom, pos, ref, alt = text.split("-")
        return cls(chrom, int(pos), ref, alt)

    def label(self) -> str:
        return f"{self.chrom}-{self.pos}-{self.ref}-{self.alt}"


def read_pypgx(path: Path) -> dict[str, list[tuple[str, list[CoreVariant], list[CoreVariant]]]]:
    """Per gene: (star allele, GRCh37 core variants, GRCh38 core variants)."""
    rows: dict[str, list[tuple[str, list[CoreVariant], list[CoreVariant]]]] = defaultdict(list)
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):

            def core(column: str, row: dict[str, str] = row) -> list[CoreVariant]:
                text = row[column]
                return [] if text == "N/A" else [CoreVariant.parse(v) for v in text.split(",")]

            rows[row["Gene"]].append((row["StarAllele"], core("GRCh37Core"), core("GRCh38Core")))
    return rows


def build_offset(rows: list[tuple[str, list[CoreVariant], list[CoreVariant]]]) -> int:
    """The GRCh37 − GRCh38 offset most rows agree on (pairing each row's variants in order)."""
    offsets: Counter[int] = Counter()
    for _name, core37, core38 in rows:
        if core37 and len(core37) == len(core38):
            for v37, v38 in zip(
                sorted(core37, key=lambda v: v.pos),
                sorted(core38, key=lambda v: v.pos),
                strict=True,
            ):
                offsets[v37.pos - v38.pos] += 1
    offset, votes = offsets.most_common(1)[0]
    if votes < 0.9 * sum(offsets.values()):
        raise SystemExit(f"no dominant GRCh37 offset: {offsets.most_common(3)}")
    return offset


def relation(ref38: str, alts38: list[str], v37: CoreVariant) -> tuple[str, str] | None:
    """How a pypgx GRCh37 variant relates to a GRCh38 definition position, with the GRCh37 ref."""
    for alt38 in alts38:
        if (v37.ref, v37.alt) == (ref38, alt38):
            return "same", v37.ref
        if (v37.ref, v37.alt) == (alt38, ref38):
            return "reference_swapped", v37.ref
        flipped = (v37.ref.translate(COMPLEMENT), v37.alt.translate(COMPLEMENT))
        if flipped == (ref38, alt38):
            return "strand_flipped", v37.ref
    return None


def map_grch37(
    gene: str,
    variants: list[dict[str, Any]],
    rows: list[tuple[str, list[CoreVariant], list[CoreVariant]]],
) -> tuple[dict[int, dict[str, Any]], list[int], int]:
    offset = build_offset(rows)
    by_pos37: dict[int, list[tuple[str, CoreVariant]]] = defaultdict(list)
    by_pos38: dict[int, list[tuple[str, CoreVariant]]] = defaultdict(list)
    for name, core37, core38 in rows:
        for v in core37:
            by_pos37[v.pos].append((name, v))
        for v in core38:
            by_pos38[v.pos].append((name, v))
    mapped: dict[int, dict[str, Any]] = {}
    unmapped: list[int] = []
    for variant in variants:
        pos38 = variant["position"]
        found: tuple[str, CoreVariant, tuple[str, str]] | None = None
        for name, v37 in by_pos37.get(pos38 + offset, []):
            how = relation(variant["ref"], variant["alts"], v37)
            if how is not None:
                found = (name, v37, how)
                break
        if found is None:
            shifted = shifted_equivalent(variant, by_pos38, by_pos37, offset)
            if shifted is None:
                unmapped.append(pos38)
            else:
                mapped[pos38] = shifted
            continue
        name, v37, (rel, ref37_allele) = found
        evidence = [f"pypgx {gene} {name} GRCh37Core {v37.label()}"]
        evidence += [
            f"pypgx {gene} {n38} GRCh38Core {v38.label()}"
            for n38, v38 in by_pos38.get(pos38, [])[:1]
            if v38.ref == variant["ref"] and v38.alt in variant["alts"]
        ]
        mapped[pos38] = {
            "pos": v37.pos,
            "ref": ref37_allele,
            "relation": rel,
            "evidence": evidence,
        }
    return mapped, unmapped, offset


def apply(pos: int, ref: str, alt: str, start: int, reference: str) -> str:
    """The sequence of `reference` (which starts at `start`) with ref→alt applied at pos."""
    offset = pos - start
    return reference[:offset] + alt + reference[offset + len(ref) :]


def same_indel(pos_a: int, ref_a: str, alt_a: str, pos_b: int, ref_b: str, alt_b: str) -> bool:
    """Whether two overlapping representations of an indel give the same haplotype.

    Builds the reference over the union of both REF spans (they must agree where they overlap)
    and compares the two edited sequences: a shifted representation of a deletion or insertion
    in a repeat (left-aligned in one source, not in the other) gives identical sequences.
    """
    start, end = min(pos_a, pos_b), max(pos_a + len(ref_a), pos_b + len(ref_b))
    if pos_a + len(ref_a) < pos_b or pos_b + len(ref_b) < pos_a:
        return False
    reference = ["?"] * (end - start)
    for pos, ref in ((pos_a, ref_a), (pos_b, ref_b)):
        for i, base in enumerate(ref):
            slot = pos - start + i
            if reference[slot] not in ("?", base):
                return False
            reference[slot] = base
    if "?" in reference:
        return False
    text = "".join(reference)
    return apply(pos_a, ref_a, alt_a, start, text) == apply(pos_b, ref_b, alt_b, start, text)


def shifted_equivalent(
    variant: dict[str, Any],
    by_pos38: dict[int, list[tuple[str, CoreVariant]]],
    by_pos37: dict[int, list[tuple[str, CoreVariant]]],
    offset: int,
) -> dict[str, Any] | None:
    """Map an indel that pypgx writes at a shifted position (same deletion, other alignment)."""
    pos38, ref38 = variant["position"], variant["ref"]
    if all(len(alt) == len(ref38) for alt in variant["alts"]):
        return None
    window = range(pos38 - 50, pos38 + len(ref38) + 50)
    for other in window:
        for name, v38 in by_pos38.get(other, []):
            for alt38 in variant["alts"]:
                if not same_indel(pos38, ref38, alt38, v38.pos, v38.ref, v38.alt):
                    continue
                twin = [v for n, v in by_pos37.get(v38.pos + offset, []) if n == name]
                if twin and (twin[0].ref, twin[0].alt) == (v38.ref, v38.alt):
                    return {
                        "pos": pos38 + offset,
                        "ref": ref38,
                        "relation": "same",
                        "evidence": [
                            f"pypgx {name} GRCh38Core {v38.label()} is "
                            f"the same indel written {v38.pos - pos38:+d} bp from the definition",
                            f"pypgx {name} GRCh37Core {twin[0].label()} at the gene offset",
                        ],
                    }
    return None


def read_positions_vcf(path: Path) -> dict[tuple[str, int], tuple[str, str, str]]:
    positions: dict[tuple[str, int], tuple[str, str, str]] = {}
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            continue
        chrom, pos, rsid, ref, alt, *_ = line.split("\t")
        positions[(chrom, int(pos))] = (rsid, ref, alt)
    return positions


def wobble_codes(allele: str) -> str | None:
    return IUPAC.get(allele) if len(allele) == 1 else None


def derive_star_gene(
    gene: str,
    pypgx: dict[str, list[tuple[str, list[CoreVariant], list[CoreVariant]]]],
    pharmcat_positions: dict[tuple[str, int], tuple[str, str, str]],
) -> dict[str, Any]:
    raw = json.loads(
        (REFERENCE / f"pharmcat/allele_definitions/{gene}_translation.json").read_text()
    )
    variants: list[dict[str, Any]] = raw["variants"]
    mapped, unmapped, offset = map_grch37(gene, variants, pypgx[gene])
    positions: list[dict[str, Any]] = []
    for index, variant in enumerate(variants):
        key = (variant["chromosome"], variant["position"])
        listed = pharmcat_positions.get(key)
        if listed is None or listed[1] != variant["ref"] or listed[2].split(",") != variant["alts"]:
            raise SystemExit(f"{gene} {key}: pharmcat_positions.vcf disagrees ({listed})")
        vcf_alleles = [variant["ref"], *variant["alts"]]
        wobble: dict[str, list[str]] = {}
        for named in raw["namedAlleles"]:
            allele = named["alleles"][index]
            if allele is None:
                continue
            expanded = wobble_codes(allele)
            if expanded is not None and allele not in vcf_alleles:
                members = [a for a in vcf_alleles if a in expanded]
                if not members:
                    raise SystemExit(f"{gene} {key}: {allele} matches no VCF allele")
                wobble[allele] = members
            elif allele not in vcf_alleles:
                raise SystemExit(f"{gene} {key}: {named['name']} allele {allele} not ref/alt")
        positions.append(
            {
                "pos": variant["position"],
                "rsid": variant["rsid"],
                "ref": variant["ref"],
                "alts": variant["alts"],
                "hgvs": variant["chromosomeHgvsName"],
                "cpic_to_vcf": dict(sorted(variant["cpicToVcfAlleleMap"].items())),
                "wobble": dict(sorted(wobble.items())),
                "grch37": mapped.get(variant["position"]),
            }
        )
    alleles: list[dict[str, Any]] = []
    for named in raw["namedAlleles"]:
        if named["structuralVariant"]:
            continue
        defining = {
            str(variants[i]["position"]): a for i, a in enumerate(named["alleles"]) if a is not None
        }
        entry: dict[str, Any] = {"name": named["name"], "id": named["id"]}
        if named["reference"]:
            entry["reference"] = True
        entry["defining"] = defining
        alleles.append(entry)
    references = [a["name"] for a in alleles if a.get("reference")]
    if len(references) != 1:
        raise SystemExit(f"{gene}: expected one reference allele, got {references}")
    return {
        "gene": gene,
        "kind": "star_alleles",
        "data_version": DATA_VERSION,
        "source": {
            "definitions": f"{PHARMCAT} {DEFINITION_PATH.format(gene=gene)} at {PHARMCAT_COMMIT}",
            "definitions_content": f"CPIC and PharmVar allele definitions via {raw['source']}",
            "definitions_version": raw["version"],
            "definitions_modified": raw["modificationDate"],
            "grch38_checked_against": f"{PHARMCAT} pharmcat_positions.vcf at {PHARMCAT_COMMIT}",
            "grch37_positions": PYPGX,
            "licence": "CPIC content CC0-1.0; PharmCAT repository MPL-2.0; pypgx MIT",
        },
        "snapshot": PHARMCAT_SNAPSHOT,
        "retrieved": RETRIEVED,
        "derived_by": "scripts/derive_pgx_alleles.py",
        "chromosome": raw["chromosome"],
        "genome_build": raw["genomeBuild"],
        "refseq_chromosome": raw["refSeqChromosomeId"],
        "reference_allele": references[0],
        "grch37_offset": offset,
        "grch37_unmapped": unmapped,
        "positions": positions,
        "alleles": alleles,
    }


def derive_single_position(
    gene: str,
    pypgx: dict[str, list[tuple[str, list[CoreVariant], list[CoreVariant]]]],
    pharmcat_positions: dict[tuple[str, int], tuple[str, str, str]],
) -> dict[str, Any]:
    site = SINGLE_POSITION[gene]
    chrom_number = str(site["chromosome"]).removeprefix("chr")
    expect37 = CoreVariant(chrom_number, int(site["pos37"]), str(site["ref"]), str(site["alt"]))
    expect38 = CoreVariant(chrom_number, int(site["pos"]), str(site["ref"]), str(site["alt"]))
    row = next((r for r in pypgx[gene] if r[0] == site["rsid"]), None)
    if row is None or row[1] != [expect37] or row[2] != [expect38]:
        raise SystemExit(f"{gene}: pypgx allele-table disagrees with {site}: {row}")
    in_pharmcat = (site["chromosome"], site["pos"]) in pharmcat_positions
    evidence38 = f"pypgx {gene} {site['rsid']} GRCh38Core {expect38.label()}"
    ref, alt = str(site["ref"]), str(site["alt"])
    return {
        "gene": gene,
        "kind": "single_position",
        "data_version": DATA_VERSION,
        "source": {
            "position": f"{PYPGX}, row {gene} {site['rsid']}"
            + ("" if not in_pharmcat else "; also in PharmCAT pharmcat_positions.vcf"),
            "grch38_evidence": evidence38,
            "grch38_checked_against": "not in PharmCAT pharmcat_positions.vcf (PharmCAT has no "
            f"{gene} definitions)"
            if not in_pharmcat
            else "PharmCAT pharmcat_positions.vcf",
            "grch37_positions": PYPGX,
            "guidance": "CPIC 2021 opioid guideline: no recommendation for OPRM1 or COMT",
            "licence": "pypgx MIT",
        },
        "snapshot": PHARMCAT_SNAPSHOT,
        "retrieved": RETRIEVED,
        "derived_by": "scripts/derive_pgx_alleles.py",
        "chromosome": site["chromosome"],
        "genome_build": "GRCh38",
        "variant": site["label"],
        "reference_allele": ref,
        "grch37_unmapped": [],
        "positions": [
            {
                "pos": site["pos"],
                "rsid": site["rsid"],
                "ref": ref,
                "alts": [alt],
                "hgvs": f"g.{site['pos']}{ref}>{alt}",
                "cpic_to_vcf": {ref: ref, alt: alt},
                "wobble": {},
                "grch37": {
                    "pos": site["pos37"],
                    "ref": ref,
                    "relation": "same",
                    "evidence": [f"pypgx {gene} {site['rsid']} GRCh37Core {expect37.label()}"],
                },
            }
        ],
        # Alleles are named by their base: a diplotype reads ("A", "G") for rs1799971 A/G.
        "alleles": [
            {"name": ref, "reference": True, "defining": {str(site["pos"]): ref}},
            {"name": alt, "defining": {str(site["pos"]): alt}},
        ],
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if committed files are stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    pypgx = read_pypgx(REFERENCE / "pypgx_tables/allele-table.csv")
    pharmcat_positions = read_positions_vcf(REFERENCE / "pharmcat/pharmcat_positions.vcf")
    outputs: dict[str, str] = {}
    for gene in STAR_GENES:
        outputs[gene] = render(derive_star_gene(gene, pypgx, pharmcat_positions))
    for gene in SINGLE_POSITION:
        outputs[gene] = render(derive_single_position(gene, pypgx, pharmcat_positions))
    stale = []
    for gene, text in outputs.items():
        path = args.output / f"{gene}.json"
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        data = json.loads(text)
        mapped = sum(p["grch37"] is not None for p in data["positions"])
        print(
            f"{gene}: {len(data['positions'])} positions ({mapped} on GRCh37), "
            f"{len(data['alleles'])} alleles -> {path.relative_to(REPO)}"
        )
    if stale:
        print("stale: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
