"""Syntax and check-digit validation of clinical codes.

Sources: LOINC Users' Guide (LOINC codes end in a mod-10 check digit); SNOMED CT Technical
Implementation Guide §6.1 (SCTIDs are 6–18 digits ending in a Verhoeff check digit, with a
partition identifier before it); CMS ICD-10-CM Official Guidelines (code structure: a letter,
two characters, then up to four after the dot).
"""

from __future__ import annotations

import re


class CodeError(ValueError):
    """A code that cannot belong to the code system it claims."""


_LOINC = re.compile(r"^(\d{1,7})-(\d)$")
_SNOMED = re.compile(r"^[1-9]\d{5,17}$")
_ICD10CM = re.compile(r"^[A-TV-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?$")
# Chapter 22 "Codes for special purposes" (U00-U85) is not a structure but a short list; these
# are the U codes ICD-10-CM defines (vaping-related disorder, COVID-19, post COVID-19 condition).
_ICD10CM_U_CODES = frozenset({"U07.0", "U07.1", "U09.9"})

# Verhoeff tables (dihedral group D5).
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (  # row i is row 1 applied i times
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def _verhoeff_valid(number: str) -> bool:
    check = 0
    for position, digit in enumerate(reversed(number)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0


def _loinc_check_digit(body: str) -> int:
    """LOINC mod-10: double every other digit from the right, sum digits, 10 - (sum mod 10)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value // 10 + value % 10
    return (10 - total % 10) % 10


def check_loinc(code: str) -> str:
    """Return `code` if it is a LOINC code whose mod-10 check digit matches, else raise."""
    match = _LOINC.match(code)
    if not match:
        raise CodeError(f"{code!r} is not a LOINC code (digits, a hyphen and a check digit)")
    body, digit = match.groups()
    if _loinc_check_digit(body) != int(digit):
        raise CodeError(f"{code!r} fails the LOINC check digit")
    return code


def check_snomed(code: str) -> str:
    """Return `code` if it is an SCTID with a valid partition and Verhoeff check digit."""
    if not _SNOMED.match(code):
        raise CodeError(f"{code!r} is not a SNOMED CT identifier (6 to 18 digits)")
    if code[-3:-1] not in {"00", "01", "02", "10", "11", "12"}:
        raise CodeError(f"{code!r} has no valid SNOMED CT partition identifier")
    if not _verhoeff_valid(code):
        raise CodeError(f"{code!r} fails the SNOMED CT Verhoeff check digit")
    return code


def check_icd10cm(code: str) -> str:
    """Return the code in its dotted form (M5450 -> M54.50) if it has ICD-10-CM structure."""
    normalised = code.strip().upper()
    if "." not in normalised and len(normalised) > 3:
        normalised = f"{normalised[:3]}.{normalised[3:]}"
    if not (_ICD10CM.match(normalised) or normalised in _ICD10CM_U_CODES):
        raise CodeError(f"{code!r} is not an ICD-10-CM code (e.g. M54.50)")
    return normalised
