"""Issue 10, finding 3, on the command line: `pgx call`, `pgx batch` and `wearables import`
refuse a file past a PAINPATH_MAX_* limit with one line naming it (exit 1), in bounded memory,
and the limits are read from the settings."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from typer.testing import CliRunner

from painpath.cli.main import app
from painpath.models.wearable import WearableImport
from tests.cli.helpers import Invoke, error_line
from tests.support.bombs import deflate_bomb, write_gzip, write_zip
from tests.support.cohort import Cast

runner = CliRunner()
VCF_HEAD = (
    b"##fileformat=VCFv4.2\n##contig=<ID=chr10,length=133797422>\n"
    b"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
)


def _pgx(*args: str | Path, **env: str) -> str:
    result = runner.invoke(
        app,
        ["pgx", *map(str, args)],
        env={f"PAINPATH_{name.upper()}": value for name, value in env.items()},
    )
    return error_line(result)


def test_finding_3_pgx_call_refuses_a_gzip_vcf_with_a_1_gib_line(tmp_path: Path) -> None:
    bomb = deflate_bomb(VCF_HEAD + b"chr10\t94942290\t.\tC\tT\t.\tPASS\t", b"A", 1024)
    path = write_gzip(tmp_path / "long.vcf.gz", bomb)
    line = _pgx("call", path)
    assert "line 4" in line
    assert "max_line_bytes" in line
    assert "PAINPATH_MAX_LINE_BYTES" in line


def test_finding_3_pgx_batch_refuses_16_million_header_lines(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow", reason="pgx batch needs the pgx extra")
    path = write_gzip(tmp_path / "h.vcf.gz", deflate_bomb(b"##fileformat=VCFv4.2\n", b"##\n", 48))
    line = _pgx("batch", path, "-o", tmp_path / "out.parquet")
    assert "PAINPATH_MAX_HEADER_LINES" in line
    assert not (tmp_path / "out.parquet").exists()


def test_finding_3_the_limits_come_from_the_settings(tmp_path: Path) -> None:
    text = b"##fileformat=VCFv4.2\n" + b"##comment=x\n" * 20 + VCF_HEAD.split(b"\n", 2)[2]
    path = tmp_path / "many.vcf"
    path.write_bytes(text + b"chr10\t94942290\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\n")
    line = _pgx("call", path, max_header_lines="10")
    assert "more than 10 ## header lines" in line
    assert "PAINPATH_MAX_HEADER_LINES" in line
    ok = runner.invoke(app, ["pgx", "call", str(path)])
    assert ok.exit_code == 0, ok.output


def _bcf(path: Path, header_lines: int, record_length: int) -> Path:
    """A BCF as the prescan reads it (gzip around BCF2.2: header text, then record lengths)."""
    text = b"##fileformat=VCFv4.2\n" * header_lines + b"#CHROM\tPOS\tID\tREF\tALT\n\x00"
    record = struct.pack("<II", record_length, 0) + b"\x00" * min(record_length, 64)
    path.write_bytes(gzip.compress(b"BCF\x02\x02" + struct.pack("<I", len(text)) + text + record))
    return path


def test_finding_3_a_bcf_past_the_limits_is_refused_before_htslib_reads_it(
    tmp_path: Path,
) -> None:
    """htslib allocates a header or a record whole, whatever length the file gives: the
    lengths are checked first."""
    line = _pgx("call", _bcf(tmp_path / "headers.bcf", 200_000, 10))
    assert "PAINPATH_MAX_HEADER_LINES" in line
    line = _pgx("call", _bcf(tmp_path / "record.bcf", 3, 2**31))
    assert "record 1" in line
    assert "PAINPATH_MAX_LINE_BYTES" in line


def test_finding_3_wearables_import_refuses_a_fitbit_zip_with_a_1_gib_member(
    invoke: Invoke, app: FastAPI, cast: Cast, tmp_path: Path
) -> None:
    member = "Takeout/Fitbit/Global Export Data/steps-2026-11-01.json"
    path = write_zip(tmp_path / "takeout.zip", {member: deflate_bomb(b"[", b" ", 1024, b"]")})
    result = invoke(
        "wearables", "import", str(path), "--patient", str(cast.home_patient_id), "--as", "patient"
    )
    line = error_line(result)
    assert "takeout.zip!Takeout/Fitbit" in line
    assert "PAINPATH_MAX_JSON_BYTES" in line
    with app.state.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(WearableImport)) == 0
