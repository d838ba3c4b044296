"""Shared helpers for painpath's benchmarks: paths, the machine, timing, the ratio table.

Every benchmark measures painpath and its peer in the same run, several times each, and
reports medians; ratios are peer ÷ painpath (how many times faster painpath is) unless a row
says otherwise.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
DATA = RESULTS / "data"
VENVS = BENCH / ".venvs"
PYPGX_PYTHON = VENVS / "pypgx" / "bin" / "python"
PANNO = VENVS / "panno" / "bin" / "panno"
PAINPATH = ROOT / ".venv" / "bin" / "painpath"
#: painpath's processes keep compiled bytecode here (see `bytecode_env`).
PYCACHE = RESULTS / "pycache"


def bytecode_env(cached: bool = True) -> dict[str, str]:
    """The environment for timing a painpath process.

    pip compiles bytecode when it installs a package (the peers' venvs have it); `uv pip install`
    does not, and this sandbox sets PYTHONDONTWRITEBYTECODE=1, so painpath's venv here would
    compile SQLAlchemy and the rest from source in every process (seconds). With `cached`,
    bytecode is written once to bench/results/pycache and read from there, as after a pip install.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if cached:
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = str(RESULTS / "no-pycache")  # empty: nothing to read
    return env


def warm_bytecode() -> None:
    """Run painpath's commands once, untimed, so their bytecode is cached."""
    vcf = single_vcf()
    quiet: dict[str, Any] = {
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
        "env": bytecode_env(),
    }
    subprocess.run([str(PAINPATH), "pgx", "call", str(vcf), "--format", "json"], **quiet)
    subprocess.run([str(PAINPATH), "pgx", "batch", "--help"], **quiet)
    engine = BENCH / "engine_report.py"
    for stage in ("calls", "reports", "json", "document"):
        subprocess.run([sys.executable, str(engine), str(vcf), "--stage", stage], **quiet)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def wall(command: Sequence[str | Path], *, stdout: Path | None = None, **kwargs: Any) -> float:
    """Wall-clock seconds of a fresh process; raises CalledProcessError when it fails."""
    start = time.perf_counter()
    if stdout is None:
        subprocess.run([str(c) for c in command], check=True, stdout=subprocess.DEVNULL, **kwargs)
    else:
        with stdout.open("wb") as out:
            subprocess.run([str(c) for c in command], check=True, stdout=out, **kwargs)
    return time.perf_counter() - start


def make_vcf(name: str, *arguments: str) -> Path:
    """A synthetic VCF from scripts/make_pgx_vcf.py, kept in bench/results/data between runs."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / name
    stamp = path.with_name(path.name + ".args")
    wanted = " ".join(arguments)
    if not path.exists() or not stamp.exists() or stamp.read_text() != wanted:
        script = ROOT / "scripts" / "make_pgx_vcf.py"
        subprocess.run(
            [sys.executable, str(script), *arguments[:1], str(path), *arguments[1:]], check=True
        )
        stamp.write_text(wanted)
    return path


#: The sample of benchmark (b).
SINGLE_CALLS = {"CYP2C19": "*2/*17", "CYP2D6": "*4/*41", "CYP2C9": "*1/*3"}


def single_vcf() -> Path:
    """One sample with SINGLE_CALLS, a record at each allele-defining position."""
    return make_vcf("single.vcf", "diplotype", *(f"{g}={c}" for g, c in SINGLE_CALLS.items()))


def tabix(path: Path) -> Path:
    """Index a bgzipped VCF (painpath then reads only the gene regions' blocks)."""
    index = path.with_name(path.name + ".tbi")
    if not index.exists() or index.stat().st_mtime < path.stat().st_mtime:
        subprocess.run(["tabix", "-f", "-p", "vcf", str(path)], check=True)
    return index


def _first_line(command: Sequence[str]) -> str | None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError:
        return None
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else None


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found[1].strip() if found else platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """What the numbers were measured on (the machine is shared, so the load is recorded too)."""
    import painpath

    peer = (
        _first_line([str(PYPGX_PYTHON), "-c", "import sys; print(sys.version.split()[0])"])
        if PYPGX_PYTHON.exists()
        else None
    )
    return {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "painpath": painpath.__version__,
        "peer_python": peer,
        "bcftools": _first_line(["bcftools", "--version"]) if shutil.which("bcftools") else None,
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE"),
    }


@dataclass(frozen=True)
class Row:
    """One line of the result table."""

    bench: str
    what: str
    painpath: float | None
    peer_name: str
    peer: float | None
    unit: str
    #: peer ÷ painpath; for an I/O floor, painpath ÷ floor (see `ratio_label`).
    ratio: float | None
    ratio_label: str = "× faster"
    goal: str = ""
    met: bool | None = None
    note: str = ""


def ratio(peer: float | None, ours: float | None) -> float | None:
    return peer / ours if peer and ours else None


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def print_table(rows: Sequence[Row], title: str = "") -> None:
    header = ("bench", "what", "painpath", "peer", "peer value", "unit", "ratio", "goal", "met")
    lines = [
        (
            r.bench,
            r.what,
            _number(r.painpath),
            r.peer_name,
            _number(r.peer),
            r.unit,
            f"{_number(r.ratio)} {r.ratio_label}" if r.ratio is not None else "—",
            r.goal,
            {True: "yes", False: "NO", None: ""}[r.met],
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines, strict=False)]
    if title:
        print(f"\n{title}")
    for line in (header, tuple("-" * w for w in widths), *lines):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)))
    for r in rows:
        if r.note:
            print(f"  note [{r.bench}] {r.what}: {r.note}")


def save(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def rows_json(rows: Sequence[Row]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]
