"""painpath's own validator for the Open mHealth schema families it ingests.

Written from the schemas (github.com/openmhealth/schemas, Apache-2.0) as Python checks, so
the product needs no schema files at run time; the upstream shouldPass/shouldFail examples
are the tests. JSON Schema semantics are kept where they matter: `oneOf` means exactly one
branch, properties a schema does not declare are allowed, numbers exclude booleans, and
`date-time` is RFC 3339 with a required offset. Errors name the field (`step_count.value`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

Check = Callable[[Any, str], None]


class OmhInvalid(ValueError):
    """An instance that does not satisfy its schema; `field` is a dotted path ('' = whole)."""

    def __init__(self, field: str, message: str, *, missing: bool = False) -> None:
        self.field = field
        #: Whether the problem is a required member that is absent.
        self.missing = missing
        super().__init__(f"{field or '(document)'}: {message}")


def _at(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _type_name(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(
        type(value),
        "array" if isinstance(value, list) else "object" if value is not None else "null",
    )


def number(value: Any, at: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OmhInvalid(at, f"expected a number, got {_type_name(value)}")


def integer(value: Any, at: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OmhInvalid(at, f"expected an integer, got {_type_name(value)}")


def string(value: Any, at: str) -> None:
    if not isinstance(value, str):
        raise OmhInvalid(at, f"expected a string, got {_type_name(value)}")


def boolean(value: Any, at: str) -> None:
    if not isinstance(value, bool):
        raise OmhInvalid(at, f"expected a boolean, got {_type_name(value)}")


def enum(*allowed: str) -> Check:
    def check(value: Any, at: str) -> None:
        string(value, at)
        if value not in allowed:
            raise OmhInvalid(at, f"{value!r} is not one of {', '.join(allowed)}")

    return check


_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$")


def date_time(value: Any, at: str) -> None:
    """RFC 3339 date-time (offset required)."""
    string(value, at)
    if not _DATE_TIME.match(value):
        raise OmhInvalid(at, f"{value!r} is not an RFC 3339 date-time with an offset")
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise OmhInvalid(at, f"{value!r} is not a valid date-time") from None


def full_date(value: Any, at: str) -> None:
    string(value, at)
    if not re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", value):
        raise OmhInvalid(at, f"{value!r} is not a YYYY-MM-DD date")


def uri(value: Any, at: str) -> None:
    string(value, at)
    if not _URI.match(value):
        raise OmhInvalid(at, f"{value!r} is not a URI")


def obj(properties: Mapping[str, Check], required: tuple[str, ...] = ()) -> Check:
    """An object: required members present, declared members valid, others allowed."""

    def check(value: Any, at: str) -> None:
        if not isinstance(value, dict):
            raise OmhInvalid(at, f"expected an object, got {_type_name(value)}")
        for name in required:
            if name not in value:
                raise OmhInvalid(_at(at, name), "is required", missing=True)
        for name, sub in properties.items():
            if name in value:
                sub(value[name], _at(at, name))

    return check


def one_of(what: str, *branches: Check) -> Check:
    """Exactly one branch must pass (JSON Schema `oneOf`)."""

    def check(value: Any, at: str) -> None:
        errors: list[OmhInvalid] = []
        for branch in branches:
            try:
                branch(value, at)
            except OmhInvalid as error:
                errors.append(error)
        passed = len(branches) - len(errors)
        if passed == 1:
            return
        if passed > 1:
            raise OmhInvalid(at, f"must be exactly one of {what}, matches {passed}")
        specific = [e for e in errors if not e.missing]
        if specific:
            raise max(specific, key=lambda e: e.field.count("."))
        has = ", ".join(sorted(value)) if isinstance(value, dict) and value else "no members"
        raise OmhInvalid(at, f"has {has}; needs one of {what}")

    return check


def all_of(*checks: Check) -> Check:
    def check(value: Any, at: str) -> None:
        for sub in checks:
            sub(value, at)

    return check


# --- shared parts -------------------------------------------------------------------------

DURATION_UNITS = ("ps", "ns", "us", "ms", "sec", "min", "h", "d", "wk", "Mo", "yr")
LENGTH_UNITS = ("fm", "pm", "nm", "um", "mm", "cm", "m", "km", "in", "ft", "yd", "mi")


def unit_value(*units: str) -> Check:
    """unit-value 1.0, optionally restricted to some units (duration-, kcal-, length-…)."""
    unit: Check = enum(*units) if units else string
    return obj({"value": number, "unit": unit}, ("value", "unit"))


part_of_day = enum("morning", "afternoon", "evening", "night")
duration_unit_value = unit_value(*DURATION_UNITS)
kcal_unit_value = unit_value("kcal")
length_unit_value = unit_value(*LENGTH_UNITS)

time_interval = one_of(
    "start_date_time+duration, end_date_time+duration, start_date_time+end_date_time, "
    "date+part_of_day",
    obj(
        {"start_date_time": date_time, "duration": duration_unit_value},
        ("start_date_time", "duration"),
    ),
    obj(
        {"end_date_time": date_time, "duration": duration_unit_value}, ("end_date_time", "duration")
    ),
    obj(
        {"start_date_time": date_time, "end_date_time": date_time},
        ("start_date_time", "end_date_time"),
    ),
    obj({"date": full_date, "part_of_day": part_of_day}, ("date", "part_of_day")),
)
time_frame = one_of(
    "date_time or time_interval",
    obj({"date_time": date_time}, ("date_time",)),
    obj({"time_interval": time_interval}, ("time_interval",)),
)
interval_frame = all_of(time_frame, obj({}, ("time_interval",)))

STATS_1_0 = ("average", "maximum", "minimum", "standard deviation", "variance", "sum", "median")
STATS_1_1 = (
    *STATS_1_0,
    "count",
    "quartile deviation",
    "80th percentile",
    "lower quartile",
    "upper quartile",
    "1st quintile",
    "2nd quintile",
    "3rd quintile",
    "4th quintile",
)
STATS_1_2 = (*STATS_1_1, "20th percentile")
descriptive_statistic_1_0 = enum(*STATS_1_0)
descriptive_statistic = enum(*STATS_1_2)  # 1.x = 1.2
denominator_1_0 = enum("d", "episode", "meal", "session")
denominator_1_1 = enum("d", "wk", "Mo", "episode", "meal", "session")
#: Bodies accept any string as a denominator (`anyOf` the enum or a string).
any_denominator = string
relationship_to_activity = enum(
    "at rest", "active", "before exercise", "after exercise", "during exercise"
)
relationship_to_sleep = enum("before sleeping", "during sleep", "on waking")
activity_name = string


def schema_id(version: str) -> Check:
    properties: dict[str, Check] = {"namespace": string, "name": string, "version": string}
    if version >= "1.1":
        properties["url"] = uri
    return obj(properties, ("namespace", "name", "version"))


def header(version: str) -> Check:
    provenance: dict[str, Check] = {
        "source_name": string,
        "source_creation_date_time": date_time,
        "modality": enum("sensed", "self-reported"),
    }
    properties: dict[str, Check] = {
        "id": string,
        "creation_date_time": date_time,
        "schema_id": schema_id("1.1"),
        "acquisition_provenance": obj(provenance, ("source_name",)),
    }
    if version >= "1.1":
        properties["user_id"] = string
    if version >= "1.2":
        provenance["source_data_point_id"] = string
        provenance["source_last_modification_date_time"] = date_time
    return obj(properties, ("id", "creation_date_time", "schema_id"))


data_point = obj({"header": header("1.2"), "body": obj({})}, ("header", "body"))
