"""Benchmark (b): one sample's VCF to its full report, cold start included (fresh processes).

    .venv/bin/python bench/single_vcf.py [--reps 5] [--peer-reps 3]

The VCF: scripts/make_pgx_vcf.py, one sample with CYP2C19 *2/*17, CYP2D6 *4/*41, CYP2C9 *1/*3
(a record at each of the 276 allele-defining positions). Timed, interleaved in each round:

- painpath: `painpath pgx call single.vcf --format json` (the CLI), and bench/engine_report.py
  (the same document from the engine alone, without the CLI's imports);
- PyPGx `run-ngs-pipeline` (CYP2C19 and CYP2C9) on the bgzipped file: only when its data
  bundle is present (PYPGX_BUNDLE, default ~/pypgx-bundle): the pipeline needs the bundle's
  1KGP reference panels; it is not on PyPI, so usually this is reported as not run;
- PyPGx "report" (bench/peers/pypgx_report.py): a fresh process that imports PyPGx, predicts the
  three phenotypes from the diplotypes painpath called and gets PyPGx's recommendation for the
  12 pain drugs it has. It does not read the VCF, so it is a lower bound on PyPGx;
- PAnno 0.3.1 (`panno -s SAMPLE -i single.vcf -p EUR -o DIR`): VCF → HTML report, all its genes.

painpath runs with its bytecode cached (as after a pip install; the peers' venvs have theirs) and,
for comparison, without (every module compiled from source: see harness.bytecode_env).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness import (
    PAINPATH,
    PANNO,
    PYPGX_PYTHON,
    SINGLE_CALLS,
    VENVS,
    Row,
    bytecode_env,
    machine,
    median,
    print_table,
    ratio,
    rows_json,
    single_vcf,
    tabix,
    wall,
    warm_bytecode,
)
from harness import save as save_result

BENCH = Path(__file__).resolve().parent
CALLS = SINGLE_CALLS
GOAL_SECONDS = 1.0


def bundle() -> Path | None:
    path = Path(os.environ.get("PYPGX_BUNDLE", Path.home() / "pypgx-bundle"))
    return path if (path / "1kgp").is_dir() else None


def painpath_calls(document: dict[str, Any]) -> dict[str, list[str]]:
    genes = document["samples"][0]["genes"]
    found = {}
    for gene in CALLS:
        first = genes[gene]["diplotypes"][0]["diplotype"]
        a, _, b = first.partition("/")
        found[gene] = [a, b]
    return found


def panno_found(html: str) -> dict[str, bool]:
    """Whether PAnno's report shows each expected diplotype (a sanity check, not a test)."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return {gene: f"{gene} {call}" in text for gene, call in CALLS.items()}


