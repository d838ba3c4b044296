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
import io
import json
import random
import re
import struct
import sys
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from painpath.pgx.build import GenomeBuild  # noqa: E402
from painpath.pgx.definitions import GeneDefinition, all_definitions  # noqa: E402
from painpath.pgx.genes import Gene  # noqa: E402

FREQUENCIES = REPO / "src/painpath/demo/data/allele_frequencies.json"
CONTIG_LENGTHS = {
    GenomeBuild.GRCH38: {"6": 170_805_979, "10": 133_797_422, "22": 50_818_468},
    GenomeBuild.GRCH37: {"6": 171_115_067, "10": 135_534_747, "22": 51_304_566},
}
Haplotype = tuple[str, ...]


def haplotype(definition: GeneDefinition, name: str) -> Haplotype:
    """The VCF allele a named allele carries at each position (blank = the reference allele's;
    an IUPAC code = its reference member if it has one, else its first member)."""
    allele = definition.allele(name)
    reference = definition.reference
    bases = []
    for position in definition.positions:
        code = allele.alleles[position.index] or reference.alleles[position.index] or position.ref
        members = position.expand(code)
        bases.append(position.ref if position.ref in members else members[0])
    return tuple(bases)


def parse_diplotype(text: str) -> tuple[str, str]:
    first, _, second = text.partition("/")
    return first.strip(), second.strip()


def _where(definition: GeneDefinition, index: int, build: GenomeBuild) -> tuple[int, str] | None:
    position = definition.positions[index]
    if build is GenomeBuild.GRCH38:
        return position.locus.position, position.ref
    if position.grch37 is None:
        return None
    return position.grch37.position, position.grch37.ref


def header(samples: Sequence[str], build: GenomeBuild, chr_prefix: bool, fmt: str = "GT") -> str:
    prefix = "chr" if chr_prefix else ""
    lines = ["##fileformat=VCFv4.2", "##source=painpath scripts/make_pgx_vcf.py"]
    lines += [
        f"##contig=<ID={prefix}{chrom},length={length}>"
        for chrom, length in CONTIG_LENGTHS[build].items()
    ]
    lines.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    if "PS" in fmt:
        lines.append('##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">')
    if "DP" in fmt:
        lines.append('##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">')
    columns = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]
    return "\n".join([*lines, "\t".join(columns)]) + "\n"


def _sites(
    definitions: Sequence[GeneDefinition], build: GenomeBuild
) -> Iterator[tuple[GeneDefinition, int, int, str]]:
    """(definition, position index, position on build, REF on build) in file order."""
    sites = []
    for definition in definitions:
        for position in definition.positions:
            where = _where(definition, position.index, build)
            if where is not None:
                sites.append((definition, position.index, *where))
    chrom_order = {"6": 0, "10": 1, "22": 2}
    sites.sort(key=lambda s: (chrom_order[s[0].chromosome.removeprefix("chr")], s[2]))
    yield from sites


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


def _record(
    definition: GeneDefinition,
    index: int,
    pos: int,
    ref: str,
    genotypes: Sequence[tuple[str, str]],
    phased: bool,
    chr_prefix: bool = True,
) -> str:
    """A record whose ALT lists every allele the genotypes use besides REF."""
    position = definition.positions[index]
    alts: list[str] = []
    for pair in genotypes:
        for allele in pair:
            if allele != ref and allele not in alts:
                alts.append(allele)
    code = {ref: "0", **{alt: str(i + 1) for i, alt in enumerate(alts)}}
    sep = "|" if phased else "/"
    calls = [f"{code[a]}{sep}{code[b]}" for a, b in genotypes]
    chrom = definition.chromosome if chr_prefix else definition.chromosome.removeprefix("chr")
    rsid = position.locus.rsid or "."
    fields = [chrom, str(pos), rsid, ref, ",".join(alts) or ".", ".", "PASS", ".", "GT", *calls]
    return "\t".join(fields) + "\n"


