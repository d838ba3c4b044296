"""RxNorm concepts painpath knows: the medicines its engines can reason about.

The table is data (`data/rxnorm_formulary.json`), with its sources named in the file.
An order for a code outside it is refused at the edge rather than stored unexplained.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Drug:
    rxnorm_code: str
    display: str
    ingredient: str
    drug_class: str


@dataclass(frozen=True, slots=True)
class Formulary:
    source: str
    version: str
    drugs: dict[str, Drug]


@cache
def formulary() -> Formulary:
    raw = json.loads(
        resources.files("painpath.terminology").joinpath("data/rxnorm_formulary.json").read_text()
    )
    drugs = {
        row["rxnorm_code"]: Drug(
            row["rxnorm_code"], row["display"], row["ingredient"], row["drug_class"]
        )
        for row in raw["concepts"]
    }
    return Formulary(source=raw["source"], version=raw["version"], drugs=drugs)


def lookup_rxnorm(code: str) -> Drug | None:
    return formulary().drugs.get(code)
