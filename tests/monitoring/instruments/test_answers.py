"""Answers are positional or keyed by item id; anything else is refused with the item named."""

from __future__ import annotations

import pytest

from painpath.monitoring.instruments import InstrumentError, score


def test_positional_and_mapping_answers_score_the_same() -> None:
    positional = score("gad-7", [1, 2, 3, 0, 1, 2, 3])
    keyed = score("gad-7", {"7": 3, "6": 2, "5": 1, "4": 0, "3": 3, "2": 2, "1": 1})
    assert positional == keyed
    assert positional.score == 12


def test_too_few_positional_answers_are_refused() -> None:
    with pytest.raises(InstrumentError, match=r"^PHQ-9 expects 9 answers, got 8$"):
        score("phq-9", [0] * 8)


def test_an_unknown_item_key_is_refused() -> None:
    with pytest.raises(InstrumentError, match=r"^GAD-2: unknown item '3'$"):
        score("gad-2", {"1": 1, "2": 1, "3": 1})


@pytest.mark.parametrize("value", [1.5, "2", [1]])
def test_non_whole_numbers_are_refused(value: object) -> None:
    with pytest.raises(InstrumentError, match=r"^PHQ-2 item 2: .* is not a whole number$"):
        score("phq-2", [1, value])  # type: ignore[list-item]


def test_whole_floats_are_accepted() -> None:
    assert score("phq-2", [1.0, 2.0]).score == 3


def test_negative_answers_are_refused() -> None:
    with pytest.raises(InstrumentError, match=r"^GAD-7 item 1: -1 is outside 0-3$"):
        score("gad-7", [-1, 0, 0, 0, 0, 0, 0])


def test_a_string_is_not_a_list_of_answers() -> None:
    with pytest.raises(InstrumentError, match="answers must be a list or a mapping"):
        score("phq-2", "12")  # type: ignore[arg-type]


def test_the_result_serialises_to_the_documented_keys() -> None:
    document = score("phq-9", [1, 1, 1, 1, 1, 1, 1, 1, 0]).as_json()
    assert list(document) == [
        "instrument", "version", "score", "band", "subscales", "flags", "answered", "prorated",
    ]  # fmt: skip
    assert document["instrument"] == "phq-9"
    assert document["score"] == 8
    promis = score("promis-pi-4a", [1, 1, 1, 1]).as_json()
    assert promis["t_score"] == 41.6
