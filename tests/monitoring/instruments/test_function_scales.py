"""Oswestry Disability Index, Pain Catastrophizing Scale and STarT Back."""

from __future__ import annotations

import pytest

from painpath.monitoring.instruments import InstrumentError, score

ODI_16_OF_50 = [2, 2, 1, 2, 2, 2, 1, 1, 2, 1]


def test_odi_worked_example_all_sections_answered() -> None:
    """Fairbank & Pynsent, Spine 2000 (and the v2.1a scoring sheet): 16 / 50 x 100 = 32 %."""
    result = score("odi", ODI_16_OF_50)
    assert result.score == 32.0
    assert result.band == "moderate disability"
    assert result.answered == 10


def test_odi_worked_example_one_section_missed() -> None:
    """Fairbank & Pynsent 2000: with one section missed, 16 / 45 x 100 (35.56 %; the sheet
    prints 35.5, cutting rather than rounding). painpath rounds half up to one decimal."""
    answers: list[int | None] = [2, 2, 1, 2, 2, 2, 1, None, 2, 2]
    result = score("odi", answers)
    assert result.score == 35.6
    assert result.answered == 9
    assert result.prorated is False  # the denominator shrinks; nothing is imputed


def test_odi_refuses_two_missing_sections_naming_them() -> None:
    with pytest.raises(
        InstrumentError,
        match=r"^ODI sections 3, 8: unanswered; at most 1 of 10 sections may be missing$",
    ):
        score("odi", [2, 2, None, 2, 2, 2, 1, None, 2, 2])


def test_odi_refuses_6_in_a_section() -> None:
    with pytest.raises(InstrumentError, match=r"^ODI section 3: 6 is outside 0-5$"):
        score("odi", [2, 2, 6, 2, 2, 2, 1, 1, 2, 2])


@pytest.mark.parametrize(
    ("total", "band"),
    [(10, "minimal disability"), (11, "moderate disability"), (20, "moderate disability"),
     (21, "severe disability"), (30, "severe disability"), (31, "crippled"), (40, "crippled"),
     (41, "bed-bound or exaggerating"), (50, "bed-bound or exaggerating")],
)  # fmt: skip
def test_odi_bands_at_20_40_60_80_percent(total: int, band: str) -> None:
    """Fairbank & Pynsent 2000: 0-20 minimal, 21-40 moderate, 41-60 severe, 61-80 crippled,
    81-100 bed-bound or exaggerating."""
    answers = [min(5, max(0, total - 5 * i)) for i in range(10)]
    result = score("odi", answers)
    assert result.score == total * 2
    assert result.band == band


def test_pcs_total_and_its_three_subscales() -> None:
    """Sullivan, Bishop & Pivik 1995 / PCS User Manual: rumination 8-11, magnification 6, 7, 13,
    helplessness 1-5 and 12."""
    answers = [4, 3, 3, 2, 2, 1, 0, 4, 4, 3, 3, 2, 1]
    result = score("pcs", answers)
    assert result.score == 32
    assert result.subscales == {"rumination": 14, "magnification": 2, "helplessness": 16}
    assert result.band == "clinically relevant"
    assert [f.code for f in result.flags] == ["pcs_clinically_relevant"]


def test_pcs_of_29_is_below_the_clinical_threshold_of_30() -> None:
    answers = [3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 1, 1, 0]
    result = score("pcs", answers)
    assert result.score == 29
    assert result.band == "below clinical threshold"
    assert result.flags == ()


def test_pcs_refuses_5() -> None:
    with pytest.raises(InstrumentError, match=r"^PCS item 13: 5 is outside 0-4$"):
        score("pcs", [0] * 12 + [5])


START_LOW = [1, 1, 1, 0, 0, 0, 0, 0, 2]  # total 3; item 9 "moderately" scores 0


@pytest.mark.parametrize(
    ("answers", "total", "psychosocial", "band"),
    [
        (START_LOW, 3, 0, "low"),
        ([1, 1, 1, 1, 0, 0, 0, 0, 2], 4, 0, "medium"),
        ([1, 1, 1, 1, 1, 1, 1, 0, 0], 7, 3, "medium"),
        ([0, 0, 0, 0, 1, 1, 1, 0, 3], 4, 4, "high"),  # item 9 "very much" scores 1
        ([1, 1, 1, 1, 1, 1, 1, 1, 4], 9, 5, "high"),
    ],
)
def test_start_back_groups_follow_hill_2008(
    answers: list[int], total: int, psychosocial: int, band: str
) -> None:
    """Hill et al., Arthritis Rheum 2008: total 0-3 low; psychosocial subscale (items 5-9) 4 or
    more high; otherwise medium. Item 9 scores 1 for 'very much' or 'extremely'."""
    result = score("start-back", answers)
    assert result.score == total
    assert result.subscales == {"psychosocial": psychosocial}
    assert result.band == band


def test_start_back_refuses_2_on_an_agree_item() -> None:
    with pytest.raises(InstrumentError, match=r"^STarT Back item 5: 2 is outside 0-1$"):
        score("start-back", [1, 1, 1, 0, 2, 0, 0, 0, 2])
