"""Where an order-sign server process's time went: read py-spy's collapsed stacks
(`bench/cds.py --py-spy PREFIX`) and share the samples out.

    .venv/bin/python bench/cds_profile.py /tmp/cds.40.0.txt --requests 800

First waiting against running: a sample whose innermost frame is a wait (a statement's answer
from PostgreSQL, an idle worker thread, the event loop's poll) is a thread waiting, not CPU.
Then the running samples by use case (the first painpath step on the stack that names one:
JWT, body parsing, FHIR mapping, rules, database, audit chaining, …) and by the innermost
frame's library. With `--requests N` (the calls sent in the sampled seconds) each share is
also given in ms per call.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from api_profile import SAMPLE_RATE, library_of, read, table

#: Innermost frames that are a thread waiting, not running (py-spy --idle keeps them).
WAITS = (
    ("PostgreSQL answer (psycopg wait)", ("wait (psycopg/", "wait_conn (psycopg/")),
    ("thread idle or blocked (threading)", ("wait (threading.py", "_worker (concurrent")),
    ("event loop poll", ("select (selectors.py", "poll (", "run_forever")),
    ("lock or queue", ("acquire (", "get (queue.py", "_wait_for_tstate_lock")),
    ("sleep", ("sleep (", "_BackgroundChainer._run (")),  # _run's only C call: time.sleep
)
#: (use case, markers): the first with a marker anywhere on the stack names a running sample.
USE_CASES = (
    ("client JWT (verify_client_jwt)", ("verify_client_jwt ",)),
    ("body parsing (_parsed)", ("_parsed ",)),
    ("request validation (HookRequest)", ("_validated ",)),
    ("FHIR prefetch -> engine input", ("assessment_input_from_fhir ", "resolve_prefetch ")),
    ("rules and PGx advice (assess_call)", ("assess_call ",)),
    ("audit chaining (after the response)", ("chaining.py",)),
    ("database: cards, genotypes, audit (run_hook)", ("run_hook ",)),
    ("transaction (unit_of_work / commit)", ("unit_of_work ", "commit ")),
    ("answer encoding (_json)", ("_json ",)),
    ("middleware", ("middleware.py", "admission.py")),
    ("thread hand-off (anyio)", ("anyio/",)),
    ("uvicorn / event loop", ("uvicorn/", "uvloop", "asyncio/")),
)


def wait_of(frames: list[str]) -> str | None:
    leaf = frames[-1] if frames else ""
    for name, markers in WAITS:
        if any(leaf.startswith(marker) or marker in leaf for marker in markers):
            return name
    return None


def use_case_of(frames: list[str]) -> str:
    for name, markers in USE_CASES:
        if any(marker in frame for frame in frames for marker in markers):
            return name
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--requests", type=int, help="calls sent in the sampled seconds")
    args = parser.parse_args()
    waiting: Counter[str] = Counter()
    by_use: Counter[str] = Counter()
    by_library: Counter[str] = Counter()
    for frames, count in read(args.files):
        wait = wait_of(frames)
        if wait is not None:
            waiting[wait] += count
            continue
        by_use[use_case_of(frames)] += count
        by_library[library_of(frames)] += count
    running = sum(by_use.values()) or 1
    waits = sum(waiting.values()) or 1
    print(
        f"running: {running} samples at {SAMPLE_RATE} Hz = {running / SAMPLE_RATE:.1f} CPU s;"
        f" waiting: {waits} samples (not CPU)\n"
    )
    waiting_table = table("waiting (not CPU)", waiting, waits, args.requests)
    print(waiting_table.replace("CPU ms/request", "thread ms/call"), end="\n\n")
    print(table("running: use case", by_use, running, args.requests), end="\n\n")
    print(table("running: innermost library", by_library, running, args.requests))


if __name__ == "__main__":
    main()
