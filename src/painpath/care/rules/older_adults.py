"""AGS Beers Criteria 2023 for people aged 65 and over: strongly anticholinergic medicines,
three or more CNS-active medicines, falls, chronic NSAIDs, benzodiazepines."""

from __future__ import annotations

from painpath.care.context import PatientContext
from painpath.care.findings import Findings


def apply(ctx: PatientContext, found: Findings) -> None:
    if not ctx.older_adult():
        return
    age = ctx.age
    k = ctx.knowledge
    for c in found.with_class("anticholinergic"):
        what = (
            "tricyclic antidepressant" if c.has_class("tricyclic") else "skeletal muscle relaxant"
        )
        found.exclude(c, "beers_anticholinergic_avoid", age=age, what=what)
    for c in found.with_class("cns_active"):
        # the option's own ingredient, if already taken, does not add to the count
        cns = [m for m in ctx.meds_with("cns_active") if m.ingredient not in c.therapy.ingredients]
        if len(cns) + 1 >= k.threshold("cns_active_max"):
            found.caution(
                c,
                "beers_cns_active_total",
                age=age,
                count=len(cns),
                names=", ".join(m.ingredient for m in cns),
            )
    if ctx.has("falls"):
        for c in found.with_class("cns_active"):
            found.caution(c, "beers_falls", age=age)
    if age is not None and age >= k.threshold("nsaid_older_adult_age"):
        for c in found.with_class("nsaid_oral"):
            found.caution(c, "beers_nsaid_older_adult", age=age)
    if ctx.meds_with("benzodiazepine"):
        found.flag("beers_benzodiazepine", age=age)
