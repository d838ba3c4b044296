"""Care suggestions for one patient, warm: is it fast enough to show on page load?

    .venv/bin/python bench/care.py [--reps 200]

Each round validates a request document and runs the engine (`parse_request` + `suggest` +
`as_json`, what `POST /api/care/suggest` does beyond HTTP) for a set of synthetic patients:
every condition in both profiles, plus heavy cases with current opioids (the opioid engine),
a genotype with a converting inhibitor (the PGx engine), labs, problems and therapies tried.
The first call per process (knowledge loading, formulary, PGx tables) is timed apart as "cold".
Then the stored-record route's work, `services.care.suggestions.suggestions_for_patient` (the
care-team gate and its audit event, reading conditions, medicines, labs, scores, genotypes,
therapies tried and pregnancy status, validation, engine, JSON), over a seeded demo cohort in a
temporary SQLite file, each call rolled back. Budget: warm p99 under 20 ms per patient for
both. `--clock cpu` times the process's CPU time instead of the wall clock: on a shared,
oversubscribed machine the wall-clock tail is the scheduler's, not painpath's. Nothing here is
asserted by a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date
from typing import Any

from painpath.care import knowledge, parse_request, suggest
from painpath.care.codes import condition_for

TODAY = date(2026, 12, 7)
BUDGET_MS = 20.0
HEAVY: dict[str, Any] = {
    "age": 79,
    "sex": "female",
    "labs": {"eGFR": 28, "ALT": 45, "platelets": 140, "INR": 1.1, "QTc": 455},
    "problems": ["falls", "J44.9", "I25.10", "K92.2", "depression"],
    "current_meds": [
        "oxycodone ER 20 mg BID",
        "gabapentin 300 mg TID",
        "paroxetine 20 mg daily",
        "apixaban 5 mg BID",
        "zolpidem 5 mg qhs",
    ],
    "genotype": {"CYP2D6": "*1/*4", "CYP2C19": "*2/*17", "CYP2C9": "*1/*3"},
    "scores": {"PHQ-9": 12, "phq9_item9": 1, "STarT Back": 6, "start_back_psychosocial": 4},
    "tried": [
        {"therapy": "pregabalin", "outcome": "intolerance", "weeks": 4},
        {"therapy": "duloxetine", "outcome": "inadequate_response", "weeks": 14},
        {"therapy": "topiramate", "outcome": "inadequate_response", "weeks": 10},
    ],
}


def patients() -> list[dict[str, Any]]:
    found = []
    for condition in sorted(knowledge().conditions):
        for profile in ("US", "UK"):
            found.append({"condition": condition, "jurisdiction": profile, "age": 50})
            found.append({"condition": condition, "jurisdiction": profile, **HEAVY})
    return found


CLOCK = time.perf_counter


def once(document: dict[str, Any]) -> float:
    start = CLOCK()
    result = suggest(parse_request(document), today=TODAY).as_json()
    json.dumps(result)
    return (CLOCK() - start) * 1000


def record_timings(reps: int) -> list[float]:
    """Warm timings of the stored-record suggestions for every demo patient with a pain
    condition the knowledge has, as their primary clinician."""
    import tempfile
    from pathlib import Path

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from painpath.auth.actor import Actor
    from painpath.auth.permissions import Permission
    from painpath.db.base import Base
    from painpath.db.engine import make_engine
    from painpath.demo.seed import seed_demo
    from painpath.models import CareTeam, CareTeamParticipant, Condition, User
    from painpath.services.access import open_patient
    from painpath.services.care.suggestions import suggestions_for_patient

    timings: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            seed_demo(session, as_of=TODAY, patients=40)
            session.commit()
        with Session(engine) as session:
            targets = []
            for team in session.scalars(select(CareTeam)):
                member = session.scalars(
                    select(User)
                    .join(CareTeamParticipant, CareTeamParticipant.user_id == User.id)
                    .where(CareTeamParticipant.care_team_id == team.id, User.role == "clinician")
                ).first()
                codes = session.scalars(
                    select(Condition.code).where(Condition.patient_id == team.patient_id)
                )
                pain = next((c for c in map(condition_for, codes) if c), None)
                if member is not None and pain is not None:
                    targets.append((Actor.of(member), team.patient_id, pain))

            def once_from_record(actor: Actor, patient_id: int, pain: str) -> float:
                start = CLOCK()
                grant = open_patient(
                    session,
                    actor=actor,
                    patient_id=patient_id,
                    permission=Permission.condition_read,
                    action="read",
                    resource_type="CareSuggestion",
                )
                found = suggestions_for_patient(
                    session, access=grant, today=TODAY, default_profile="US", condition=pain
                )
                json.dumps(found.suggestions.as_json())
                elapsed = (CLOCK() - start) * 1000
                session.rollback()
                return elapsed

            for target in targets:  # warm
                once_from_record(*target)
            for _ in range(reps):
                timings.extend(once_from_record(*target) for target in targets)
        engine.dispose()
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200, help="rounds over all patients")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall", help="what to time")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    cases = patients()
    cold = once(cases[-1])
    for case in cases:  # warm every path once
        once(case)
    light: list[float] = []
    heavy: list[float] = []
    for _ in range(args.reps):
        for case in cases:
            (heavy if "current_meds" in case else light).append(once(case))
    rows = [("light (condition, profile, age)", light), ("heavy (meds, PGx, labs, tried)", heavy)]
    print(
        f"care suggest ({args.clock} clock): {len(cases)} patients x {args.reps} rounds;"
        f" cold first call {cold:.1f} ms"
    )
    print(f"{'case':34} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, values in rows:
        print(
            f"{name:34} {len(values):6d} {statistics.median(values):8.2f}"
            f" {percentile(values, 0.95):8.2f} {percentile(values, 0.99):8.2f} {max(values):8.2f}"
        )
    worst = percentile(heavy + light, 0.99)
    verdict = "within" if worst < BUDGET_MS else "OVER"
    print(f"warm p99 over all patients: {worst:.2f} ms ({verdict} the {BUDGET_MS:g} ms budget)")
    record = record_timings(max(1, args.reps // 20))
    worst_record = percentile(record, 0.99)
    verdict = "within" if worst_record < BUDGET_MS else "OVER"
    print(
        f"stored record (SQLite, demo cohort, {len(record)} calls): p50"
        f" {statistics.median(record):.2f} ms, p95 {percentile(record, 0.95):.2f} ms, p99"
        f" {worst_record:.2f} ms ({verdict} the {BUDGET_MS:g} ms budget)"
    )


if __name__ == "__main__":
    main()
