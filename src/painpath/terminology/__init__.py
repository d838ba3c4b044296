"""Code systems painpath validates at its edges: LOINC, SNOMED CT, ICD-10-CM and RxNorm."""

from painpath.terminology.codes import (
    CodeError,
    check_icd10cm,
    check_loinc,
    check_snomed,
)
from painpath.terminology.formulary import Drug, formulary, lookup_rxnorm

__all__ = [
    "CodeError",
    "Drug",
    "check_icd10cm",
    "check_loinc",
    "check_snomed",
    "formulary",
    "lookup_rxnorm",
]
