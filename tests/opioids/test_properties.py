"""Properties of the MME arithmetic that hold for every dose."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from painpath.opioids import Medication, factor_table, summarize_mme

INGREDIENTS = sorted(factor_table().oral_mg)
doses = st.decimals(min_value="0.5", max_value="500", places=1)
per_day = st.integers(min_value=1, max_value=12)


def oral(ingredient: str, mg: object, times: int) -> Medication:
    return Medication.model_validate(
        {
            "ingredient": ingredient,
            "drug_class": "opioid",
            "mg_per_dose": mg,
            "doses_per_day": times,
        }
    )


@given(st.sampled_from(INGREDIENTS), doses, doses, per_day, st.sampled_from(["cdc2022", "cdc2016"]))
def test_mme_never_falls_when_the_dose_rises(
    ingredient: str, low: object, high: object, times: int, table: str
) -> None:
    low, high = sorted([low, high])  # type: ignore[type-var]
    small = summarize_mme([oral(ingredient, low, times)], factor_table(table))
    large = summarize_mme([oral(ingredient, high, times)], factor_table(table))
    if small.total is None or large.total is None:  # no factor in this table
        assert (small.total, large.total) == (None, None)
        return
    assert small.total <= large.total


@given(st.lists(st.tuples(st.sampled_from(INGREDIENTS), doses, per_day), min_size=1, max_size=6))
def test_the_total_is_the_sum_of_each_medication_alone(
    prescriptions: list[tuple[str, object, int]],
) -> None:
    medications = [oral(i, mg, n) for i, mg, n in prescriptions]
    together = summarize_mme(medications, factor_table()).total
    alone = [summarize_mme([m], factor_table()).total for m in medications]
    assert together == sum(t for t in alone if t is not None)


@given(st.integers(min_value=1, max_value=300))
def test_a_fentanyl_patch_is_always_2_4_mme_per_mcg_per_hour(rate: int) -> None:
    patch = Medication.model_validate(
        {"ingredient": "fentanyl", "drug_class": "opioid", "patch_mcg_per_h": rate}
    )
    assert (
        summarize_mme([patch], factor_table()).total
        == rate * factor_table().transdermal_mcg_per_h["fentanyl"]
    )
