"""The sample columns pgx-cohort plans its blocks from: read from the header only, bounded."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from painpath.analytics.cohort_inputs import CohortInputError, sample_names
from painpath.kit.limits import InputLimits, LimitExceeded

CHROM = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT"


def write(path: Path, lines: list[str]) -> Path:
    text = "".join(f"{line}\n" for line in lines)
    if path.suffix == ".gz":
        with gzip.open(path, "wt") as out:
            out.write(text)
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["a.vcf", "a.vcf.gz"])
def test_sample_names_come_from_the_chrom_line(tmp_path: Path, name: str) -> None:
    vcf = write(tmp_path / name, ["##fileformat=VCFv4.2", f"{CHROM}\tS1\tS2\tS3", "22\t1"])
    assert sample_names(vcf) == ["S1", "S2", "S3"]


def test_a_chrom_line_longer_than_max_line_bytes_is_refused(tmp_path: Path) -> None:
    names = "\t".join(f"S{i:06d}" for i in range(200))
    vcf = write(tmp_path / "a.vcf.gz", ["##fileformat=VCFv4.2", f"{CHROM}\t{names}"])
    line = len(CHROM) + 1 + len(names) + 1
    assert len(sample_names(vcf, InputLimits(max_line_bytes=line))) == 200
    with pytest.raises(LimitExceeded) as refused:
        sample_names(vcf, InputLimits(max_line_bytes=line - 1))
    assert refused.value.limit == "max_line_bytes"


def test_more_meta_lines_than_max_header_lines_are_refused(tmp_path: Path) -> None:
    vcf = write(tmp_path / "a.vcf", [*(["##x=1"] * 5), f"{CHROM}\tS1"])
    assert sample_names(vcf, InputLimits(max_header_lines=5)) == ["S1"]
    with pytest.raises(LimitExceeded) as refused:
        sample_names(vcf, InputLimits(max_header_lines=4))
    assert refused.value.limit == "max_header_lines"


def test_a_file_without_a_chrom_line_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CohortInputError, match="no #CHROM header line"):
        sample_names(write(tmp_path / "a.vcf", ["##fileformat=VCFv4.2", "22\t1"]))
