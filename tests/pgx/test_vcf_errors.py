"""Files the reader refuses: each gives a VcfError naming the file, the line and the problem,
and nothing is returned for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from painpath.pgx.matcher import call_file, iter_file_calls
from painpath.pgx.vcf import VcfError, VcfProblem, read_vcf
from tests.pgx.fixtures import fixture


def refused(path: Path, **kwargs: object) -> VcfError:
    with pytest.raises(VcfError) as caught:
        read_vcf(path, **kwargs)  # type: ignore[arg-type]
    error = caught.value
    assert error.path == str(path)
    assert str(path) in str(error)
    assert error.problem.value in str(error)
    return error


def test_a_gzip_file_cut_short_is_refused_as_truncated() -> None:
    error = refused(fixture("truncated_gzip.vcf.gz"))
    assert error.problem is VcfProblem.TRUNCATED
    assert error.line is not None
    assert f"line {error.line}" in str(error)


def test_a_bgzip_file_without_its_end_of_file_block_is_refused_as_truncated() -> None:
    error = refused(fixture("truncated_bgzf.vcf.gz"))
    assert error.problem is VcfProblem.TRUNCATED
    assert "end-of-file" in error.detail


def test_a_file_that_is_not_a_vcf_is_refused_at_line_1() -> None:
    error = refused(fixture("not_a_vcf.vcf"))
    assert error.problem is VcfProblem.NOT_VCF
    assert error.line == 1


def test_binary_junk_and_empty_files_are_not_vcfs(tmp_path: Path) -> None:
    junk, empty = tmp_path / "junk.vcf", tmp_path / "empty.vcf"
    junk.write_bytes(bytes(range(256)) * 4)
    empty.write_bytes(b"")
    assert refused(junk).problem is VcfProblem.NOT_VCF
    assert refused(empty).problem is VcfProblem.NOT_VCF


def test_records_without_a_gt_field_are_refused_naming_the_line() -> None:
    error = refused(fixture("cyp2c9_no_gt.vcf"))
    assert error.problem is VcfProblem.NO_GT_FIELD
    lines = fixture("cyp2c9_no_gt.vcf").read_text().splitlines()
    assert error.line is not None
    assert "\tDP\t" in lines[error.line - 1]


def test_a_sites_only_vcf_has_no_genotypes() -> None:
    assert refused(fixture("sites_only.vcf")).problem is VcfProblem.NO_SAMPLES


def test_an_unknown_sample_is_refused() -> None:
    error = refused(fixture("cyp2c9_multi_sample.vcf"), samples=["S2", "NA12878"])
    assert error.problem is VcfProblem.UNKNOWN_SAMPLE
    assert "NA12878" in error.detail
    with pytest.raises(VcfError):
        call_file(str(fixture("cyp2c9_multi_sample.vcf")), sample="NA12878")


def test_duplicate_records_that_disagree_are_refused() -> None:
    error = refused(fixture("cyp2c9_duplicate_conflict.vcf"))
    assert error.problem is VcfProblem.CONFLICTING_RECORDS
    assert "rs1057910" in error.detail
    assert "SAMPLE" in error.detail


def test_a_genotype_pointing_past_the_alt_alleles_is_malformed() -> None:
    error = refused(fixture("cyp2c9_bad_gt.vcf"))
    assert error.problem is VcfProblem.MALFORMED_RECORD
    assert "0/5" in error.detail


def test_a_missing_file_is_reported_as_not_found(tmp_path: Path) -> None:
    assert refused(tmp_path / "absent.vcf").problem is VcfProblem.NOT_FOUND


def test_nothing_partial_is_returned_for_a_failing_file() -> None:
    """The reader reads the whole file before the first sample's calls are made."""
    with pytest.raises(VcfError):
        iter_file_calls(str(fixture("truncated_gzip.vcf.gz")))
    with pytest.raises(VcfError):
        call_file(str(fixture("cyp2c9_duplicate_conflict.vcf")))
