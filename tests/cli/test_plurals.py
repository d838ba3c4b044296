"""Counts in messages agree with their nouns: "1 sample", never "1 samples".

Issue 8 item 7: `painpath pgx batch` on a one-sample file printed "1 samples (1 distinct
genotype patterns)". Every count-and-noun message of the CLI and of the engines' notes goes
through `painpath.kit.text.counted`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from painpath.cli.main import app
from painpath.kit.text import counted
from tests.pgx.fixtures import fixture

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    ("count", "words", "expected"),
    [
        (0, ("sample",), "0 samples"),
        (1, ("sample",), "1 sample"),
        (2, ("sample",), "2 samples"),
        (1, ("entry", "entries"), "1 entry"),
        (5, ("entry", "entries"), "5 entries"),
    ],
)
def test_counted_agrees_with_the_count(count: int, words: tuple[str, ...], expected: str) -> None:
    assert counted(count, *words) == expected


def test_pgx_batch_of_one_sample_says_one_sample(tmp_path: Path) -> None:
    out = tmp_path / "one.parquet"
    result = runner.invoke(app, ["pgx", "batch", str(fixture("cyp2c9_s1s3.vcf")), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 sample (1 distinct genotype pattern):" in result.stderr
    assert "samples" not in result.stderr.split("→")[0]


def test_one_untested_position_is_one_position() -> None:
    result = runner.invoke(app, ["pgx", "call", str(EXAMPLES / "pgx" / "patient.vcf.gz")])
    assert result.exit_code == 0, result.output
    notes = json.loads(result.stdout)["samples"][0]["genes"]["OPRM1"]["notes"]
    assert "1 of 1 position not tested (1 not in the file); never assumed reference" in notes


def test_one_logged_minute_is_one_minute() -> None:
    result = runner.invoke(
        app, ["rpm", "codes", "--program", "RPM", "--data-days", "20", "--minutes", "1"]
    )
    assert result.exit_code == 0, result.output
    reasons = [r["reason"] for r in json.loads(result.stdout)["refused"]]
    assert "99470 needs ≥ 10 minutes; 1 minute logged" in reasons
