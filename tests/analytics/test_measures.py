"""Each measure and exclusion on a claim set small enough to work out by hand.

Oxycodone 5 mg tablets throughout (7.5 MME a tablet, CDC 2022 factor 1.5), measurement year
2025. Each docstring gives the arithmetic the assertions check.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from painpath.analytics.entity_counts import entity_totals
from tests.analytics.claimsets import ALPRAZOLAM_1, day, fill, patient, run


def test_ohd_ninety_days_at_ninety_mme_is_high_dosage() -> None:
    """Two 45-day fills at 90 MME/day, back to back from Jan 1: the episode is Jan 1-Mar 31
    (90 days), total 90 × 90 = 8,100 MME, average 8,100 / 90 = 90.0 ≥ 90 → OHD numerator.
    Denominator: 2 fill dates, 90 days' supply ≥ 15, episode 90 ≥ 90 days → 1/1."""
    result = run([fill("A", day(1, 1), 45, mme=90), fill("A", day(2, 15), 45, mme=90)])
    row = patient(result, "A")
    assert row["episode_days"] == 90
    assert row["average_daily_mme"] == 90.0
    assert row["OHD_denominator"]
    assert row["OHD_numerator"]
    assert row["HDO_denominator"]
    assert row["HDO_numerator"]


def test_ohd_ninety_day_run_broken_by_one_day_is_not() -> None:
    """The same two fills with the second one day late (Feb 16): the episode is Jan 1-Apr 1,
    91 days with one uncovered day, total still 8,100 MME, average 8,100 / 91 = 89.01 < 90 →
    in the OHD denominator (91 ≥ 90 days) but not the numerator: 0/1. HDO likewise 0/1."""
    result = run([fill("B", day(1, 1), 45, mme=90), fill("B", day(2, 16), 45, mme=90)])
    row = patient(result, "B")
    assert row["episode_days"] == 91
    assert row["days_covered"] == 90
    assert round(row["average_daily_mme"], 2) == 89.01
    assert row["OHD_denominator"]
    assert not row["OHD_numerator"]
    assert row["HDO_denominator"]
    assert not row["HDO_numerator"]


def test_overlapping_fills_add_their_mme_and_count_each_day_once() -> None:
    """Two 10-day fills at 60 MME/day, the second starting on day 7 (Jan 7): Jan 1-6 at 60,
    Jan 7-10 at 120 (both), Jan 11-16 at 60. Days covered: Jan 1-16 = 16 (each day once);
    total 6×60 + 4×120 + 6×60 = 1,200 MME over a 16-day treatment period: average 75 < 90.
    HDO: 2 dates, 16 ≥ 15 days covered → denominator, not numerator (0/1). The highest daily
    MME is 120. OHD: episode 16 < 90 days → not in its denominator (0/0)."""
    result = run([fill("C", day(1, 1), 10, mme=60), fill("C", day(1, 7), 10, mme=60)])
    row = patient(result, "C")
    assert row["days_covered"] == 16
    assert row["cumulative_days_supply"] == 20
    assert row["max_daily_mme"] == 120.0
    assert row["average_daily_mme"] == 75.0
    assert row["HDO_denominator"]
    assert not row["HDO_numerator"]
    assert not row["OHD_denominator"]
    daily = result.daily_mme.filter(pl.col("patient_id") == "C")
    assert daily.select("start", "end", "mme_per_day").rows() == [
        (day(1, 1), day(1, 6), 60.0),
        (day(1, 7), day(1, 10), 120.0),
        (day(1, 11), day(1, 16), 60.0),
    ]


