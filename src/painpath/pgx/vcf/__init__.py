"""Read genotypes at the PGx positions from a VCF: plain, bgzipped, or BCF (through cyvcf2).

Only records at allele-defining positions are parsed, each once for all samples: genotype
strings are interned to small codes (a cohort has a handful of distinct genotypes per
position). A failing file raises VcfError and returns nothing.

Conventions (PharmCAT's VCF requirements, plus what its users tripped on):
- a position with no record is *not tested*, never read as reference;
- `./.`, partial calls (`0/.`) and calls of ploidy above two are not tested either;
- multiallelic records are read by allele index; split records at one position are merged;
  repeated records must agree (else VcfError);
- gVCF reference blocks (symbolic ALT with INFO END) count as reference calls;
- alleles are compared as sequences, so REF padding from multiallelic records is understood,
  and a REF that disagrees with the build's reference is noted per position;
- contigs may be `chr10`, `10` or `NC_000010.11`; the build comes from the caller, the
  header or the REF alleles, and is reported;
- a bgzipped file with a tabix (.tbi) or CSI (.csi) index not older than it is read through
  the index: only the gene regions' blocks are decompressed (a whole genome in under a second).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from painpath.kit.limits import DEFAULT_LIMITS, InputLimits, LimitExceeded
from painpath.pgx.build import GenomeBuild
from painpath.pgx.definitions import all_definitions
from painpath.pgx.genes import Gene
from painpath.pgx.vcf.bcf import prescan_bcf, read_bcf
from painpath.pgx.vcf.collect import Collector
from painpath.pgx.vcf.columns import assemble
from painpath.pgx.vcf.model import (
    WHOLE_CHROMOSOME,
    PositionColumn,
    SiteCall,
    VcfError,
    VcfGenotypes,
    VcfProblem,
)
from painpath.pgx.vcf.text import IsBcf, open_vcf, read_text

__all__ = [
    "WHOLE_CHROMOSOME",
    "InputLimits",
    "LimitExceeded",
    "PositionColumn",
    "SiteCall",
    "VcfError",
    "VcfGenotypes",
    "VcfProblem",
    "read_vcf",
]


def read_vcf(
    path: str | os.PathLike[str],
    samples: Sequence[str] | str | None = None,
    build: GenomeBuild | None = None,
    *,
    genes: Sequence[Gene] | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> VcfGenotypes:
    """Read the PGx positions of a VCF/BCF for the given samples (all when None).

    The build is the caller's when given, else the header's (`##contig` lengths, assembly
    tags, `##reference`), else the one whose reference the file's REF alleles agree with.
    Raises VcfError (naming file, line and problem) for a file that cannot be read, and
    LimitExceeded (naming the limit) for one that passes `limits`: bytes after decompression,
    line length, `##` header lines and bytes. Memory stays bounded by the limits.
    """
    name = os.fspath(path)
    wanted = [samples] if isinstance(samples, str) else samples
    definitions = [d for d in all_definitions() if genes is None or d.gene in genes]
    collector = Collector(name, definitions, wanted, build)
    try:
        stream, bgzf = open_vcf(name)
    except IsBcf:
        prescan_bcf(name, limits)
        read_bcf(collector)
    else:
        with stream:
            read_text(collector, stream, indexed=name if bgzf else None, limits=limits)
    return assemble(collector, collector.decide_build())
