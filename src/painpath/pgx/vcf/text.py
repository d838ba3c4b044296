"""Pure-Python reader for plain and gzip/bgzip VCF text.

Lines are read as bytes; only records at target positions are split. A record's genotypes are
interned once for all samples: in the common GT-only file whose calls are all three
characters (`0/1`, `1|1`, `./.`) the sample columns are viewed as 4-byte integers (a call plus
its tab) and counted per distinct call, without a Python object per sample.
"""

from __future__ import annotations

import gzip
import os
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import BinaryIO, cast

from painpath.kit.limits import DEFAULT_LIMITS, InputLimits, LimitExceeded
from painpath.pgx.build import normalize_chromosome
from painpath.pgx.vcf.collect import Collector
from painpath.pgx.vcf.index import Chunk, VcfIndex, lines_in, read_index
from painpath.pgx.vcf.model import RawGenotype, RawRecord, VcfError, VcfProblem, parse_gt

_BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_DECOMPRESSION_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, OSError)


class IsBcf(Exception):
    """Raised by open_vcf to hand a BCF file to the cyvcf2 reader."""


def open_vcf(path: str) -> tuple[BinaryIO, bool]:
    """Open a plain or gzip/bgzip VCF for reading bytes, and say whether it is BGZF.

    Raises IsBcf for BCF.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(18)
    except (FileNotFoundError, IsADirectoryError):
        raise VcfError(path, VcfProblem.NOT_FOUND, "no such file") from None
    if head[:2] != b"\x1f\x8b":
        return open(path, "rb"), False
    bgzf = len(head) >= 14 and bool(head[3] & 4) and head[12:14] == b"BC"
    if bgzf:
        with open(path, "rb") as handle:
            handle.seek(max(0, os.path.getsize(path) - len(_BGZF_EOF)))
            if handle.read() != _BGZF_EOF:
                raise VcfError(path, VcfProblem.TRUNCATED, "BGZF end-of-file marker missing")
    raw = gzip.open(path, "rb")  # noqa: SIM115  (returned open; the caller closes it)
    try:
        magic = raw.peek(4)[:4]
    except _DECOMPRESSION_ERRORS as error:
        raw.close()
        raise VcfError(path, VcfProblem.TRUNCATED, str(error), 1) from None
    if magic == b"BCF\x02":
        raw.close()
        raise IsBcf
    return cast(BinaryIO, raw), bgzf


class _Lines:
    """Numbered lines, each and all together within the limits; decompression failures become
    VcfError naming the line."""

    def __init__(self, path: str, stream: BinaryIO, limits: InputLimits):
        self.path = path
        self.stream = stream
        self.limits = limits
        #: The current line; None once records are read through an index (out of order).
        self.number: int | None = 0

    def too_large(self, limit: str, detail: str) -> LimitExceeded:
        where = self.path if self.number is None else f"{self.path}, line {self.number}"
        return LimitExceeded(where, limit, getattr(self.limits, limit), detail)

    def __iter__(self) -> Iterator[bytes]:
        number = total = 0
        longest = self.limits.max_line_bytes
        budget = self.limits.max_decompressed_bytes
        try:
            while line := self.stream.readline(longest + 1):
                number += 1
                self.number = number
                total += len(line)
                if len(line) > longest:
                    raise self.too_large("max_line_bytes", f"a line is longer than {longest} bytes")
                if total > budget:
                    raise self.too_large(
                        "max_decompressed_bytes", f"more than {budget} bytes after decompression"
                    )
                yield line
        except _DECOMPRESSION_ERRORS as error:
            raise VcfError(self.path, VcfProblem.TRUNCATED, str(error), number + 1) from None

    def text(self, line: bytes) -> str:
        try:
            return line.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as error:
            raise VcfError(self.path, VcfProblem.NOT_VCF, str(error), self.number) from None


def read_text(
    collector: Collector,
    stream: BinaryIO,
    indexed: str | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> None:
    """Read a VCF's header, then the records at target positions: all lines in one pass, or,
    for a bgzipped file (`indexed` = its path) with a tabix/CSI index, only the indexed blocks
    of the gene regions. LimitExceeded when the file passes one of `limits`."""
    lines = _Lines(collector.path, stream, limits)
    numbered = iter(lines)
    first = lines.text(next(numbered, b""))
    if not first.startswith("##fileformat=VCF"):
        raise VcfError(collector.path, VcfProblem.NOT_VCF, "first line is not ##fileformat=VCF", 1)
    header: list[str] = []
    header_bytes = 0
    for raw in numbered:
        text = lines.text(raw)
        if text.startswith("##"):
            header_bytes += len(raw)
            check_header(lines.too_large, len(header) + 1, header_bytes, limits)
            header.append(text)
            continue
        if not text.startswith("#CHROM"):
            raise VcfError(collector.path, VcfProblem.NOT_VCF, "no #CHROM line", lines.number)
        columns = text.split("\t")
        names = columns[9:] if len(columns) > 9 and columns[8] == "FORMAT" else []
        collector.start(header, names, lines.number or 0)
        break
    else:
        raise VcfError(collector.path, VcfProblem.NOT_VCF, "no #CHROM line", lines.number)
    index = read_index(indexed) if indexed else None
    body: Iterable[bytes] = numbered
    if indexed and index is not None:
        lines.number = None
        body = _indexed_lines(indexed, index, collector, limits)
    _scan(collector, _RecordParser(collector, lines), body)


def check_header(
    too_large: Callable[[str, str], LimitExceeded], count: int, size: int, limits: InputLimits
) -> None:
    """Refuse a header past `max_header_lines` lines or `max_header_bytes` bytes."""
    if count > limits.max_header_lines:
        raise too_large("max_header_lines", f"more than {limits.max_header_lines} ## header lines")
    if size > limits.max_header_bytes:
        raise too_large(
            "max_header_bytes", f"the ## header is larger than {limits.max_header_bytes} bytes"
        )


def _indexed_lines(
    path: str, index: VcfIndex, collector: Collector, limits: InputLimits
) -> Iterator[bytes]:
    chunks: list[Chunk] = []
    for chromosome, (low, high) in collector.regions.items():
        longest = max(
            len(t.ref) for (c, _), ts in collector.targets.items() if c == chromosome for t in ts
        )
        chunks.extend(index.chunks(chromosome, low - 1, high + longest))
    try:
        for line in lines_in(path, chunks, limits.max_line_bytes):
            if len(line) > limits.max_line_bytes:
                raise LimitExceeded(
                    path,
                    "max_line_bytes",
                    limits.max_line_bytes,
                    f"a line is longer than {limits.max_line_bytes} bytes",
                )
            yield line
    except (*_DECOMPRESSION_ERRORS, ValueError) as error:
        if isinstance(error, LimitExceeded):
            raise
        raise VcfError(path, VcfProblem.TRUNCATED, f"reading indexed blocks: {error}") from None


def _scan(collector: Collector, parser: _RecordParser, body: Iterable[bytes]) -> None:
    targets, regions = collector.targets, collector.regions
    # Contig name → chromosome, or "" for a contig with no target (its lines are skipped).
    chromosomes: dict[bytes, str] = {}
    for raw in body:
        tab = raw.find(b"\t")
        name = raw[:tab]
        chromosome = chromosomes.get(name)
        if chromosome is None:
            normalized = normalize_chromosome(name.decode("ascii", "replace"))
            chromosome = chromosomes[name] = normalized if normalized in regions else ""
        if not chromosome:
            if not raw.strip():
                continue
            if tab < 0:
                raise parser.error(VcfProblem.MALFORMED_RECORD, "no tab-separated fields")
            continue
        end = raw.find(b"\t", tab + 1)
        try:
            pos = int(raw[tab + 1 : end])
        except ValueError:
            raise parser.error(VcfProblem.MALFORMED_RECORD, "bad POS") from None
        found = targets.get((chromosome, pos))
        if found is None:
            region = regions[chromosome]
            if pos > region[1] or b"END=" not in raw:
                continue
        record = parser.parse(raw, chromosome, pos)
        if record is not None:
            collector.add(record, found)


#: GT characters of the compact path: allele digits 0-9 and "." (value 10); "/" and "|".
_ALLELE_VALUES = bytes(range(10)) + b"\x0a"
_ALLELE_CHARS = b"0123456789."
_ALLELE_TABLE = bytes.maketrans(_ALLELE_CHARS, _ALLELE_VALUES)
_SEPARATOR_TABLE = bytes.maketrans(b"/|", b"\x00\x01")


def _packed(data: bytes, table: bytes) -> int:
    """`data` translated through `table`, read as one little-endian integer (byte = lane)."""
    return int.from_bytes(data.translate(table), "little")


class _RecordParser:
    def __init__(self, collector: Collector, lines: _Lines):
        self.collector = collector
        self.lines = lines
        self.n = collector.n_file_samples
        self.tabs = b"\t" * (self.n - 1)
        self.where = ""

    def error(self, problem: VcfProblem, detail: str, where: str = "") -> VcfError:
        line = self.lines.number
        where = where or self.where
        if line is None and where:
            detail = f"{detail} (record at {where})"
        return VcfError(self.collector.path, problem, detail, line)

    def parse(self, raw: bytes, chromosome: str, pos: int) -> RawRecord | None:
        self.where = f"{chromosome}:{pos}"
        fields = raw.rstrip(b"\r\n").split(b"\t", 9)
        if len(fields) < 10:
            raise self.error(VcfProblem.MALFORMED_RECORD, f"{len(fields)} columns, no samples")
        # Bases are case-insensitive in VCF; some tools write soft-masked (lower-case) REF.
        ref = fields[3].decode("ascii", "replace").upper()
        alt_text = fields[4].decode("ascii", "replace")
        alts = () if alt_text == "." else tuple(alt_text.upper().split(","))
        keys = fields[8].decode("ascii", "replace").split(":")
        if "GT" not in keys:
            raise self.error(VcfProblem.NO_GT_FIELD, f"FORMAT is {':'.join(keys)!r}")
        block_end = None
        if alts and all(alt.startswith("<") for alt in alts) and b"END=" in fields[7]:
            for item in fields[7].split(b";"):
                if item.startswith(b"END="):
                    block_end = int(item[4:])
        if block_end is None and (chromosome, pos) not in self.collector.targets:
            return None
        n_alleles = len(alts) + 1
        fast = self._fixed_width(fields[9], n_alleles) if keys == ["GT"] else None
        codes, genotypes = fast if fast is not None else self._general(fields[9], keys, n_alleles)
        return RawRecord(self.lines.number, chromosome, pos, ref, alts, codes, genotypes, block_end)

    def _fixed_width(
        self, rest: bytes, n_alleles: int
    ) -> tuple[Sequence[int], dict[int, RawGenotype]] | None:
        """One byte per sample for a GT-only record whose calls are all three characters.

        Each sample's call `a?b` (a, b in 0-9 or ".", ? in "/|") becomes the byte
        (2a + phased) * 11 + b, computed for all samples at once with big-integer arithmetic
        on byte lanes (no lane exceeds 241, so nothing carries into its neighbour).
        """
        n = self.n
        if len(rest) != 4 * n - 1 or (n > 1 and rest[3::4] != self.tabs):
            return None
        firsts, separators, seconds = rest[0::4], rest[1::4], rest[2::4]
        if (
            firsts.translate(None, _ALLELE_CHARS)
            or seconds.translate(None, _ALLELE_CHARS)
            or separators.translate(None, b"/|")
        ):
            return None
        first = _packed(firsts, _ALLELE_TABLE)
        second = _packed(seconds, _ALLELE_TABLE)
        phased = _packed(separators, _SEPARATOR_TABLE)
        cells = ((first * 2 + phased) * 11 + second).to_bytes(n, "little")
        genotypes: dict[int, RawGenotype] = {}
        remaining = cells
        while remaining:
            code = remaining[0]
            remaining = remaining.translate(None, bytes((code,)))
            pair, b = divmod(code, 11)
            a, sep = divmod(pair, 2)
            text = f"{_ALLELE_CHARS[a]:c}{'/|'[sep]}{_ALLELE_CHARS[b]:c}"
            parsed = parse_gt(text, None, n_alleles)
            if parsed is None:
                raise self.error(VcfProblem.MALFORMED_RECORD, f"bad GT {text!r}")
            genotypes[code] = parsed
        columns = self.collector.sample_columns
        if columns is None:
            return cells, genotypes
        chosen = bytes(map(cells.__getitem__, columns))
        return chosen, {code: genotypes[code] for code in set(chosen)}

    def _general(
        self, rest: bytes, keys: list[str], n_alleles: int
    ) -> tuple[Sequence[int], dict[int, RawGenotype]]:
        try:
            columns = rest.decode("utf-8").split("\t")
        except UnicodeDecodeError as error:
            raise self.error(VcfProblem.NOT_VCF, str(error)) from None
        if len(columns) != self.n:
            raise self.error(
                VcfProblem.MALFORMED_RECORD, f"{len(columns)} sample columns, header has {self.n}"
            )
        if self.collector.sample_columns is not None:
            columns = [columns[i] for i in self.collector.sample_columns]
        values = genotype_values(columns, keys)
        index: dict[str, int] = {}
        genotypes: dict[int, RawGenotype] = {}
        for value in set(values):
            gt, _, ps = value.partition("\x00")
            parsed = parse_gt(gt, ps or None, n_alleles)
            if parsed is None:
                raise self.error(VcfProblem.MALFORMED_RECORD, f"bad GT {gt!r}")
            index[value] = len(index)
            genotypes[index[value]] = parsed
        return array("I", map(index.__getitem__, values)), genotypes


def genotype_values(columns: list[str], keys: list[str]) -> list[str]:
    """Each sample's GT, with `\\0PS` appended to phased calls when the record has PS."""
    gi = keys.index("GT")
    if len(keys) == 1:
        return columns
    if "PS" not in keys:
        if gi == 0:
            return [value.partition(":")[0] for value in columns]
        return [(value.split(":") + ["."] * len(keys))[gi] for value in columns]
    pi = keys.index("PS")
    values = []
    for value in columns:
        parts = value.split(":")
        gt = parts[gi] if gi < len(parts) else "."
        ps = parts[pi] if pi < len(parts) else "."
        values.append(f"{gt}\x00{ps}" if "|" in gt else gt)
    return values