def test_early_refill_counts_supply_but_not_days_twice() -> None:
    """A 10-day fill on Jan 1 refilled 5 days early (Jan 6, 10 days): cumulative days' supply
    10 + 10 = 20 ≥ 15, so the PQA denominators (OMP, COB) take the patient (1/1 each, numerator
    0); days covered Jan 1-15 = 15 → HDO denominator too. Refilled on Jan 5 instead: covered
    Jan 1-14 = 14 < 15 → not in HDO's denominator, still in the PQA ones."""
    on_time = run([fill("D", day(1, 1), 10, mme=30), fill("D", day(1, 6), 10, mme=30)])
    early = run([fill("E", day(1, 1), 10, mme=30), fill("E", day(1, 5), 10, mme=30)])
    d, e = patient(on_time, "D"), patient(early, "E")
    assert (d["days_covered"], e["days_covered"]) == (15, 14)
    assert d["HDO_denominator"]
    assert not e["HDO_denominator"]
    for row in (d, e):
        assert row["cumulative_days_supply"] == 20
        assert row["OMP_denominator"]
        assert row["COB_denominator"]
        assert not row["OMP_numerator"]
        assert not row["COB_numerator"]


def test_omp_four_prescribers_across_five_pharmacies_in_180_days() -> None:
    """F: five 7-day fills (Jan 1, Feb 1, Mar 1, Apr 1, Jun 1) from prescribers DR1, DR2, DR3,
    DR4, DR1 at pharmacies PH1-PH5: 4 prescribers and 5 pharmacies within 152 days ≤ 180 →
    OMP 1/1. G: DR1, DR2, DR3, DR1 on Jan 1, 10, 20 and Feb 1 (PH1-PH4), then DR4 at PH5 on
    Jul 31, 180 days after Feb 1: every 180-day window holds at most 3 prescribers → 0/1,
    although G too has 4 prescribers and 5 pharmacies in the year. DR4 therefore counts 2
    denominator patients and 1 numerator patient."""
    dates = [day(1, 1), day(2, 1), day(3, 1), day(4, 1), day(6, 1)]
    prescribers = ["DR1", "DR2", "DR3", "DR4", "DR1"]
    claims = [
        fill("F", when, 7, mme=20, prescriber=who, pharmacy=f"PH{i + 1}")
        for i, (when, who) in enumerate(zip(dates, prescribers, strict=True))
    ]
    spread = [day(1, 1), day(1, 10), day(1, 20), day(2, 1), day(7, 31)]
    claims += [
        fill("G", when, 7, mme=20, prescriber=who, pharmacy=f"PH{i + 1}")
        for i, (when, who) in enumerate(
            zip(spread, ["DR1", "DR2", "DR3", "DR1", "DR4"], strict=True)
        )
    ]
    result = run(claims)
    f, g = patient(result, "F"), patient(result, "G")
    assert (f["prescribers"], f["pharmacies"]) == (4, 5)
    assert (g["prescribers"], g["pharmacies"]) == (4, 5)
    assert f["OMP_denominator"]
    assert f["OMP_numerator"]
    assert g["OMP_denominator"]
    assert not g["OMP_numerator"]
    prescriber = (
        entity_totals(result.entities)
        .filter(
            (pl.col("entity_type") == "prescriber")
            & (pl.col("entity_id") == "DR4")
            & (pl.col("measure") == "OMP")
        )
        .to_dicts()
    )
    assert prescriber == [
        {
            "entity_type": "prescriber",
            "entity_id": "DR4",
            "measure": "OMP",
            "denominator": 2,
            "numerator": 1,
            "rate": 0.5,
        }
    ]


def test_omp_window_holds_its_last_day() -> None:
    """H: DR1-DR4 at PH1-PH4 on Feb 1, Mar 1, Apr 1 and Jul 30; Jul 30 is 179 days after Feb 1,
    the last day of the 180-day window that opens on Feb 1 (Feb 1 + 0 … + 179) → 4 prescribers
    and 4 pharmacies in one window → OMP 1/1 (G above, one day later, is 0/1)."""
    dates = [day(2, 1), day(3, 1), day(4, 1), day(7, 30)]
    claims = [
        fill("H", when, 7, mme=20, prescriber=f"DR{i + 1}", pharmacy=f"PH{i + 1}")
        for i, when in enumerate(dates)
    ]
    h = patient(run(claims), "H")
    assert (h["prescribers"], h["pharmacies"]) == (4, 4)
    assert h["OMP_denominator"]
    assert h["OMP_numerator"]


