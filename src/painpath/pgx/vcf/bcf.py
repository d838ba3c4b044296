"""BCF through cyvcf2 (painpath's `pgx` extra), behind the same collector as the text reader.

BCF has no text lines: errors and notes number records instead (record N = Nth record).

htslib allocates a header or a record whole, whatever length the file gives it, so
`prescan_bcf` first walks the lengths (one bounded decompression pass) and refuses a file that
passes the limits before cyvcf2 opens it.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from array import array
from typing import Any

from painpath.kit.limits import InputLimits, LimitedReader, LimitExceeded
from painpath.pgx.build import normalize_chromosome
from painpath.pgx.vcf.collect import Collector
from painpath.pgx.vcf.model import WHOLE_CHROMOSOME, RawGenotype, RawRecord, VcfError, VcfProblem

#: htslib's missing value for a BCF int32 field (PS).
_INT32_MISSING = -(2**31)


_CHUNK = 1 << 20


def _skip(stream: LimitedReader, size: int, path: str, record: int) -> None:
    while size:
        chunk = stream.read(min(size, _CHUNK))
        if not chunk:
            raise VcfError(path, VcfProblem.TRUNCATED, "the file ends inside a record", record)
        size -= len(chunk)


def prescan_bcf(path: str, limits: InputLimits) -> None:
    """Refuse a BCF whose header or any record passes `limits`, reading it in bounded chunks:
    header bytes and `##` lines, record length (`max_line_bytes`) and bytes after
    decompression. VcfError for a file that ends early."""
    try:
        with gzip.open(path, "rb") as raw:
            stream = LimitedReader(raw, path, limits)
            head = stream.read(9)
            if len(head) < 9 or not head.startswith(b"BCF\x02"):
                raise VcfError(path, VcfProblem.TRUNCATED, "no BCF header")
            (l_text,) = struct.unpack_from("<I", head, 5)
            if l_text > limits.max_header_bytes:
                raise LimitExceeded(
                    path,
                    "max_header_bytes",
                    limits.max_header_bytes,
                    f"the header is larger than {limits.max_header_bytes} bytes",
                )
            lines, remaining = 0, l_text
            while remaining:
                chunk = stream.read(min(remaining, _CHUNK))
                if not chunk:
                    raise VcfError(path, VcfProblem.TRUNCATED, "the file ends inside the header")
                lines += chunk.count(b"\n")
                remaining -= len(chunk)
            if lines - 1 > limits.max_header_lines:  # every line but #CHROM is a ## line
                raise LimitExceeded(
                    path,
                    "max_header_lines",
                    limits.max_header_lines,
                    f"more than {limits.max_header_lines} ## header lines",
                )
            record = 0
            while sizes := stream.read(8):
                record += 1
                if len(sizes) < 8:
                    raise VcfError(path, VcfProblem.TRUNCATED, "the file ends in a record", record)
                shared, individual = struct.unpack("<II", sizes)
                if shared + individual > limits.max_line_bytes:
                    raise LimitExceeded(
                        f"{path}, record {record}",
                        "max_line_bytes",
                        limits.max_line_bytes,
                        f"a record is longer than {limits.max_line_bytes} bytes",
                    )
                _skip(stream, shared + individual, path, record)
    except (EOFError, zlib.error, OSError) as error:
        raise VcfError(path, VcfProblem.TRUNCATED, str(error)) from None


def read_bcf(collector: Collector) -> None:
    """Read a BCF file's records at target positions into the collector."""
    try:
        import cyvcf2
        import numpy as np
    except ImportError:
        raise VcfError(
            collector.path, VcfProblem.BCF_NEEDS_CYVCF2, "install painpath[pgx] to read BCF"
        ) from None
    path = collector.path
    try:
        probe = cyvcf2.VCF(path)
        names = list(probe.samples)
        header = [line for line in probe.raw_header.splitlines() if line.startswith("##")]
        probe.close()
    except Exception as error:  # cyvcf2 raises plain Exception (or OSError) for bad files
        raise VcfError(path, VcfProblem.TRUNCATED, str(error)) from None
    collector.start(header, names, len(header) + 1)
    vcf = cyvcf2.VCF(path, samples=list(collector.wanted) if collector.wanted else None)
    if collector.wanted:
        # cyvcf2 keeps file order; rows are put back in the order asked for.
        order = {name: i for i, name in enumerate(vcf.samples)}
        collector.sample_columns = [order[name] for name in collector.wanted]
    ordinal = 0
    try:
        for variant in vcf:
            ordinal += 1
            record = _record(collector, variant, ordinal, np)
            if record is not None:
                collector.add(record, collector.targets.get((record.chromosome, record.pos)))
    except VcfError:
        raise
    except Exception as error:
        raise VcfError(path, VcfProblem.TRUNCATED, str(error), ordinal + 1) from None


def _record(collector: Collector, variant: Any, ordinal: int, np: Any) -> RawRecord | None:
    chromosome = normalize_chromosome(variant.CHROM)
    alts = tuple(alt.upper() for alt in variant.ALT)
    block_end = None
    if alts and all(alt.startswith("<") for alt in alts) and variant.INFO.get("END"):
        block_end = int(variant.INFO.get("END"))
    if block_end is None and (chromosome, variant.POS) not in collector.targets:
        return None
    if "GT" not in variant.FORMAT:
        raise VcfError(collector.path, VcfProblem.NO_GT_FIELD, "record has no GT", ordinal)
    calls = variant.genotype.array().astype(np.int64)
    if collector.sample_columns is not None:
        calls = calls[collector.sample_columns]
    # One integer per sample from its allele indexes (-1 missing, -2 ploidy end) and phase.
    key = np.zeros(calls.shape[0], dtype=np.int64)
    for column in range(calls.shape[1]):
        key = key * (len(alts) + 4) + calls[:, column] + 2
    if "PS" in variant.FORMAT:
        values = np.asarray(variant.format("PS"), dtype=np.int64).reshape(-1)
        if collector.sample_columns is not None:
            values = values[collector.sample_columns]
        _, phase_sets = np.unique(values, return_inverse=True)
        key = key * (int(phase_sets.max()) + 1) + phase_sets.reshape(-1)
    else:
        values = np.full(calls.shape[0], _INT32_MISSING, dtype=np.int64)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    genotypes: dict[int, RawGenotype] = {}
    for code, row in enumerate(first.tolist()):
        *alleles, phased = calls[row].tolist()
        kept = [None if allele < 0 else allele for allele in alleles if allele != -2]
        text = None
        if phased and len(kept) > 1:
            phase_set = int(values[row])
            text = WHOLE_CHROMOSOME if phase_set <= _INT32_MISSING + 1 else str(phase_set)
        genotypes[code] = RawGenotype(tuple(kept), text)
    codes = array("I")
    codes.frombytes(inverse.reshape(-1).astype(np.uint32).tobytes())
    ref = variant.REF.upper()
    return RawRecord(ordinal, chromosome, variant.POS, ref, alts, codes, genotypes, block_end)
