"""`painpath analytics …` and `painpath demo population` from the command line."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import Result
from typer.testing import CliRunner

from painpath.cli.main import app
from tests.cli.helpers import error_line

pytest.importorskip("distributed")

runner = CliRunner()


def run(*args: str | Path) -> Result:
    return runner.invoke(app, [*map(str, args)])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population")
    result = run("demo", "population", "--patients", "400", "--seed", "5", "-o", out)
    assert result.exit_code == 0, result.output
    return out


def test_demo_population_is_deterministic_by_seed(population: Path, tmp_path: Path) -> None:
    """The same seed writes the same bytes; another seed other claims. The VCF's samples are
    the patients P0000001-P0000400, and every claim is one of theirs."""
    again = run("demo", "population", "--patients", "400", "--seed", "5", "-o", tmp_path / "a")
    other = run("demo", "population", "--patients", "400", "--seed", "6", "-o", tmp_path / "b")
    assert again.exit_code == 0, again.output
    assert other.exit_code == 0, other.output
    for name in ("claims.parquet", "diagnoses.parquet", "prescriptions.parquet", "cohort.vcf.gz"):
        assert digest(population / name) == digest(tmp_path / "a" / name), name
    assert digest(population / "claims.parquet") != digest(tmp_path / "b" / "claims.parquet")
    from painpath.analytics.cohort_inputs import sample_names

    patients = set(pl.read_parquet(population / "claims.parquet")["patient_id"])
    samples = sample_names(population / "cohort.vcf.gz")
    assert samples == [f"P{i:07d}" for i in range(1, 401)]
    assert patients <= set(samples)


def test_opioid_measures_command(population: Path, tmp_path: Path) -> None:
    out = tmp_path / "measures"
    result = run(
        "analytics",
        "opioid-measures",
        population / "claims.parquet",
        "--diagnoses",
        population / "diagnoses.parquet",
        "-o",
        out,
        "--scheduler",
        "synchronous",
        "--shard-rows",
        "1000",
    )
    assert result.exit_code == 0, result.output
    assert "valid" in result.stderr
    assert "measurement year 2025" in result.stderr
    measures = pl.read_parquet(out / "measures.parquet")
    assert measures["measure"].to_list() == ["OHD", "OMP", "COB", "HDO", "COU_15_30", "COU_31_62"]
    assert measures["steward"].to_list() == [
        "Pharmacy Quality Alliance (PQA)",
        "Pharmacy Quality Alliance (PQA)",
        "Pharmacy Quality Alliance (PQA)",
        "National Committee for Quality Assurance (NCQA)",
        "National Committee for Quality Assurance (NCQA)",
        "National Committee for Quality Assurance (NCQA)",
    ]
    assert measures["version"].unique().to_list() == ["painpath-population-measures-2026.12"]
    assert (out / "summary.html").read_text().count("<img") >= 2


def test_pgx_cohort_command(population: Path, tmp_path: Path) -> None:
    out = tmp_path / "cohort"
    result = run(
        "analytics",
        "pgx-cohort",
        population / "cohort.vcf.gz",
        "--meds",
        population / "prescriptions.parquet",
        "-o",
        out,
        "--scheduler",
        "synchronous",
        "--block-samples",
        "100",
    )
    assert result.exit_code == 0, result.output
    assert "400 samples in 1 file(s)" in result.stderr
    drugs = pl.read_parquet(out / "drugs.parquet")
    assert set(drugs["samples"].to_list()) == {400}
    assert drugs.filter(pl.col("drug") == "codeine")["actionable_samples"].item() > 0


def test_a_claims_file_without_a_required_column_is_refused_before_writing(
    tmp_path: Path,
) -> None:
    claims = tmp_path / "claims.parquet"
    pl.DataFrame({"patient_id": ["A"], "rxnorm": ["1049621"]}).write_parquet(claims)
    result = run(
        "analytics", "opioid-measures", claims, "-o", tmp_path / "out", "--scheduler", "synchronous"
    )
    assert result.exit_code == 1
    assert "missing column(s) prescriber_id, pharmacy_id, clinic_id" in error_line(result)
    assert not (tmp_path / "out").exists()


def test_an_unknown_scheduler_is_refused(population: Path, tmp_path: Path) -> None:
    result = run(
        "analytics",
        "opioid-measures",
        population / "claims.parquet",
        "-o",
        tmp_path / "out",
        "--scheduler",
        "mars",
    )
    assert result.exit_code == 1
    assert "--scheduler 'mars'" in error_line(result)


@pytest.mark.parametrize("command", ["opioid-measures", "pgx-cohort"])
def test_a_job_process_freezes_its_objects_before_the_final_collections(
    population: Path, tmp_path: Path, command: str
) -> None:
    """In its own process, the command leaves the interpreter's last garbage collections
    nothing to walk (0.2 s of a job's serial tail): by the time the exit handlers registered
    before it have run, every object is frozen; and the outputs are complete."""
    out = tmp_path / "out"
    script = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
        "from painpath.cli.main import app\n"
        "sys.argv = ['painpath', *sys.argv[1:]]\n"
        "app()\n"
    )
    source = "claims.parquet" if command == "opioid-measures" else "cohort.vcf.gz"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "analytics",
            command,
            str(population / source),
            "-o",
            str(out),
            "--scheduler",
            "synchronous",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "frozen at exit: True"
    if command == "opioid-measures":
        assert pl.read_parquet(out / "measures.parquet").height == 6
    else:
        assert pl.read_parquet(out / "drugs.parquet")["samples"].to_list()[0] == 400
    assert (out / "summary.html").stat().st_size > 0


@pytest.mark.parametrize(
    ("setting", "value"),
    [("PAINPATH_MAX_LINE_BYTES", "2048"), ("PAINPATH_MAX_DECOMPRESSED_BYTES", "100000")],
)
def test_pgx_cohort_reads_within_the_input_limit_settings(
    population: Path, tmp_path: Path, setting: str, value: str
) -> None:
    """The PAINPATH_MAX_* settings bound pgx-cohort's reading as they bound `pgx batch`'s: the
    400-sample #CHROM line is ≈ 3.6 kB, the decompressed file ≈ 0.4 MB; raised, it runs."""
    vcf = population / "cohort.vcf.gz"
    arguments = ("-o", tmp_path / "out", "--scheduler", "synchronous", "--block-samples", "100")
    refused = runner.invoke(
        app, [*map(str, ("analytics", "pgx-cohort", vcf, *arguments))], env={setting: value}
    )
    assert f"set {setting} to allow more" in error_line(refused)
    batch = runner.invoke(
        app, [*map(str, ("pgx", "batch", vcf, "-o", tmp_path / "b.parquet"))], env={setting: value}
    )
    assert f"set {setting} to allow more" in error_line(batch)
    raised = runner.invoke(
        app,
        [*map(str, ("analytics", "pgx-cohort", vcf, *arguments, "--restart"))],
        env={setting: str(int(value) * 1000)},
    )
    assert raised.exit_code == 0, raised.output
    assert "400 samples in 1 file(s)" in raised.stderr


def test_pgx_cohort_reads_the_limits_from_a_dotenv_file_too(
    population: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a PAINPATH_MAX_* variable the limits still come from the settings' sources."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("PAINPATH_MAX_LINE_BYTES=2048\n")
    refused = run(
        "analytics",
        "pgx-cohort",
        population / "cohort.vcf.gz",
        "-o",
        tmp_path / "out",
        "--scheduler",
        "synchronous",
    )
    assert "set PAINPATH_MAX_LINE_BYTES to allow more" in error_line(refused)


def test_the_default_input_limits_are_the_settings_defaults() -> None:
    """The input limits' defaults (painpath.kit.limits) are the settings' defaults."""
    from dataclasses import fields

    from painpath.config import Settings
    from painpath.kit.limits import DEFAULT_LIMITS

    for field in fields(DEFAULT_LIMITS):
        assert Settings.model_fields[field.name].default == getattr(DEFAULT_LIMITS, field.name)