def test_cob_thirty_days_of_overlap() -> None:
    """Opioid Jan 1 for 60 days (Jan 1-Mar 1). Patient H: alprazolam Jan 1 (15 days) and Feb 1
    (15 days): 15 + 15 = 30 overlapping days ≥ 30 and 2 benzodiazepine fill dates → COB 1/1.
    Patient I: the second alprazolam fill is 14 days: 29 days < 30 → 0/1. The opioid's two fill
    dates (Jan 1, Jan 31) and 60 days' supply put both in the denominator."""
    claims = []
    for who, second in (("H", 15), ("I", 14)):
        claims += [
            fill(who, day(1, 1), 30, mme=30),
            fill(who, day(1, 31), 30, mme=30),
            fill(who, day(1, 1), 15, code=ALPRAZOLAM_1, tablets=15),
            fill(who, day(2, 1), second, code=ALPRAZOLAM_1, tablets=second),
        ]
    result = run(claims)
    h, i = patient(result, "H"), patient(result, "I")
    assert (h["concurrent_days"], i["concurrent_days"]) == (30, 29)
    assert h["COB_denominator"]
    assert h["COB_numerator"]
    assert i["COB_denominator"]
    assert not i["COB_numerator"]


def test_cancer_excludes_and_sickle_cell_trait_does_not() -> None:
    """Four copies of the high-dose patient of the first test (OHD 1/1 on their own):
    J has C50.911 (breast cancer) in 2025 → excluded from every denominator (0/0);
    K has D57.3 (sickle-cell trait, not disease) → still 1/1;
    L has Z51.5 (palliative care) and M hospice HCPCS Q5001 → excluded;
    N has the cancer code dated 2023, outside the year → still 1/1.
    Overall OHD: denominator K, N = 2, numerator 2."""
    claims = []
    for who in "JKLMN":
        claims += [fill(who, day(1, 1), 45, mme=90), fill(who, day(2, 15), 45, mme=90)]
    diagnoses: list[dict[str, Any]] = [
        {"patient_id": "J", "code": "C50.911", "code_system": "ICD-10-CM", "date": day(6, 1)},
        {"patient_id": "K", "code": "D57.3", "code_system": "ICD-10-CM", "date": day(6, 1)},
        {"patient_id": "L", "code": "Z51.5", "code_system": "ICD-10-CM", "date": day(6, 1)},
        {"patient_id": "M", "code": "Q5001", "code_system": "HCPCS", "date": None},
        {"patient_id": "N", "code": "C50.911", "code_system": "ICD-10-CM", "date": day(6, 1, 2023)},
    ]
    result = run(claims, diagnoses)
    rows = {who: patient(result, who) for who in "JKLMN"}
    for who in "JLM":
        assert rows[who]["excluded"]
        assert not any(rows[who][f"{m}_denominator"] for m in ("OHD", "OMP", "COB", "HDO", "COU"))
    for who in "KN":
        assert not rows[who]["excluded"]
        assert rows[who]["OHD_denominator"]
        assert rows[who]["OHD_numerator"]
    assert int(result.patients["OHD_denominator"].sum()) == 2
    assert int(result.patients["OHD_numerator"].sum()) == 2


