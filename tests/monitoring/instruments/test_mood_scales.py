"""PHQ-9, PHQ-2, GAD-7 and GAD-2: sums, bands, screens and the PHQ-9 item 9 safety flag."""

from __future__ import annotations

import pytest

from painpath.monitoring.instruments import InstrumentError, item_flags, score


def answers_summing_to(total: int, items: int, item_max: int = 3) -> list[int]:
    """Answers front-loaded to reach `total`, with the last item 0 (so PHQ-9 item 9 stays 0)."""
    values = []
    for _ in range(items - 1):
        values.append(min(item_max, total))
        total -= values[-1]
    assert total == 0
    return [*values, 0]


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
     (14, "moderate"), (15, "moderately severe"), (19, "moderately severe"), (20, "severe"),
     (24, "severe")],
)  # fmt: skip
def test_phq9_severity_bands_follow_kroenke_2001(total: int, band: str) -> None:
    """Kroenke, Spitzer, Williams, J Gen Intern Med 2001: 5, 10, 15 and 20 are the cut-points."""
    result = score("phq-9", answers_summing_to(total, 9))
    assert result.score == total
    assert result.band == band


def test_phq9_of_10_or_more_is_a_positive_screen() -> None:
    codes = [f.code for f in score("phq-9", answers_summing_to(10, 9)).flags]
    assert codes == ["phq9_positive_screen"]
    assert score("phq-9", answers_summing_to(9, 9)).flags == ()


def test_phq9_item_9_above_0_is_urgent_whatever_the_total() -> None:
    result = score("phq-9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert result.score == 1
    assert result.band == "minimal"
    (flag,) = result.flags
    assert flag.code == "phq9_item9_positive"
    assert flag.severity == "urgent"
    assert flag.as_json()["severity"] == "urgent"


def test_phq9_item_9_flag_stands_beside_the_screen_flag() -> None:
    result = score("phq-9", [3, 3, 3, 3, 3, 3, 3, 3, 3])
    assert result.score == 27
    assert result.band == "severe"
    assert [f.code for f in result.flags] == ["phq9_item9_positive", "phq9_positive_screen"]


def test_phq9_refuses_an_answer_above_3_naming_the_item() -> None:
    with pytest.raises(InstrumentError, match=r"^PHQ-9 item 4: 5 is outside 0-3$"):
        score("phq-9", [1, 1, 1, 5, 1, 1, 1, 1, 1])


def test_phq9_refuses_missing_items_naming_them() -> None:
    with pytest.raises(InstrumentError, match=r"^PHQ-9 items 3, 9: unanswered"):
        score("phq-9", [1, 1, None, 1, 1, 1, 1, 1, None])


@pytest.mark.parametrize(("answers", "band"), [([1, 1], "negative"), ([2, 1], "positive")])
def test_phq2_of_3_or_more_is_a_positive_screen(answers: list[int], band: str) -> None:
    """Kroenke, Spitzer, Williams, Med Care 2003: cut-point 3."""
    result = score("phq-2", answers)
    assert result.band == band
    assert [f.code for f in result.flags] == (
        ["phq2_positive_screen"] if band == "positive" else []
    )


@pytest.mark.parametrize(
    ("total", "band"),
    [(4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
     (15, "severe"), (21, "severe")],
)  # fmt: skip
def test_gad7_bands_follow_spitzer_2006(total: int, band: str) -> None:
    """Spitzer et al., Arch Intern Med 2006: 5, 10 and 15 are mild, moderate and severe."""
    values = [min(3, max(0, total - 3 * i)) for i in range(7)]
    result = score("gad-7", values)
    assert result.score == total
    assert result.band == band
    assert ("gad7_positive_screen" in [f.code for f in result.flags]) == (total >= 10)


@pytest.mark.parametrize(("answers", "band"), [([2, 0], "negative"), ([0, 3], "positive")])
def test_gad2_of_3_or_more_is_a_positive_screen(answers: list[int], band: str) -> None:
    """Kroenke et al., Ann Intern Med 2007: cut-point 3."""
    assert score("gad-2", answers).band == band


def test_phq9_item_9_stays_urgent_when_the_questionnaire_cannot_be_scored() -> None:
    with pytest.raises(InstrumentError, match=r"^PHQ-9 item 4: unanswered") as refused:
        score("phq-9", [1, 1, 1, None, 1, 1, 1, 1, 2])
    assert [(f.code, f.severity) for f in refused.value.flags] == [
        ("phq9_item9_positive", "urgent")
    ]


def test_item_flags_reads_incomplete_answers() -> None:
    assert [f.code for f in item_flags("phq-9", {"9": 1})] == ["phq9_item9_positive"]
    assert item_flags("phq-9", {"9": 0}) == ()
    assert item_flags("gad-7", [3] * 7) == ()  # GAD-7 has no item-level flag
    with pytest.raises(InstrumentError, match=r"^PHQ-9 item 9: 4 is outside 0-3$"):
        item_flags("phq-9", {"9": 4})
