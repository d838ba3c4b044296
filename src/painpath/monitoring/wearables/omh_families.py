"""The Open mHealth schemas painpath checks: body schemas by (name, version), and entry points.

Built from the checks in `omh_schema`; upstream shouldPass/shouldFail examples for every entry
of SCHEMAS are the tests (tests/monitoring/wearables/test_omh.py).
"""

from __future__ import annotations

from typing import Any

from painpath.monitoring.wearables.omh_schema import (
    STATS_1_1,
    Check,
    OmhInvalid,
    activity_name,
    all_of,
    any_denominator,
    boolean,
    data_point,
    date_time,
    denominator_1_0,
    denominator_1_1,
    descriptive_statistic,
    descriptive_statistic_1_0,
    duration_unit_value,
    enum,
    full_date,
    header,
    integer,
    interval_frame,
    kcal_unit_value,
    length_unit_value,
    number,
    obj,
    part_of_day,
    relationship_to_activity,
    relationship_to_sleep,
    schema_id,
    string,
    time_frame,
    time_interval,
    unit_value,
)

__all__ = ["BODIES", "SCHEMAS", "OmhInvalid", "validate", "validate_data_point"]

# --- body schemas -------------------------------------------------------------------------


def _unit(check: Check, *units: str) -> Check:
    return all_of(check, obj({"unit": enum(*units)}))


_SLEEP_UNITS = ("sec", "min", "h")
_STEP_STATS: dict[str, Check] = {
    "descriptive_statistic": descriptive_statistic_1_0,
    "descriptive_statistic_denominator": any_denominator,
}
_STATS: dict[str, Check] = {
    "descriptive_statistic": descriptive_statistic,
    "descriptive_statistic_denominator": any_denominator,
}
_HEART_RATE = _unit(unit_value(), "beats/min")
_SLEEP_EPISODE: dict[str, Check] = {
    "latency_to_sleep_onset": duration_unit_value,
    "latency_to_arising": duration_unit_value,
    "total_sleep_time": duration_unit_value,
    "number_of_awakenings": integer,
    "is_main_sleep": boolean,
    "effective_time_frame": interval_frame,
    "sleep_maintenance_efficiency_percentage": _unit(unit_value(), "%"),
}
_ACTIVITY: dict[str, Check] = {
    "activity_name": activity_name,
    "effective_time_frame": time_frame,
    "distance": length_unit_value,
    "reported_activity_intensity": enum("light", "moderate", "vigorous"),
}

