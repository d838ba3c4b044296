"""GET /adherence: every number below is counted by hand from the stored fills and dose logs."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from painpath.models.medication import PeriodUnit
from tests.monitoring_api.conftest import Headers
from tests.monitoring_api.stored import at, dose, fill, prescription, stored
from tests.support.cohort import Cast

OXYCODONE, DULOXETINE = "7804", "72625"
WINDOW = {"start": "2026-01-01", "end": "2026-06-30"}  # 181 days


@pytest.fixture
def history(app: FastAPI, cast: Cast) -> dict[str, int]:
    patient_id = cast.home_patient_id
    with stored(app) as session:
        # Duloxetine, 30-day fills. Jan 25 overlaps Jan 1's supply and is shifted to Jan 31 -
        # Mar 1; Jun 15 is cut at Jun 30. Covered 30 + 30 + 30 + 16 = 106 of 181 days.
        for day in (date(2026, 1, 1), date(2026, 1, 25), date(2026, 4, 1), date(2026, 6, 15)):
            fill(session, patient_id, DULOXETINE, day, 30)
        fill(session, patient_id, DULOXETINE, date(2025, 6, 1), 30)  # before the window
        # Oxycodone as needed, up to every 6 hours (4 a day): 7-day fills Mar 1 and Mar 4.
        prn = prescription(
            session,
            patient_id,
            OXYCODONE,
            frequency=1,
            period=6,
            unit=PeriodUnit.hour,
            as_needed=True,
        )
        fill(session, patient_id, OXYCODONE, date(2026, 3, 1), 7, request_id=prn, quantity=28)
        fill(session, patient_id, OXYCODONE, date(2026, 3, 4), 7, request_id=prn, quantity=28)
        for hour in (6, 9, 12, 15, 18):
            dose(session, patient_id, prn, at(date(2026, 3, 2), hour), as_needed=True)
        for hour in (6, 10, 14, 18):
            dose(session, patient_id, prn, at(date(2026, 3, 3), hour), as_needed=True)
        # Duloxetine once a day from Jun 21: 10 scheduled doses (08:00) up to Jun 30.
        daily = prescription(session, patient_id, DULOXETINE, frequency=1, start=date(2026, 6, 21))
        for day_of_june in range(21, 29):
            dose(session, patient_id, daily, at(date(2026, 6, day_of_june), 9), as_needed=False)
        dose(session, patient_id, daily, at(date(2026, 6, 22), 21), as_needed=False)  # extra
        dose(session, patient_id, daily, at(date(2026, 6, 29), 13), as_needed=False)  # late
        dose(session, patient_id, daily, at(date(2026, 6, 30), 8), as_needed=False, taken=False)
    return {"prn": prn, "daily": daily}


def test_adherence_numbers(
    client: TestClient, clinician: Headers, home: str, history: dict[str, int]
) -> None:
    response = client.get(f"{home}/adherence", params=WINDOW, headers=clinician)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["start"], report["end"], report["time_zone"]) == (
        "2026-01-01",
        "2026-06-30",
        "America/Chicago",
    )
    duloxetine, oxycodone = report["medicines"]
    assert duloxetine["drug"] == "duloxetine"
    assert [f["fill_date"] for f in duloxetine["fills"]] == [
        "2026-01-01",
        "2026-01-25",
        "2026-04-01",
        "2026-06-15",
    ]
    pdc = duloxetine["pdc"]
    assert (pdc["covered_days"], pdc["treatment_days"], pdc["pdc"]) == (106, 181, 0.5856)
    assert pdc["gaps"] == [["2026-03-02", "2026-03-31"], ["2026-05-01", "2026-06-14"]]
    assert duloxetine["mpr"] == {
        "mpr": 0.663,  # 120 days' supply / 181 days
        "mpr_raw": 0.663,
        "days_supply": 120,
        "period_days": 181,
    }
    # Jan 25 came after 24 of 30 days (80 %): not early against 75 % for a non-opioid.
    assert (duloxetine["early_refill_threshold"], duloxetine["early_refills"]) == (0.75, [])

    assert oxycodone["drug"] == "oxycodone"
    # Index Mar 1 to Jun 30 is 122 days; Mar 4's supply shifted to Mar 8-14: 14 covered.
    assert (oxycodone["pdc"]["covered_days"], oxycodone["pdc"]["treatment_days"]) == (14, 122)
    assert oxycodone["pdc"]["pdc"] == 0.1148
    assert oxycodone["mpr"]["mpr"] == 0.0773  # 14 / 181
    assert oxycodone["early_refills"] == [
        {
            "drug": "oxycodone",
            "previous_fill": "2026-03-01",
            "refill": "2026-03-04",
            "days_elapsed": 3,
            "previous_days_supply": 7,
            "share_elapsed": 0.4286,
            "threshold": 0.85,
        }
    ]
    assert [(c["drug_class"], c["pdc"]["pdc"]) for c in report["drug_classes"]] == [
        ("opioid", 0.1148),
        ("snri", 0.5856),
    ]

    [doses] = report["dose_logs"]
    assert doses["medication_request_id"] == history["daily"]
    assert (doses["timing"], doses["nominal_times"], doses["every_days"]) == (
        "1 every 1 d",
        ["08:00"],
        1,
    )
    # 10 doses due; Jun 21-29 taken (Jun 29 five hours late), Jun 30 skipped.
    assert {k: doses[k] for k in ("scheduled", "taken", "taken_on_time", "days")} == {
        "scheduled": 10,
        "taken": 9,
        "taken_on_time": 8,
        "days": 10,
    }
    assert (doses["taken_share"], doses["on_time_share"], doses["daily_coverage"]) == (
        0.9,
        0.8,
        0.9,
    )
    assert (doses["logs"], doses["extra_logs"], doses["window_minutes"]) == (11, 1, 120)

    [prn] = report["prn"]
    assert prn["drug"] == "oxycodone"
    assert prn["max_per_day"] == 4
    assert prn["doses_per_day"] == {"2026-03-02": 5, "2026-03-03": 4}
    assert prn["days_over"] == [{"day": "2026-03-02", "doses": 5, "max_per_day": 4}]


def test_the_window_is_checked(
    client: TestClient, clinician: Headers, home: str, history: dict[str, int]
) -> None:
    backwards = client.get(
        f"{home}/adherence", params={"start": "2026-06-30", "end": "2026-01-01"}, headers=clinician
    )
    assert backwards.status_code == 422
    assert [e["field"] for e in backwards.json()["errors"]] == ["start"]
    too_long = client.get(
        f"{home}/adherence", params={"start": "2020-01-01", "end": "2026-01-01"}, headers=clinician
    )
    assert too_long.status_code == 422


def test_the_patient_reads_their_own_adherence(
    client: TestClient, patient: Headers, home: str, history: dict[str, int]
) -> None:
    response = client.get(f"{home}/adherence", params=WINDOW, headers=patient)
    assert response.status_code == 200, response.text
    assert [m["drug"] for m in response.json()["medicines"]] == ["duloxetine", "oxycodone"]


def test_an_early_refill_threshold_override_applies_to_the_report(
    client: TestClient, clinician: Headers, home: str, history: dict[str, int]
) -> None:
    put = client.put(
        f"{home}/alert-thresholds",
        json={"overrides": {"opioid_early_refill": {"share_elapsed": 0.4}}},
        headers=clinician,
    )
    assert put.status_code == 200, put.text
    report = client.get(f"{home}/adherence", params=WINDOW, headers=clinician).json()
    oxycodone = report["medicines"][1]
    assert (oxycodone["early_refill_threshold"], oxycodone["early_refills"]) == (0.4, [])
