"""painpath's matcher against PharmCAT's own test data (shared/reference/pgx/pharmcat).

Mode: painpath returns PharmCAT's default "top score" answer as `diplotypes` (all tied top
scores) and, when positions are missing, PharmCAT's "all diplotypes" answer as
`possible_diplotypes_if_missing`. Cases that come from PharmCAT tests run in the all-diplotypes
mode are checked against the second. Where painpath and the expected call differ, the reason
is written down in DIFFERENCES below and the test checks that exact difference.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from painpath.pgx.definitions import load_definition
from painpath.pgx.genes import Diplotype, Gene
from painpath.pgx.matcher import GeneCall, allele_order, call_file
from tests.pgx.fixtures import PHARMCAT, REPO, needs_reference

pytestmark = needs_reference
TEST_VCFS = PHARMCAT / "test_vcfs"

#: matcher_cases_from_tests.tsv rows that come from PharmCAT tests asking for every diplotype.
ALL_DIPLOTYPE_CASES = {"s15s28", "s1s2_or_s2s35", "s1s1_missing_s17"}

#: Legacy fixtures where painpath's answer differs from expected_calls.tsv, and why.
DIFFERENCES = {
    "CYP2C19_s1s17.vcf": (
        "the legacy fixture has no record at rs3758581, the only position that separates *1 "
        "from the reference *38; both then score the same, so *1/*17 and *17/*38 tie (as they "
        "do in PharmCAT's scoring). The expected call comes from the file name only."
    ),
    "CYP2C19_s1s1rs12248560missing.vcf": (
        "PharmCAT's test asks for every diplotype, which painpath lists as possible diplotypes "
        "(its top score is *1/*1). The legacy fixture also lacks rs57700608, *41's own "
        "position (the file predates *41), so *1/*41, *17/*41 and *41/*41 stay possible too; "
        "PharmCAT's current test builds the VCF with that position present."
    ),
}


def rows(path: Path) -> Iterator[dict[str, str]]:
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    yield from csv.DictReader(lines, delimiter="\t")


def diplotype_set(text: str) -> set[Diplotype]:
    if text.strip() == "NO_CALL":
        return set()
    pairs = set()
    for item in text.split("|"):
        first, second = sorted(item.strip().split("/"), key=allele_order)
        pairs.add((first, second))
    return pairs


def single_call(path: Path, gene: Gene) -> GeneCall:
    (calls,) = call_file(str(path), genes=[gene]).values()
    return calls[gene]


EXPECTED_CALLS = [
    row
    for row in (rows(TEST_VCFS / "expected_calls.tsv") if TEST_VCFS.is_dir() else [])
    if row["file"].endswith(".vcf")
]


@pytest.mark.parametrize("row", EXPECTED_CALLS, ids=lambda row: row["file"])
def test_every_pharmcat_test_vcf_gets_its_expected_call(row: dict[str, str]) -> None:
    gene = Gene(row["gene"])
    expected = diplotype_set(row["expected_diplotypes"].split(" (")[0])
    call = single_call(TEST_VCFS / row["file"], gene)
    top = set(call.diplotypes)
    if row["file"] == "CYP2C19_s1s17.vcf":
        assert top == expected | {("*17", "*38")}
        assert "rs3758581" in {locus.rsid for locus in call.missing_positions}
    elif row["file"] == "CYP2C19_s1s1rs12248560missing.vcf":
        assert top == {("*1", "*1")}
        extra = set(call.possible_diplotypes_if_missing) - expected
        assert expected <= set(call.possible_diplotypes_if_missing)
        assert extra == {("*1", "*41"), ("*17", "*41"), ("*41", "*41")}
        assert "rs57700608" in {locus.rsid for locus in call.missing_positions}
    else:
        assert top == expected
    if not expected:
        assert call.no_call_reason is not None


def test_the_differences_are_only_the_two_documented_fixtures() -> None:
    assert set(DIFFERENCES) <= {row["file"] for row in EXPECTED_CALLS}
    assert len(DIFFERENCES) == 2


def _cpic_to_vcf(gene: Gene) -> list[dict[str, str]]:
    path = resources.files("painpath.pgx").joinpath(f"knowledge/alleles/{gene.value}.json")
    return [p["cpic_to_vcf"] for p in json.loads(path.read_text())["positions"]]


def case_vcf(gene: Gene, genotypes: str, missing: str) -> str:
    """A VCF in the style of PharmCAT's TestVcfBuilder: listed rsIDs get the given alleles,
    `missing` ones are left out, every other position is homozygous reference."""
    definition = load_definition(gene)
    to_vcf = _cpic_to_vcf(gene)
    given: dict[str, tuple[str, str]] = {}
    if not genotypes.startswith("("):
        for item in genotypes.split(";"):
            name, _, written = item.partition("=")
            first, second = written.split("/")
            given[name] = (first, second)
    absent = set() if missing == "-" else set(missing.split(";"))
    lines = [
        "##fileformat=VCFv4.2",
        "##contig=<ID=chr10,length=133797422>",
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tCASE",
    ]
    for position in definition.positions:
        rsid = position.locus.rsid
        if rsid in absent:
            continue
        pair = given.get(rsid or "", (position.ref, position.ref))
        alleles = []
        for written in pair:
            allele = written
            if allele not in position.vcf_alleles:
                cpic = to_vcf[position.index]
                key = allele if allele in cpic else next(k for k in cpic if k.startswith(allele))
                allele = cpic[key]
            alleles.append(allele)
        alts = [a for a in dict.fromkeys(alleles) if a != position.ref]
        code = {position.ref: 0, **{a: i + 1 for i, a in enumerate(alts)}}
        gt = f"{code[alleles[0]]}/{code[alleles[1]]}"
        lines.append(
            f"{position.locus.chromosome}\t{position.locus.position}\t{rsid or '.'}\t"
            f"{position.ref}\t{','.join(alts) or '.'}\t.\tPASS\t.\tGT\t{gt}"
        )
    for name in given:
        assert name in {p.locus.rsid for p in definition.positions}, name
    return "\n".join(lines) + "\n"


MATCHER_CASES = list(rows(TEST_VCFS / "matcher_cases_from_tests.tsv")) if TEST_VCFS.is_dir() else []


@pytest.mark.parametrize("case", MATCHER_CASES, ids=lambda c: f"{c['gene']}-{c['case']}")
def test_every_pharmcat_matcher_case_gets_its_diplotype_set(
    case: dict[str, str], tmp_path: Path
) -> None:
    gene = Gene(case["gene"])
    path = tmp_path / f"{case['case']}.vcf"
    path.write_text(case_vcf(gene, case["genotypes"], case["missing"]))
    call = single_call(path, gene)
    expected = diplotype_set(case["expected"])
    if case["case"] in ALL_DIPLOTYPE_CASES:
        assert set(call.possible_diplotypes_if_missing) == expected
        assert set(call.diplotypes) <= expected
    else:
        assert set(call.diplotypes) == expected
    if not expected:
        assert call.no_call_reason is not None


def test_the_all_diplotype_cases_differ_from_the_top_score_as_pharmcat_documents(
    tmp_path: Path,
) -> None:
    """Header of matcher_cases_from_tests.tsv: top-score mode gives *1/*1 and *1/*2."""
    tops = {}
    for case in MATCHER_CASES:
        if case["case"] in ALL_DIPLOTYPE_CASES:
            path = tmp_path / f"{case['case']}.vcf"
            path.write_text(case_vcf(Gene(case["gene"]), case["genotypes"], case["missing"]))
            tops[case["case"]] = single_call(path, Gene(case["gene"])).diplotypes
    assert tops["s1s1_missing_s17"] == (("*1", "*1"),)
    assert tops["s1s2_or_s2s35"] == (("*1", "*2"),)
    assert tops["s15s28"] == (("*15", "*28"), ("*28", "*39"))


def test_the_golden_example_gives_pharmcats_cyp2c9_and_cyp2c19_calls() -> None:
    report = (PHARMCAT / "examples/pharmcat.example.report.tsv").read_text().splitlines()[1:]
    expected = {row["Gene"]: row for row in csv.DictReader(report, delimiter="\t")}
    (calls,) = call_file(str(PHARMCAT / "examples/pharmcat.example.vcf")).values()
    for gene in (Gene.CYP2C9, Gene.CYP2C19):
        row = expected[gene.value]
        assert calls[gene].diplotypes == (tuple(row["Source Diplotype"].split("/")),)
        assert calls[gene].score == int(row["Match Score"])
        assert row["Missing positions"] == "no"
        assert calls[gene].missing_positions == ()


def test_every_definition_position_is_in_pharmcat_positions_vcf() -> None:
    listed = {}
    for line in (PHARMCAT / "pharmcat_positions.vcf").read_text().splitlines():
        if not line.startswith("#"):
            chrom, pos, _rsid, ref, alt, *_ = line.split("\t")
            listed[(chrom, int(pos))] = (ref, tuple(alt.split(",")))
    for gene in (Gene.CYP2C9, Gene.CYP2C19, Gene.CYP2D6):
        for position in load_definition(gene).positions:
            key = (position.locus.chromosome, position.locus.position)
            assert listed[key] == (position.ref, position.alts)


def test_the_bundled_definitions_are_what_the_derivation_script_writes() -> None:
    script = REPO / "scripts/derive_pgx_alleles.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
