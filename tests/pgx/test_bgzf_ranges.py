"""An unindexed bgzipped VCF cut into ranges of BGZF blocks: every line is read exactly once,
by the range it starts in, whatever the block boundaries; corrupt blocks are refused naming
the file and the block."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest

from painpath.demo.population_vcf import cohort_vcf
from painpath.kit.limits import DEFAULT_LIMITS, InputLimits, LimitExceeded
from painpath.pgx.vcf import VcfError
from painpath.pgx.vcf.bgzf import BlockRange, block_chain, plan_ranges, range_lines
from painpath.pgx.vcf.split import ALL, Part, distinct_rows, split_parts, split_region
from tests.pgx.bgzf_files import bgzf, block


def cohort_text(samples: int = 30) -> bytes:
    stream = io.StringIO()
    cohort_vcf(stream, samples, seed=11)
    return stream.getvalue().encode()


def ranges_of(path: Path, count: int, body: int) -> list[list[bytes]]:
    with path.open("rb") as handle:
        blocks = block_chain(str(path), handle, DEFAULT_LIMITS)
        spans = plan_ranges(blocks, blocks.virtual(body), count)
        return [list(range_lines(str(path), handle, span, 1 << 20)) for span in spans]


def test_every_line_is_read_once_by_the_range_it_starts_in(tmp_path: Path) -> None:
    """Blocks of 97 bytes (records of ~130 bytes straddle them), a block ending exactly at a
    line end, empty blocks in the middle: for every count of ranges the ranges' lines, in
    order, are the file's lines; with more ranges than line starts some ranges hold none."""
    text = cohort_text()
    lines = text.splitlines(keepends=True)
    header = sum(len(line) for line in lines if line.startswith(b"#"))
    at_line_end = header + len(lines[-5])  # a block ends with a newline here
    cuts = sorted({*range(97, len(text), 97), at_line_end, at_line_end})
    cuts.insert(cuts.index(at_line_end), at_line_end)  # and an empty block after it
    path = tmp_path / "cohort.vcf.gz"
    path.write_bytes(bgzf(text, cuts))
    records = len(lines) - sum(1 for line in lines if line.startswith(b"#"))
    for count in (1, 2, 3, 7, records, 4 * records):
        found = ranges_of(path, count, header)
        assert [line for share in found for line in share] == lines, count
        assert all(not line.startswith(b"#") for share in found[1:] for line in share)
        if count == 4 * records:
            assert any(not share for share in found)  # a range inside one record: no line


def test_the_last_line_without_a_newline_is_read(tmp_path: Path) -> None:
    text = cohort_text(5).rstrip(b"\n")
    path = tmp_path / "cohort.vcf.gz"
    path.write_bytes(bgzf(text, list(range(50, len(text), 50))))
    header = text.index(b"\n", text.index(b"#CHROM")) + 1
    found = ranges_of(path, 3, header)
    assert b"".join(line for share in found for line in share) == text


def test_ranges_give_the_distinct_columns_of_the_whole_file(tmp_path: Path) -> None:
    """The first pass per range (the first reading the header) numbers every sample as the
    one pass over the whole file does, and writes the same header."""
    text = cohort_text(40)
    path = tmp_path / "cohort.vcf.gz"
    path.write_bytes(bgzf(text, list(range(300, len(text), 300))))
    parts = split_parts(str(path))
    assert parts is not None
    assert [p.name for p in parts] == ["r00"]  # small: one range
    plain = tmp_path / "cohort.vcf"
    plain.write_bytes(text)
    split_region(str(plain), Part(ALL), tmp_path / "all.vcf", tmp_path / "all.npy", tmp_path / "h")
    with path.open("rb") as handle:
        blocks = block_chain(str(path), handle, DEFAULT_LIMITS)
    body = text.index(b"\n", text.index(b"#CHROM")) + 1
    spans = plan_ranges(blocks, blocks.virtual(body), 5)
    assert len(spans) == 5
    codes = []
    for number, span in enumerate(spans):
        part = Part(f"r{number:02d}", span, parts[0].width)
        header = tmp_path / "h0" if number == 0 else None
        split_region(
            str(path), part, tmp_path / f"{number}.vcf", tmp_path / f"{number}.npy", header
        )
        codes.append(np.load(tmp_path / f"{number}.npy"))
    found, _ = distinct_rows(codes, 40)
    assert (found == np.load(tmp_path / "all.npy")).all()
    assert (tmp_path / "h0").read_bytes() == (tmp_path / "h").read_bytes()


def test_a_plain_gzip_file_is_read_in_one_pass(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "cohort.vcf.gz"
    path.write_bytes(gzip.compress(cohort_text(5)))
    assert split_parts(str(path)) == [Part(ALL)]


def corrupted(tmp_path: Path, change: int, value: bytes) -> Path:
    text = cohort_text(5)
    data = bytearray(bgzf(text, list(range(200, len(text), 200))))
    data[change : change + len(value)] = value
    path = tmp_path / "corrupt.vcf.gz"
    path.write_bytes(bytes(data))
    return path


def test_a_corrupt_bsize_is_refused_naming_the_file_and_block(tmp_path: Path) -> None:
    first = block(cohort_text(5)[:200])
    path = corrupted(tmp_path, len(first) + 16, struct.pack("<H", 60_000))  # past the end
    with pytest.raises(VcfError, match=rf"{path}: .*BGZF block at byte {len(first)}: BSIZE"):
        split_parts(str(path))
    path = corrupted(tmp_path, 16, struct.pack("<H", len(first) - 4))  # into the next block
    with pytest.raises(VcfError, match=rf"{path}: .*BGZF block at byte "):
        split_parts(str(path))


def test_a_corrupt_block_is_refused_by_the_range_that_reads_it(tmp_path: Path) -> None:
    clean = corrupted(tmp_path, 0, b"")
    with clean.open("rb") as handle:
        bad = block_chain(str(clean), handle, DEFAULT_LIMITS).offsets[-3]  # a record's block
    path = corrupted(tmp_path, bad + 20, b"\xff\xff\xff")  # inside the deflate data
    parts = split_parts(str(path))  # the chain and the header are intact
    assert parts is not None
    with pytest.raises(VcfError, match=rf"{path}: .*BGZF block at byte {bad}"):
        split_region(str(path), parts[0], tmp_path / "f", tmp_path / "c")
    assert not (tmp_path / "f").exists()
    assert not (tmp_path / "c").exists()


def test_a_range_that_never_finds_a_line_end_stops_at_the_line_limit(tmp_path: Path) -> None:
    text = cohort_text(5)
    body = text.index(b"\n", text.index(b"#CHROM")) + 1
    endless = text[:body] + b"chr22\t" + b"0" * 5000
    path = tmp_path / "endless.vcf.gz"
    path.write_bytes(bgzf(endless, list(range(100, len(endless), 100))))
    with path.open("rb") as handle:
        blocks = block_chain(str(path), handle, DEFAULT_LIMITS)
        spans = plan_ranges(blocks, blocks.virtual(body), 1)
        with pytest.raises(LimitExceeded, match=str(path)):
            list(
                range_lines(str(path), handle, BlockRange(blocks.virtual(body), spans[0].end), 1000)
            )


def test_the_blocks_decompressed_size_is_checked_before_reading(tmp_path: Path) -> None:
    text = cohort_text(5)
    path = tmp_path / "cohort.vcf.gz"
    path.write_bytes(bgzf(text, list(range(200, len(text), 200))))
    small = InputLimits(max_decompressed_bytes=len(text) - 1)
    with pytest.raises(LimitExceeded, match="max_decompressed_bytes"):
        split_parts(str(path), small)
