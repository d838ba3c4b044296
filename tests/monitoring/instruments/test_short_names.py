"""An instrument is found by its short name too, the name printed on the form (issue 8 item 1:
users type "PEG-3", and the demo had stored `peg-3`, which the catalog refused)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from painpath.cli.main import app
from painpath.monitoring.instruments import catalog, definition, score


@pytest.mark.parametrize("spelling", ["PEG-3", "peg-3", "peg3", "PEG", "peg"])
def test_peg_3_names_the_peg(spelling: str) -> None:
    assert definition(spelling).id == "peg"
    assert score(spelling, [7, 5, 6]).score == 6.0


def test_every_short_name_finds_its_own_instrument() -> None:
    for found in catalog():
        assert definition(found.short_name) is found


def test_the_catalog_lists_each_instrument_once() -> None:
    ids = [found.id for found in catalog()]
    assert len(ids) == len(set(ids))


def test_painpath_score_takes_peg_3() -> None:
    result = CliRunner().invoke(app, ["score", "peg-3", "--answers", "5,6,7", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["instrument"] == "peg"
    assert document["score"] == 6.0
