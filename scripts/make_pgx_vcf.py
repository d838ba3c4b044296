#!/usr/bin/env python3
"""Write synthetic VCFs at painpath's PGx positions, for tests and the cohort benchmark.

Two kinds of file, both with a record at every allele-defining position (so nothing is
missing unless asked):

    # one sample carrying a diplotype per gene (unlisted genes: reference/reference)
    python scripts/make_pgx_vcf.py diplotype out.vcf CYP2C19='*2/*17' CYP2D6='*4/*41'
    python scripts/make_pgx_vcf.py diplotype out.vcf.gz CYP2C9='*1/*3' --build GRCh37 \
        --missing rs1057910

    # a cohort whose alleles are drawn from population frequencies (Hardy–Weinberg)
    python scripts/make_pgx_vcf.py cohort cohort.vcf.gz --samples 10000 --seed 1

Frequencies come from painpath's demo table (src/painpath/demo/data/allele_frequencies.json,
CPIC European-ancestry figures). Alleles that a VCF cannot show (CYP2D6 *5 deletion, *1x2/*2x2
duplications) are written as the allele they are a copy number of (*5 as *1), because SNV/indel
calling cannot see copy number either. `.gz` outputs are BGZF-compressed (bgzip format) in pure
Python so no htslib is needed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from painpath.demo.population_vcf import (  # noqa: E402
    BgzfWriter,
    Haplotype,
    _record,
    _sites,
    cohort_vcf,
    haplotype,
    header,
    open_output,
)
from painpath.pgx.build import GenomeBuild  # noqa: E402
from painpath.pgx.definitions import GeneDefinition, all_definitions  # noqa: E402
from painpath.pgx.genes import Gene  # noqa: E402

__all__ = ["BgzfWriter", "cohort_vcf", "diplotype_vcf", "header", "open_output", "samples_vcf"]


def parse_diplotype(text: str) -> tuple[str, str]:
    first, _, second = text.partition("/")
    return first.strip(), second.strip()


def diplotype_vcf(
    diplotypes: Mapping[Gene, tuple[str, str]],
    *,
    build: GenomeBuild = GenomeBuild.GRCH38,
    missing: Iterable[str] = (),
    phased: bool = False,
    chr_prefix: bool = True,
    sample: str = "SAMPLE",
    genes: Sequence[Gene] | None = None,
) -> str:
    """One sample carrying the given diplotypes (reference/reference for unlisted genes)."""
    return samples_vcf(
        {sample: diplotypes},
        build=build,
        missing=missing,
        phased=phased,
        chr_prefix=chr_prefix,
        genes=genes,
    )


def samples_vcf(
    samples: Mapping[str, Mapping[Gene, tuple[str, str]]],
    *,
    build: GenomeBuild = GenomeBuild.GRCH38,
    missing: Iterable[str] = (),
    phased: bool = False,
    chr_prefix: bool = True,
    genes: Sequence[Gene] | None = None,
) -> str:
    """Samples (name → diplotype per gene) in one VCF; unlisted genes are reference/reference.

    `missing` names positions (rsID or GRCh38 position) to leave out of the file. With
    `phased`, each diplotype's first allele is written on the first haplotype.
    """
    definitions = [d for d in all_definitions() if genes is None or d.gene in genes]
    skip = set(missing)
    out = [header(list(samples), build, chr_prefix)]
    cache: dict[tuple[Gene, str], Haplotype] = {}

    def bases(definition: GeneDefinition, name: str) -> Haplotype:
        key = (definition.gene, name)
        if key not in cache:
            cache[key] = haplotype(definition, name)
        return cache[key]

    for definition, index, pos, ref in _sites(definitions, build):
        position = definition.positions[index]
        if position.locus.rsid in skip or str(position.locus.position) in skip:
            continue
        calls = []
        for diplotypes in samples.values():
            first, second = diplotypes.get(definition.gene, (definition.reference_allele,) * 2)
            calls.append((bases(definition, first)[index], bases(definition, second)[index]))
        out.append(_record(definition, index, pos, ref, calls, phased, chr_prefix))
    return "".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="kind", required=True)
    one = sub.add_parser("diplotype", help="one sample with given diplotypes")
    one.add_argument("output", type=Path)
    one.add_argument("calls", nargs="*", help="GENE='*1/*2'")
    one.add_argument("--missing", nargs="*", default=[], help="rsIDs or positions to leave out")
    one.add_argument("--phased", action="store_true")
    many = sub.add_parser("cohort", help="many samples drawn from allele frequencies")
    many.add_argument("output", type=Path)
    many.add_argument("--samples", type=int, default=1000)
    many.add_argument("--seed", type=int, default=1)
    many.add_argument("--phased", action="store_true")
    many.add_argument("--format", default="GT", choices=["GT", "GT:DP", "GT:PS", "GT:DP:PS"])
    for sub_parser in (one, many):
        sub_parser.add_argument("--build", default="GRCh38", choices=[b.value for b in GenomeBuild])
        sub_parser.add_argument("--no-chr", action="store_true", help="contigs as 10, not chr10")
    args = parser.parse_args()
    build = GenomeBuild(args.build)
    with open_output(args.output) as stream:
        if args.kind == "diplotype":
            diplotypes = {}
            for item in args.calls:
                gene, _, text = item.partition("=")
                diplotypes[Gene(gene)] = parse_diplotype(text)
            text = diplotype_vcf(
                diplotypes,
                build=build,
                missing=args.missing,
                phased=args.phased,
                chr_prefix=not args.no_chr,
            )
            stream.write(text)
        else:
            cohort_vcf(
                stream,
                args.samples,
                seed=args.seed,
                build=build,
                phased=args.phased,
                fmt=args.format,
                chr_prefix=not args.no_chr,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