def test_cou_new_episode_days_covered() -> None:
    """COU, intake Nov 1 2024-Oct 31 2025. P: first opioid Mar 1 (10 days) and Mar 20 (5 days):
    IPSD Mar 1, no opioid in the 180 days before → denominator; covered in Mar 1-30: 10 + 5 =
    15 ≥ 15 → COU_15_30 yes; in Mar 1-May 1 (62 days) 15 < 31 → COU_31_62 no.
    Q: the same fills plus one on Dec 1 2024 (inside the intake, so IPSD = Dec 1 2024) and one
    on Aug 1 2024, 122 days before it → not a new episode: not in the denominator (0/0)."""
    claims = [fill("P", day(3, 1), 10, mme=20), fill("P", day(3, 20), 5, mme=20)]
    claims += [
        fill("Q", day(8, 1, 2024), 10, mme=20),
        fill("Q", day(12, 1, 2024), 10, mme=20),
        fill("Q", day(3, 1), 10, mme=20),
    ]
    result = run(claims)
    p, q = patient(result, "P"), patient(result, "Q")
    assert p["ipsd"] == day(3, 1)
    assert (p["cou_days_30"], p["cou_days_62"]) == (15, 15)
    assert p["COU_denominator"]
    assert p["COU_15_30_numerator"]
    assert not p["COU_31_62_numerator"]
    assert q["ipsd"] == day(12, 1, 2024)
    assert not q["COU_denominator"]


def test_under_eighteen_is_outside_every_denominator() -> None:
    """Born Jun 1 2008, so 16 on Jan 1 2025: the high-dose fills count for no measure (0/0);
    born Jan 1 2007 (18 that day) → OHD 1/1."""
    claims = [
        fill("R", day(1, 1), 45, mme=90, birth=date(2008, 6, 1)),
        fill("R", day(2, 15), 45, mme=90, birth=date(2008, 6, 1)),
        fill("S", day(1, 1), 45, mme=90, birth=date(2007, 1, 1)),
        fill("S", day(2, 15), 45, mme=90, birth=date(2007, 1, 1)),
    ]
    result = run(claims)
    assert not patient(result, "R")["OHD_denominator"]
    assert patient(result, "S")["OHD_numerator"]


def test_fentanyl_patch_mme_and_buprenorphine_out_of_scope() -> None:
    """A 75 mcg/h patch: 75 × 2.4 = 180 MME/day whatever the patch count. Buprenorphine
    (the MME table leaves it out) is not an opioid claim for the measures: patient U's only
    claims are buprenorphine, so U has no row."""
    result = run(
        [
            fill("T", day(1, 1), 30, code="197696", tablets=10),
            fill("U", day(1, 1), 30, code="1819", tablets=30),
        ]
    )
    assert patient(result, "T")["max_daily_mme"] == 180.0
    assert result.patients.filter(pl.col("patient_id") == "U").is_empty()


def test_patients_of_one_shard_do_not_share_running_totals() -> None:
    """Two patients in one shard, B's rows first: A has one 300-day fill at 30 MME/day from
    Jan 1 (to Oct 27); B two 10-day fills at 60 MME/day on Feb 1 and Feb 5. B's days covered
    are Feb 1-14 = 14 (A's later end must not carry into B's fills: that would leave 10), and
    B's daily MME is Feb 1-4 at 60, Feb 5-10 at 120, Feb 11-14 at 60 (A's 30 MME/day must not
    add to B's days). A: 300 days covered, one segment at 30."""
    result = run(
        [
            fill("B", day(2, 1), 10, mme=60),
            fill("B", day(2, 5), 10, mme=60),
            fill("A", day(1, 1), 300, mme=30),
        ]
    )
    a, b = patient(result, "A"), patient(result, "B")
    assert (a["days_covered"], b["days_covered"]) == (300, 14)
    assert (a["max_daily_mme"], b["max_daily_mme"]) == (30.0, 120.0)
    assert result.patients["patient_id"].to_list() == ["A", "B"]
    assert result.daily_mme.select("patient_id", "start", "end", "mme_per_day").rows() == [
        ("A", day(1, 1), day(10, 27), 30.0),
        ("B", day(2, 1), day(2, 4), 60.0),
        ("B", day(2, 5), day(2, 10), 120.0),
        ("B", day(2, 11), day(2, 14), 60.0),
    ]