def run(repeat: int = 5, peer_repeat: int = 3) -> list[Row]:
    vcf = single_vcf()
    warm_bytecode()
    cached, uncached = bytecode_env(), bytecode_env(cached=False)
    gz = vcf.with_suffix(".vcf.gz")
    if not gz.exists() or gz.stat().st_mtime < vcf.stat().st_mtime:
        with gz.open("wb") as out:
            subprocess.run(["bgzip", "-c", str(vcf)], check=True, stdout=out)
    tabix(gz)
    work = Path(tempfile.mkdtemp(prefix="painpath-bench-"))
    cli_out, engine_out = work / "cli.json", work / "engine.json"
    times: dict[str, list[float]] = {
        k: []
        for k in (
            "cli",
            "cli_start",
            "engine",
            "cli_nopyc",
            "engine_nopyc",
            "pypgx",
            "panno",
            "ngs",
        )
    }
    checks: dict[str, Any] = {}
    ngs_bundle = bundle()
    for rep in range(max(repeat, peer_repeat)):
        if rep < repeat:
            call_cmd = [PAINPATH, "pgx", "call", vcf, "--format", "json"]
            engine_cmd = [sys.executable, BENCH / "engine_report.py", vcf]
            times["cli"].append(wall(call_cmd, stdout=cli_out, env=cached))
            times["cli_start"].append(wall([PAINPATH, "--version"], env=cached))
            times["engine"].append(
                wall(engine_cmd, stdout=engine_out, stderr=subprocess.DEVNULL, env=cached)
            )
            times["cli_nopyc"].append(wall(call_cmd, env=uncached))
            times["engine_nopyc"].append(wall(engine_cmd, stderr=subprocess.DEVNULL, env=uncached))
        if rep == 0:
            document = json.loads(cli_out.read_text())
            checks["painpath_calls"] = painpath_calls(document)
            checks["cli_equals_engine"] = cli_out.read_bytes() == engine_out.read_bytes()
            (work / "calls.json").write_text(json.dumps(checks["painpath_calls"]))
        if rep >= peer_repeat:
            continue
        if PYPGX_PYTHON.exists():
            times["pypgx"].append(
                wall([PYPGX_PYTHON, BENCH / "peers" / "pypgx_report.py", work / "calls.json"])
            )
        if PANNO.exists():
            out_dir = work / f"panno{rep}"
            times["panno"].append(
                wall(
                    [PANNO, "-s", "SAMPLE", "-i", vcf, "-p", "EUR", "-o", out_dir],
                    stderr=subprocess.DEVNULL,
                )
            )
            if rep == 0:
                html = (out_dir / "SAMPLE.PAnno.html").read_text(errors="replace")
                checks["panno_shows_expected_diplotypes"] = panno_found(html)
        if ngs_bundle is not None:
            seconds = 0.0
            pypgx = VENVS / "pypgx" / "bin" / "pypgx"
            for gene in ("CYP2C19", "CYP2C9"):
                out = work / f"ngs{rep}{gene}"
                seconds += wall(
                    [
                        pypgx,
                        "run-ngs-pipeline",
                        gene,
                        out,
                        "--variants",
                        gz,
                        "--assembly",
                        "GRCh38",
                    ],
                    env={**os.environ, "PYPGX_BUNDLE": str(ngs_bundle)},
                    stderr=subprocess.DEVNULL,
                )
            times["ngs"].append(seconds)
    shutil.rmtree(work)
    cli = median(times["cli"])
    engine = median(times["engine"])
    peer = {k: median(v) if v else None for k, v in times.items()}
    goal = f"<{GOAL_SECONDS:g} s"
    rows = [
        Row("b", "painpath pgx call (CLI)", cli, "—", None, "s (wall)", None, goal=goal,
            met=cli < GOAL_SECONDS),
        Row("b", "painpath --version (CLI start-up)", peer["cli_start"], "—", None, "s (wall)",
            None, note="interpreter, typer and the command table; sub-commands load when run"),
        Row("b", "painpath engine only", engine, "—", None, "s (wall)", None, goal=goal,
            met=engine < GOAL_SECONDS,
            note="bench/engine_report.py: same JSON document, without the CLI's imports"),
        Row("b", "painpath pgx call, no cached bytecode", peer["cli_nopyc"], "—", None,
            "s (wall)", None, note="every module compiled from source, as in this sandbox's venv"
            " (uv installs no .pyc; PYTHONDONTWRITEBYTECODE=1)"),
        Row("b", "painpath engine only, no cached bytecode", peer["engine_nopyc"], "—", None,
            "s (wall)", None),
        Row("b", "vs PyPGx run-ngs-pipeline", cli, "PyPGx NGS", peer["ngs"], "s (wall)",
            ratio(peer["ngs"], cli),
            note="" if ngs_bundle else "not run: the pypgx-bundle (1KGP panels) is not installed"
            " (PYPGX_BUNDLE unset, no ~/pypgx-bundle); it is not on PyPI"),
        Row("b", "vs PyPGx import+phenotype+advice", cli, "PyPGx", peer["pypgx"], "s (wall)",
            ratio(peer["pypgx"], cli),
            note="PyPGx given painpath's calls, no VCF read: a lower bound for PyPGx"),
        Row("b", "vs PAnno VCF → HTML", cli, "PAnno", peer["panno"], "s (wall)",
            ratio(peer["panno"], cli),
            note=f"expected diplotypes shown: {checks.get('panno_shows_expected_diplotypes')}"),
    ]  # fmt: skip
    save_result(
        "single_vcf",
        {
            "machine": machine(),
            "file": str(vcf),
            "expected": CALLS,
            "seconds": times,
            "checks": checks,
            "rows": rows_json(rows),
        },
    )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="painpath repetitions")
    parser.add_argument("--peer-reps", type=int, default=3, help="peer repetitions")
    args = parser.parse_args()
    print_table(run(args.reps, args.peer_reps), "(b) single-sample VCF → report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
