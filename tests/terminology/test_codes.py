"""LOINC, SNOMED CT and ICD-10-CM validation at painpath's edges."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from painpath.terminology import CodeError, check_icd10cm, check_loinc, check_snomed

codes = sys.modules["painpath.terminology.codes"]  # the package re-exports names that shadow it

# LOINC codes painpath records (pain score, heart rate, creatinine, PHQ-9 panel, ...).
VALID_LOINC = ["72514-3", "55423-8", "8867-4", "2160-0", "93832-4", "40443-4", "44249-1"]
# Low back pain, myocardial infarction, diabetes mellitus, fibromyalgia, rheumatoid arthritis.
VALID_SNOMED = ["279039007", "22298006", "73211009", "203082005", "69896004"]


def _luhn_valid(number: str) -> bool:
    """Independent oracle: a LOINC code with its check digit passes the Luhn (mod 10) test."""
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _other_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


@pytest.mark.parametrize("code", VALID_LOINC)
def test_loinc_codes_in_use_pass_their_check_digit(code: str) -> None:
    assert check_loinc(code) == code


@pytest.mark.parametrize("code", VALID_LOINC)
def test_loinc_code_with_a_changed_check_digit_is_refused(code: str) -> None:
    with pytest.raises(CodeError, match="check digit"):
        check_loinc(_other_digit(code))


@pytest.mark.parametrize("code", ["725143", "72514-33", "12345678-9", "-3", "72514-", "7a14-3", ""])
def test_loinc_code_without_its_shape_is_refused(code: str) -> None:
    with pytest.raises(CodeError, match="not a LOINC code"):
        check_loinc(code)


@given(body=st.text(alphabet="0123456789", min_size=1, max_size=7), digit=st.integers(0, 9))
def test_any_loinc_body_passes_with_its_check_digit_and_fails_with_any_other(
    body: str, digit: int
) -> None:
    code = f"{body}-{digit}"
    if _luhn_valid(body + str(digit)):
        assert check_loinc(code) == code
    else:
        with pytest.raises(CodeError):
            check_loinc(code)


@given(body=st.text(alphabet="0123456789", min_size=1, max_size=7))
def test_every_loinc_body_has_exactly_one_check_digit(body: str) -> None:
    passing = [d for d in range(10) if _luhn_valid(body + str(d))]
    assert passing == [codes._loinc_check_digit(body)]


@pytest.mark.parametrize("code", VALID_SNOMED)
def test_snomed_concepts_in_use_pass_partition_and_verhoeff(code: str) -> None:
    assert check_snomed(code) == code


@pytest.mark.parametrize("code", VALID_SNOMED)
def test_snomed_concept_with_an_altered_last_digit_is_refused(code: str) -> None:
    with pytest.raises(CodeError, match="Verhoeff"):
        check_snomed(_other_digit(code))


@pytest.mark.parametrize(
    "code",
    [
        "22298034",  # partition 03: Verhoeff-valid, but no such partition
        "22298052",  # partition 05
        "22298099",  # partition 09
    ],
)
def test_snomed_identifier_with_a_wrong_partition_is_refused(code: str) -> None:
    assert codes._verhoeff_valid(code)  # only the partition is wrong
    with pytest.raises(CodeError, match="partition"):
        check_snomed(code)


@pytest.mark.parametrize("code", ["12345", "0279039007", "27903900x", "1" * 19, ""])
def test_snomed_identifier_without_its_shape_is_refused(code: str) -> None:
    with pytest.raises(CodeError, match="not a SNOMED CT identifier"):
        check_snomed(code)


def test_verhoeff_permutation_rows_are_powers_of_the_first() -> None:
    # A typo in one row once made fibromyalgia (203082005) and ~30% of real SCTIDs fail.
    row = list(range(10))
    for expected in codes._P:
        assert tuple(row) == expected
        row = [codes._P[1][digit] for digit in row]


def test_verhoeff_multiplication_is_the_dihedral_group_d5() -> None:
    for i in range(10):
        for j in range(10):
            if i < 5:
                product = (i + j) % 5 + (5 if j >= 5 else 0)
            else:
                product = (i - j) % 5 + (0 if j >= 5 else 5)
            assert codes._D[i][j] == product


@pytest.mark.parametrize(
    ("code", "normalised"),
    [
        ("M54.50", "M54.50"),
        ("M5450", "M54.50"),
        ("m54.50", "M54.50"),
        (" G43.909 ", "G43.909"),
        ("E11.42", "E11.42"),
        ("B02.29", "B02.29"),
        ("I10", "I10"),
        ("U09.9", "U09.9"),  # post COVID-19 condition
        ("U071", "U07.1"),
    ],
)
def test_icd10cm_codes_are_accepted_in_dotted_form(code: str, normalised: str) -> None:
    assert check_icd10cm(code) == normalised


@pytest.mark.parametrize(
    "code", ["U07", "U07.9", "123", "M54.50000", "M5", "M54.", "5M4.50", "C00-C14", ""]
)
def test_icd10cm_code_without_its_structure_is_refused(code: str) -> None:
    with pytest.raises(CodeError, match="not an ICD-10-CM code"):
        check_icd10cm(code)


def test_code_errors_are_value_errors_for_pydantic_validators() -> None:
    assert issubclass(CodeError, ValueError)