def _star_frequencies(gene: Gene, table: Mapping[str, object]) -> tuple[list[str], list[float]]:
    definition = next(d for d in all_definitions() if d.gene is gene)
    known = {allele.name for allele in definition.alleles}
    rows = table["genes"][gene.value]["alleles"]  # type: ignore[index]
    names, weights = [], []
    for name, row in rows.items():
        base = re.sub(r"x\d+$", "", name)
        base = base if base in known else definition.reference_allele
        if gene is Gene.CYP2C19 and base == "*38":
            base = "*1"
        names.append("*1" if base == "*5" else base)
        weights.append(float(row["frequency"]))
    return names, weights


def cohort_vcf(
    stream: IO[str],
    samples: int,
    *,
    seed: int = 1,
    build: GenomeBuild = GenomeBuild.GRCH38,
    phased: bool = False,
    fmt: str = "GT",
    chr_prefix: bool = True,
) -> None:
    """Write a cohort VCF: per sample and gene two alleles drawn from population frequencies."""
    table = json.loads(FREQUENCIES.read_text())
    rng = random.Random(seed)
    definitions = all_definitions()
    chosen: dict[Gene, list[tuple[str, str]]] = {}
    for definition in definitions:
        gene = definition.gene
        if gene in (Gene.OPRM1, Gene.COMT):
            site = table["variants"][gene.value]
            names = [site["reference"], site["alternate"]]
            p = float(site["alternate_frequency"])
            weights = [1 - p, p]
        else:
            names, weights = _star_frequencies(gene, table)
        draws = rng.choices(names, weights, k=2 * samples)
        chosen[gene] = list(zip(draws[0::2], draws[1::2], strict=True))
    haplotypes = {
        d.gene: {name: haplotype(d, name) for pair in chosen[d.gene] for name in pair}
        for d in definitions
    }
    names = [f"S{i:06d}" for i in range(1, samples + 1)]
    stream.write(header(names, build, chr_prefix, fmt))
    for definition, index, pos, ref in _sites(definitions, build):
        seqs = haplotypes[definition.gene]
        genotypes = [(seqs[a][index], seqs[b][index]) for a, b in chosen[definition.gene]]
        line = _record(definition, index, pos, ref, genotypes, phased, chr_prefix)
        if fmt != "GT":
            head, _, calls = line.rstrip("\n").rpartition("\tGT\t")
            extra = {"GT:DP": ":30", "GT:PS": ":1", "GT:DP:PS": ":30:1"}[fmt]
            line = f"{head}\t{fmt}\t" + "\t".join(c + extra for c in calls.split("\t")) + "\n"
        stream.write(line)


class BgzfWriter(io.RawIOBase):
    """Minimal BGZF (bgzip) writer: 64 KiB blocks, each a gzip member with the BC extra field."""

    def __init__(self, target: Path | IO[bytes]):
        self._owned = isinstance(target, Path)
        self._file: IO[bytes] = target.open("wb") if isinstance(target, Path) else target
        self._buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._buffer += data
        while len(self._buffer) >= 65280:
            self._block(bytes(self._buffer[:65280]))
            del self._buffer[:65280]
        return len(data)

    def _block(self, data: bytes) -> None:
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = compressor.compress(data) + compressor.flush()
        size = len(body) + 25
        head = struct.pack("<4BI2BH2BH", 31, 139, 8, 4, 0, 0, 255, 6, 66, 67, 2) + struct.pack(
            "<H", size
        )
        tail = struct.pack("<2I", zlib.crc32(data), len(data))
        self._file.write(head + body + tail)

    def close(self) -> None:
        if not self.closed:
            if self._buffer:
                self._block(bytes(self._buffer))
            self._block(b"")  # the BGZF end-of-file marker
            if self._owned:
                self._file.close()
        super().close()


def open_output(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(io.BufferedWriter(BgzfWriter(path)), encoding="utf-8")  # type: ignore[type-var]
    return path.open("w", encoding="utf-8")


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
