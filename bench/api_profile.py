"""Where a server process's CPU went under the API mix: read py-spy's collapsed stacks
(`bench/api_load.py --profile PREFIX`) and share the samples out three ways.

    .venv/bin/python bench/api_profile.py bench/results/profile.50.0.txt [--requests N]

By request kind: the endpoint module a stack runs in (sync POST, record read, panel load); the
stacks outside any endpoint (dependencies in their worker thread, routing, middleware, the
event loop) are "shared". By use case: the first painpath function on the stack that names one
(the alert rules, the audit trail, the bearer-token lookup, ...). By library: the innermost
frame's package (SQLAlchemy, psycopg, pydantic, starlette, ...). With `--requests N` (the
requests sent during the sampled seconds) each share is also shown in ms of CPU per request.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

SAMPLE_RATE = 250  # py-spy --rate in bench/api_load.py

KINDS = (
    ("sync", ("web/api/monitoring_sync.py",)),
    (
        "record",
        ("web/api/monitoring_diary.py", "web/api/observations.py", "web/api/medications.py"),
    ),
    ("panel", ("web/api/patients.py", "web/api/monitoring_alerts.py")),
)
#: (use case, markers): the first use case with a marker anywhere on the stack names the sample.
USE_CASES = (
    ("alert rules (evaluate_patient)", ("evaluate_patient ",)),
    ("audit trail", ("audit/", "record_event", "write_audit")),
    ("bearer token (live_token)", ("live_token ",)),
    ("patient access (open_patient)", ("open_patient ",)),
    ("sync: store items", ("receive_batch ",)),
    ("transaction (unit_of_work / commit)", ("unit_of_work ", "commit ")),
    ("response serialisation", ("serialize_response", "jsonable_encoder", "model_dump")),
    ("request validation", ("request_body_to_args", "_validate_value", "validate_python")),
    ("routing / dependency solving", ("solve_dependencies", "matches ", "get_route_handler")),
    ("middleware", ("middleware.py", "admission.py")),
    ("uvicorn / event loop", ("uvicorn/", "uvloop", "asyncio/")),
)
LIBRARIES = (
    "sqlalchemy",
    "psycopg",
    "pydantic",
    "fastapi",
    "starlette",
    "anyio",
    "uvicorn",
    "painpath",
    "json",
    "threading",
)


def _frames(stack: str) -> list[str]:
    return [frame for frame in stack.split(";") if frame and not frame.startswith("thread (")]


def kind_of(frames: list[str]) -> str:
    for kind, modules in KINDS:
        if any(module in frame for frame in frames for module in modules):
            return kind
    return "shared"


def use_case_of(frames: list[str]) -> str:
    for name, markers in USE_CASES:
        if any(marker in frame for frame in frames for marker in markers):
            return name
    return "other"


def library_of(frames: list[str]) -> str:
    leaf = frames[-1] if frames else ""
    for library in LIBRARIES:
        if f"({library}/" in leaf or f"/{library}/" in leaf or f"({library}.py" in leaf:
            return library
    return "other (C, stdlib)"


def read(paths: list[Path]) -> list[tuple[list[str], int]]:
    stacks = []
    for path in paths:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                stacks.append((_frames(stack), int(count)))
    return stacks


def table(title: str, counts: Counter[str], total: int, requests: int | None) -> str:
    lines = [f"| {title} | samples | share | CPU ms/request |", "|---|---|---|---|"]
    for name, count in counts.most_common():
        per_request = f"{1000 * count / SAMPLE_RATE / requests:.2f}" if requests else "–"
        lines.append(f"| {name} | {count} | {100 * count / total:.1f} % | {per_request} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--requests", type=int, help="requests sent in the sampled seconds")
    args = parser.parse_args()
    stacks = read(args.files)
    total = sum(count for _, count in stacks) or 1
    by_kind: Counter[str] = Counter()
    by_use: Counter[str] = Counter()
    by_library: Counter[str] = Counter()
    by_kind_use: Counter[str] = Counter()
    for frames, count in stacks:
        kind, use = kind_of(frames), use_case_of(frames)
        by_kind[kind] += count
        by_use[use] += count
        by_library[library_of(frames)] += count
        by_kind_use[f"{kind}: {use}"] += count
    print(f"{total} samples at {SAMPLE_RATE} Hz = {total / SAMPLE_RATE:.1f} CPU s\n")
    for title, counts in (
        ("request kind", by_kind),
        ("use case", by_use),
        ("innermost library", by_library),
        ("kind: use case", by_kind_use),
    ):
        print(table(title, counts, total, args.requests), end="\n\n")


if __name__ == "__main__":
    main()
