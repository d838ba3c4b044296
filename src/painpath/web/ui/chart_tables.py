"""The pain summary's chart data as table rows: each chart's data-table view."""

from __future__ import annotations

from typing import Any

from painpath.web.ui.formatting import number

Row = tuple[str, ...]


def _value(points: list[Any]) -> dict[str, str]:
    return {day: number(value) for day, value in points}


def _joined(*series: list[Any]) -> list[Row]:
    columns = [_value(points) for points in series]
    days = sorted({day for column in columns for day in column})
    return [(day, *(column.get(day, "—") for column in columns)) for day in days]


def chart_tables(data: dict[str, Any]) -> dict[str, Any]:
    """`data` (services.pain_summary.charts.chart_data) with the rows of every data table."""
    adherence = data["adherence"]
    return {
        **data,
        "pain_rows": _joined(data["pain"]["pain"], data["pain"]["peg"]),
        "band_rows": [
            (band["label"], band["kind"], band["start"], band["end"])
            for band in data["pain"]["bands"]
        ],
        "activity_rows": _joined(data["activity"]["steps"], data["activity"]["sleep_hours"]),
        "pdc_rows": [
            (
                line["drug"],
                "not eligible"
                if line["pdc"] is None
                else f"{number(round(line['pdc'] * 100, 1))} %",
            )
            for line in adherence["pdc"]
        ],
        "prn_rows": sorted(
            (day, use["drug"], number(count), str(use["max_per_day"]))
            for use in adherence["prn"]
            for day, count in use["doses"]
        ),
        "mme_rows": [(day, number(value)) for day, value in data["mme"]["mme"]],
        "calendar_rows": [(day, number(value)) for day, value in data["calendar"]["pain"]],
    }
