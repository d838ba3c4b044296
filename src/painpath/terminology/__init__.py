"""Code systems painpath validates at its edges: LOINC, SNOMED CT, ICD-10-CM and RxNorm."""

from painpath.terminology.codes import (
    CodeError,
    check_icd10cm,
    check_loinc,
    check_snomed,
)
from painpath.terminology.formulary import (
    Drug,
    DrugClass,
    Strength,
    TermType,
    drugs_in_class,
    formulary,
    ingredient_of,
    lookup_rxnorm,
)

__all__ = [
    "CodeError",
    "Drug",
    "DrugClass",
    "Strength",
    "TermType",
    "check_icd10cm",
    "check_loinc",
    "check_snomed",
    "drugs_in_class",
    "formulary",
    "ingredient_of",
    "lookup_rxnorm",
]
