"""Drug products of pharmacy claims → class, ingredient and MME per day, via painpath's engines.

A claim names its product by RxNorm code (or by NDC, through a caller-supplied NDC → RxNorm
map). The RxNorm formulary (`painpath.terminology`) gives the ingredient, strength and dose
form; the opioid engine (`painpath.opioids.mme`, CDC 2022 factors by default) gives the MME of
one unit taken once a day, so a claim's MME/day is that × quantity ÷ days' supply. A fentanyl
patch's MME/day is its mcg/h strength × the factor, for continuous wear across the days'
supply. No second factor table: every number comes from `medication_mme`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from painpath.fhir.medications import route_of
from painpath.opioids.inputs import Medication
from painpath.opioids.knowledge import FactorTableName, factor_table
from painpath.opioids.mme import MmeStatus, medication_mme
from painpath.terminology.formulary import DrugClass, lookup_rxnorm

OPIOID = "opioid"
BENZODIAZEPINE = "benzodiazepine"
OTHER = "other"
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Product:
    """What the measures need of one RxNorm code."""

    rxnorm: str
    #: opioid | benzodiazepine | other (known, not counted) | unknown (not in the formulary)
    measure_class: str
    ingredient: str | None
    #: MME/day of one unit a day (per_unit) or of the product worn continuously (per_day).
    mme_per_unit: float | None
    mme_per_day_fixed: float | None
    #: Why MME cannot be computed for an opioid (None when it can).
    mme_problem: str | None
    #: Opioids the measures leave out (buprenorphine, injectables), with the reason.
    out_of_scope: str | None


def _opioid_product(code: str, table_name: FactorTableName) -> Product:
    drug = lookup_rxnorm(code)
    assert drug is not None
    table = factor_table(table_name)
    route = route_of(drug.dose_form)
    scope = None
    if drug.ingredient in table.excluded:
        scope = f"{drug.ingredient}: {table.excluded[drug.ingredient]}"
    elif route == "parenteral":
        scope = "injectable opioid: outside the outpatient measures"
    strength = drug.strength
    if strength is None:
        return Product(code, OPIOID, drug.ingredient, None, None, "no single strength", scope)
    if strength.unit == "MCG/HR":
        medication = Medication(
            ingredient=drug.ingredient, drug_class="opioid", patch_mcg_per_h=strength.value
        )
    elif strength.unit in ("MG", "MG/ML"):
        medication = Medication(
            ingredient=drug.ingredient,
            drug_class="opioid",
            route=route,
            mg_per_dose=strength.value,
            doses_per_day=1,
        )
    else:
        return Product(
            code, OPIOID, drug.ingredient, None, None, f"strength in {strength.unit}", scope
        )
    line = medication_mme(0, medication, table)
    if line.status is not MmeStatus.computed or line.mme_per_day is None:
        return Product(code, OPIOID, drug.ingredient, None, None, line.reason or "no MME", scope)
    mme = float(line.mme_per_day)
    if strength.unit == "MCG/HR":
        return Product(code, OPIOID, drug.ingredient, None, mme, None, scope)
    return Product(code, OPIOID, drug.ingredient, mme, None, None, scope)


@cache
def resolve(code: str, table_name: FactorTableName = FactorTableName.cdc2022) -> Product:
    """The product of one RxNorm code (unknown codes resolve to class `unknown`)."""
    drug = lookup_rxnorm(code)
    if drug is None:
        return Product(code, UNKNOWN, None, None, None, None, None)
    if drug.drug_class is DrugClass.opioid:
        return _opioid_product(code, table_name)
    if drug.drug_class is DrugClass.benzodiazepine:
        return Product(code, BENZODIAZEPINE, drug.ingredient, None, None, None, None)
    return Product(code, OTHER, drug.ingredient, None, None, None, None)


def product_rows(
    codes: Iterable[str], table_name: FactorTableName = FactorTableName.cdc2022
) -> dict[str, list[object]]:
    """Column lists of the products of `codes`, for a join onto claims."""
    columns: dict[str, list[object]] = {
        "rxnorm": [],
        "measure_class": [],
        "ingredient": [],
        "mme_per_unit": [],
        "mme_per_day_fixed": [],
        "mme_problem": [],
        "out_of_scope": [],
    }
    for code in codes:
        product = resolve(code, table_name)
        for name, column in columns.items():
            column.append(getattr(product, name))
    return columns
