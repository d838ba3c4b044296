"""Synthetic multi-sample VCFs at painpath's PGx positions, drawn from allele frequencies.

Each sample gets two alleles per gene drawn independently (Hardy–Weinberg) from the demo's
allele frequency table (`data/allele_frequencies.json`: CPIC European-ancestry figures, with
their source and version in the file), written as the allele-defining bases of each position.
Alleles a VCF cannot show (CYP2D6 *5 deletion, *1x2/*2x2 duplications) are written as the
allele they are a copy of (*5 as *1): SNV/indel calling cannot see copy number either.
`.gz` outputs are BGZF (bgzip) in pure Python, so no htslib is needed. Used by
`painpath demo population`, scripts/make_pgx_vcf.py and the benchmarks.
"""

from __future__ import annotations

import io
import json
import random
import re
import struct
import zlib
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import IO

from painpath.pgx.build import GenomeBuild
from painpath.pgx.definitions import GeneDefinition, all_definitions
from painpath.pgx.genes import Gene

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


def _record(
    definition: GeneDefinition,
    index: int,
    pos: int,
    ref: str,
    genotypes: Sequence[tuple[str, str]],
    phased: bool,
    chr_prefix: bool = True,
    samples: Sequence[int] | None = None,
) -> str:
    """A record whose ALT lists every allele the genotypes use besides REF, in order of first
    appearance. `samples`: each sample's genotype number, `genotypes` then being the distinct
    genotypes in order of first appearance (the same record, each call formatted once)."""
    position = definition.positions[index]
    alts: list[str] = []
    for pair in genotypes:
        for allele in pair:
            if allele != ref and allele not in alts:
                alts.append(allele)
    code = {ref: "0", **{alt: str(i + 1) for i, alt in enumerate(alts)}}
    sep = "|" if phased else "/"
    calls = [f"{code[a]}{sep}{code[b]}" for a, b in genotypes]
    if samples is not None:
        calls = [calls[i] for i in samples]
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
    sample_names: Sequence[str] | None = None,
) -> None:
    """Write a cohort VCF: per sample and gene two alleles drawn from population frequencies.

    Samples are S000001, S000002, … unless `sample_names` (one per sample) are given.
    """
    table = json.loads(
        resources.files("painpath.demo").joinpath("data/allele_frequencies.json").read_text()
    )
    rng = random.Random(seed)
    definitions = all_definitions()
    # Each sample's pair as a number: its gene's distinct pairs in order of first appearance
    # (a record's ALT order is the order alleles first appear in).
    distinct: dict[Gene, dict[tuple[str, str], int]] = {}
    numbers: dict[Gene, list[int]] = {}
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
        seen: dict[tuple[str, str], int] = {}
        pairs = zip(draws[0::2], draws[1::2], strict=True)
        numbers[gene] = [seen.setdefault(pair, len(seen)) for pair in pairs]
        distinct[gene] = seen
        del draws
    haplotypes = {
        d.gene: {name: haplotype(d, name) for pair in distinct[d.gene] for name in pair}
        for d in definitions
    }
    if sample_names is None:
        sample_names = [f"S{i:06d}" for i in range(1, samples + 1)]
    elif len(sample_names) != samples:
        raise ValueError(f"{len(sample_names)} names for {samples} samples")
    stream.write(header(sample_names, build, chr_prefix, fmt))
    for definition, index, pos, ref in _sites(definitions, build):
        seqs = haplotypes[definition.gene]
        genotypes = [(seqs[a][index], seqs[b][index]) for a, b in distinct[definition.gene]]
        line = _record(
            definition, index, pos, ref, genotypes, phased, chr_prefix, numbers[definition.gene]
        )
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
