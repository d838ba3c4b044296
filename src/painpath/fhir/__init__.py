"""Mapping FHIR R4 JSON (CDS Hooks prefetch, draft orders, EHR reads) to painpath's domain
inputs. Pure functions over dicts: no web, database or settings.

The public API is `__all__`.
"""

from painpath.fhir.opioid_inputs import OpioidInputs, assessment_input_from_fhir
from painpath.fhir.resources import flatten
from painpath.fhir.valuesets import value_set, value_sets_source

__all__ = [
    "OpioidInputs",
    "assessment_input_from_fhir",
    "flatten",
    "value_set",
    "value_sets_source",
]
