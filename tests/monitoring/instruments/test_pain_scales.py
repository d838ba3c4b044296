"""NRS, PEG-3 and the Brief Pain Inventory short form."""

from __future__ import annotations

import pytest

from painpath.monitoring.instruments import InstrumentError, score


@pytest.mark.parametrize(
    ("rating", "band"),
    [(0, "none"), (1, "mild"), (3, "mild"), (4, "moderate"), (6, "moderate"), (7, "severe"),
     (10, "severe")],
)  # fmt: skip
def test_nrs_bands_follow_the_0_1_3_4_6_7_10_convention(rating: int, band: str) -> None:
    result = score("nrs", [rating])
    assert result.score == rating
    assert result.band == band


def test_nrs_refuses_11() -> None:
    with pytest.raises(InstrumentError, match=r"^NRS item pain: 11 is outside 0-10$"):
        score("nrs", [11])


def test_peg_is_the_mean_of_its_three_items() -> None:
    """Krebs et al., J Gen Intern Med 2009: the PEG score is the average of the three items."""
    assert score("peg", [7, 5, 6]).score == 6.0
    assert score("peg", {"P": 7, "E": 6, "G": 6}).score == 6.33  # 19 / 3, two decimals
    assert score("peg", [8, 8, 7]).score == 7.67


def test_peg_refuses_a_missing_item() -> None:
    with pytest.raises(InstrumentError, match=r"^PEG-3 item E: unanswered"):
        score("peg", [7, None, 6])


def test_bpi_severity_is_the_mean_of_the_four_severity_items() -> None:
    """Cleeland, BPI User Guide: severity = mean of worst, least, average and now."""
    result = score("bpi-sf", [8, 2, 5, 5, 6, 4, 7, 8, 3, 6, 5])
    assert result.score == 5.0
    assert result.subscales == {"severity": 5.0, "interference": 5.57}  # 39 / 7


def test_bpi_interference_is_the_mean_of_answered_items_when_four_of_seven_are_answered() -> None:
    """BPI User Guide: interference is scored when at least 4 of the 7 items are answered."""
    result = score("bpi-sf", [8, 2, 5, 5, 6, None, 7, None, 3, None, 5])
    assert result.subscales["interference"] == 5.25  # (6 + 7 + 3 + 5) / 4
    assert result.answered == 8
    assert result.prorated is False


def test_bpi_refuses_interference_with_only_three_items_answered() -> None:
    with pytest.raises(
        InstrumentError,
        match=r"^BPI-SF items 9B, 9D, 9F, 9G: unanswered; the interference subscale needs at "
        r"least 4 of 7 answered$",
    ):
        score("bpi-sf", [8, 2, 5, 5, 6, None, 7, None, 3, None, None])


def test_bpi_refuses_a_missing_severity_item() -> None:
    with pytest.raises(InstrumentError, match=r"^BPI-SF item 4: unanswered; the severity"):
        score("bpi-sf", [8, None, 5, 5, 6, 4, 7, 8, 3, 6, 5])
