"""The wearable export formats painpath reads, named once.

The names are the built-in importers' names: what an upload's `kind` field and the CLI's
`--kind` take, what an import reports as its `importer`, and what the OpenAPI document lists
(generated from this enum). Spellings an earlier OpenAPI document showed (`apple-health`,
`fitbit`, `open-mhealth`) are still understood; case and `-`/`_` do not matter.
"""

from __future__ import annotations

from enum import StrEnum


class WearableFormat(StrEnum):
    apple_health = "apple_health"  # Apple Health export.xml / export.zip
    fitbit_takeout = "fitbit_takeout"  # Google Takeout "Fitbit/Global Export Data"
    open_mhealth = "open_mhealth"  # Open mHealth data points
    fhir = "fhir"  # FHIR R4 Observations or a Bundle of them

    @classmethod
    def _missing_(cls, value: object) -> WearableFormat | None:
        if not isinstance(value, str):
            return None
        key = value.strip().lower().replace("-", "_")
        return cls.__members__.get(_EARLIER_NAMES.get(key, key))


#: Names an earlier OpenAPI document listed, where they differ beyond `-`/`_`.
_EARLIER_NAMES = {"fitbit": "fitbit_takeout"}


def known_formats() -> str:
    """The names, for messages: "apple_health, fitbit_takeout, open_mhealth, fhir"."""
    return ", ".join(WearableFormat)