#: Body schemas by (name, version): the families painpath ingests.
BODIES: dict[tuple[str, str], Check] = {
    ("step-count", "1.0"): obj(
        {"step_count": number, "effective_time_frame": time_frame}, ("step_count",)
    ),
    ("step-count", "2.0"): obj(
        {"step_count": number, "effective_time_frame": interval_frame, **_STEP_STATS},
        ("step_count", "effective_time_frame"),
    ),
    ("step-count", "3.0"): obj(
        {
            "step_count": _unit(unit_value(), "steps"),
            "effective_time_frame": interval_frame,
            **_STEP_STATS,
        },
        ("step_count", "effective_time_frame"),
    ),
    ("heart-rate", "1.0"): obj(
        {
            "heart_rate": _HEART_RATE,
            "effective_time_frame": time_frame,
            "descriptive_statistic": descriptive_statistic,
            "temporal_relationship_to_physical_activity": relationship_to_activity,
            "user_notes": string,
        },
        ("heart_rate",),
    ),
    ("heart-rate", "1.1"): obj(
        {
            "heart_rate": _HEART_RATE,
            "effective_time_frame": time_frame,
            "descriptive_statistic": descriptive_statistic,
            "temporal_relationship_to_physical_activity": relationship_to_activity,
            "temporal_relationship_to_sleep": relationship_to_sleep,
            "user_notes": string,
        },
        ("heart_rate",),
    ),
    ("heart-rate", "2.0"): obj(
        {
            "heart_rate": _HEART_RATE,
            "effective_time_frame": time_frame,
            "descriptive_statistic": descriptive_statistic,
            "temporal_relationship_to_physical_activity": relationship_to_activity,
            "temporal_relationship_to_sleep": relationship_to_sleep,
        },
        ("heart_rate", "effective_time_frame"),
    ),
    ("sleep-duration", "1.0"): obj(
        {
            "sleep_duration": _unit(duration_unit_value, *_SLEEP_UNITS),
            "effective_time_frame": time_frame,
            "user_notes": string,
        },
        ("sleep_duration",),
    ),
    ("sleep-duration", "2.0"): obj(
        {
            "sleep_duration": _unit(duration_unit_value, *_SLEEP_UNITS),
            "effective_time_frame": interval_frame,
            **_STATS,
        },
        ("sleep_duration", "effective_time_frame"),
    ),
    ("total-sleep-time", "1.0"): obj(
        {
            "total_sleep_time": duration_unit_value,
            "effective_time_frame": interval_frame,
            **_STATS,
        },
        ("total_sleep_time", "effective_time_frame"),
    ),
    ("sleep-episode", "1.0"): obj(_SLEEP_EPISODE, ("effective_time_frame",)),
    ("sleep-episode", "1.1"): obj(
        {**_SLEEP_EPISODE, "wake_after_sleep_onset": duration_unit_value},
        ("effective_time_frame",),
    ),
    ("physical-activity", "1.0"): obj(_ACTIVITY, ("activity_name",)),
    ("physical-activity", "1.1"): obj({**_ACTIVITY, "met_value": number}, ("activity_name",)),
    ("physical-activity", "1.2"): obj(
        {**_ACTIVITY, "met_value": number, "kcal_burned": kcal_unit_value}, ("activity_name",)
    ),
    ("minutes-moderate-activity", "1.0"): obj(
        {
            "minutes_moderate_activity": _unit(duration_unit_value, "min"),
            "effective_time_frame": time_frame,
        },
        ("minutes_moderate_activity",),
    ),
    ("calories-burned", "1.0"): obj(
        {
            "kcal_burned": kcal_unit_value,
            "effective_time_frame": time_frame,
            "activity_name": activity_name,
        },
        ("kcal_burned",),
    ),
    ("calories-burned", "2.0"): obj(
        {
            "kcal_burned": kcal_unit_value,
            "activity_name": activity_name,
            "effective_time_frame": interval_frame,
            **_STATS,
        },
        ("kcal_burned", "effective_time_frame"),
    ),
}

#: Every schema this module checks, bodies and the parts they are built from.
SCHEMAS: dict[tuple[str, str], Check] = {
    **BODIES,
    ("data-point", "1.0"): data_point,
    ("header", "1.0"): header("1.0"),
    ("header", "1.1"): header("1.1"),
    ("header", "1.2"): header("1.2"),
    ("schema-id", "1.0"): schema_id("1.0"),
    ("schema-id", "1.1"): schema_id("1.1"),
    ("date-time", "1.0"): date_time,
    ("time-interval", "1.0"): time_interval,
    ("time-frame", "1.0"): time_frame,
    ("unit-value", "1.0"): unit_value(),
    ("duration-unit-value", "1.0"): duration_unit_value,
    ("kcal-unit-value", "1.0"): kcal_unit_value,
    ("length-unit-value", "1.0"): length_unit_value,
    ("descriptive-statistic", "1.0"): descriptive_statistic_1_0,
    ("descriptive-statistic", "1.1"): enum(*STATS_1_1),
    ("descriptive-statistic", "1.2"): descriptive_statistic,
    ("descriptive-statistic-denominator", "1.0"): denominator_1_0,
    ("descriptive-statistic-denominator", "1.1"): denominator_1_1,
    ("temporal-relationship-to-physical-activity", "1.0"): relationship_to_activity,
    ("temporal-relationship-to-sleep", "1.0"): relationship_to_sleep,
    ("part-of-day", "1.0"): part_of_day,
    ("activity-name", "1.0"): activity_name,
    ("full-date", "1.0"): full_date,
}


def validate(name: str, version: str, instance: Any) -> None:
    """Check an instance against one schema; OmhInvalid naming the field if it fails,
    KeyError if painpath does not know the schema."""
    SCHEMAS[(name, version)](instance, "")


def validate_data_point(document: Any) -> tuple[str, str]:
    """Check a data point's envelope and, when painpath knows its schema, its body.

    Returns the body's (name, version). Raises OmhInvalid (fields as `header.id`, `body.…`);
    KeyError for a valid envelope whose body schema painpath does not ingest.
    """
    data_point(document, "")
    schema = document["header"]["schema_id"]
    key = (schema["name"], schema["version"])
    BODIES[key](document["body"], "body")
    return key
