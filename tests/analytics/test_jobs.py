"""Both population jobs end to end: one process vs a two-worker LocalCluster, a worker killed
mid-job, resume after a crash, pgx-cohort's row groups written while shards still call, and bad
rows reported with their row numbers."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest

pytest.importorskip("distributed")

from painpath.analytics import cohort_outputs
from painpath.analytics.executor import Runner, Shard, runner
from painpath.analytics.opioid_job import Inputs, run_opioid_measures
from painpath.analytics.pgx_job import run_pgx_cohort
from painpath.demo.population import PopulationFiles, write_population

OPIOID_FILES = (
    "patients",
    "daily_mme",
    "prescribers",
    "pharmacies",
    "clinics",
    "measures",
    "rejects",
)
PGX_FILES = ("phenotypes", "advice", "actionable", "drugs")
SHARD_ROWS = 1_500


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> PopulationFiles:
    return write_population(tmp_path_factory.mktemp("population"), 900, seed=3, vcf_samples=240)


def opioid_job(files: PopulationFiles, out: Path, run: Runner, **options: Any) -> Any:
    return run_opioid_measures(
        Inputs(files.claims, files.diagnoses), out, runner=run, shard_rows=SHARD_ROWS, **options
    )


def pgx_job(files: PopulationFiles, out: Path, run: Runner, **options: Any) -> Any:
    assert files.vcf is not None
    return run_pgx_cohort(
        [files.vcf],
        out,
        runner=run,
        prescriptions=files.prescriptions,
        block_samples=60,
        **options,
    )


def same_outputs(first: Path, second: Path, names: Sequence[str]) -> None:
    for name in names:
        a = pl.read_parquet(first / f"{name}.parquet")
        b = pl.read_parquet(second / f"{name}.parquet")
        assert a.equals(b), name


@pytest.fixture(scope="module")
def single(population: PopulationFiles, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both jobs in this process, one shard after another: the reference results."""
    out = tmp_path_factory.mktemp("single")
    with runner("synchronous", 1) as run:
        report = opioid_job(population, out / "opioids", run)
        pgx_job(population, out / "pgx", run)
    assert report.ran_shards > 8  # the claims really are sharded
    assert pl.read_parquet(out / "opioids" / "measures.parquet")["denominator"].sum() > 0
    return out


def test_two_workers_give_the_single_process_results(
    population: PopulationFiles, single: Path, tmp_path: Path
) -> None:
    with runner("local", 2) as run:
        opioid_job(population, tmp_path / "opioids", run)
        pgx_job(population, tmp_path / "pgx", run)
    same_outputs(single / "opioids", tmp_path / "opioids", OPIOID_FILES)
    same_outputs(single / "pgx", tmp_path / "pgx", PGX_FILES)


def test_a_worker_killed_mid_job_does_not_change_the_result(
    population: PopulationFiles, single: Path, tmp_path: Path
) -> None:
    """After the first shard completes, one worker process is killed (SIGKILL): the scheduler
    runs its shards again on the other worker (or the restarted one)."""
    with runner("local", 2) as run:
        client = run.client
        assert client is not None
        killed: list[int] = []
        original = run.run

        def run_and_kill(
            shards: Sequence[Shard], on_done: Callable[[str, dict[str, Any]], None]
        ) -> None:
            def done(key: str, result: dict[str, Any]) -> None:
                if not killed:
                    pids = sorted(client.run(os.getpid).values())
                    killed.append(pids[0])
                    os.kill(pids[0], signal.SIGKILL)
                on_done(key, result)

            original(shards, done)

        run.run = run_and_kill  # type: ignore[method-assign]
        opioid_job(population, tmp_path / "opioids", run)
        pgx_job(population, tmp_path / "pgx", run)
    assert killed
    same_outputs(single / "opioids", tmp_path / "opioids", OPIOID_FILES)
    same_outputs(single / "pgx", tmp_path / "pgx", PGX_FILES)


class Crash(Exception):
    pass


class CrashingRunner(Runner):
    """Runs shards in this process and 'crashes' after `limit` of them."""

    def __init__(self, limit: int):
        super().__init__(None)
        self.limit = limit

    def run(self, shards: Sequence[Shard], on_done: Callable[[str, dict[str, Any]], None]) -> None:
        for shard in shards:
            if self.limit == 0:
                raise Crash
            self.limit -= 1
            on_done(shard.key, shard.function(*shard.arguments))


def test_resume_skips_finished_shards(
    population: PopulationFiles, single: Path, tmp_path: Path
) -> None:
    """A job that dies after 5 shards, run again, runs only the shards without a marker and
    gives the same results; a third run runs none."""
    with pytest.raises(Crash):
        opioid_job(population, tmp_path, CrashingRunner(5))
    markers = sorted(p.name for p in (tmp_path / ".work" / "done").iterdir())
    assert len(markers) == 5
    second = opioid_job(population, tmp_path, Runner(None))
    assert second.skipped_shards == 5
    assert second.ran_shards > 0
    same_outputs(single / "opioids", tmp_path, OPIOID_FILES)
    third = opioid_job(population, tmp_path, Runner(None))
    assert third.ran_shards == 0
    assert third.skipped_shards == second.skipped_shards + second.ran_shards
    with pytest.raises(Crash):
        pgx_job(population, tmp_path / "pgx", CrashingRunner(2))  # the first pass, one block
    resumed = pgx_job(population, tmp_path / "pgx", Runner(None))
    assert (resumed.skipped_shards, resumed.ran_shards) == (2, 3)
    same_outputs(single / "pgx", tmp_path / "pgx", PGX_FILES)


def test_another_job_in_the_same_folder_is_refused(
    population: PopulationFiles, tmp_path: Path
) -> None:
    from painpath.analytics.workdir import WorkdirError

    with pytest.raises(Crash):
        opioid_job(population, tmp_path, CrashingRunner(1))
    with pytest.raises(WorkdirError, match="--restart"):
        opioid_job(population, tmp_path, Runner(None), year=2024)
    report = opioid_job(population, tmp_path, Runner(None), year=2024, restart=True)
    assert report.skipped_shards == 0
    assert report.year == 2024


def test_bad_rows_are_reported_with_their_row_numbers(tmp_path: Path) -> None:
    """Six claims in row groups of two (so three split shards): rows 2, 4 and 5 are bad and
    come back with their file row numbers, column and rule; the three good rows are counted."""
    good = {
        "patient_id": "A",
        "prescriber_id": "DR1",
        "pharmacy_id": "PH1",
        "clinic_id": "CL1",
        "rxnorm": "1049621",
        "quantity": "60",
        "days_supply": "30",
        "fill_date": "2025-03-01",
    }
    rows = [
        good,
        {**good, "fill_date": "2025-02-30"},
        good,
        {**good, "days_supply": "0"},
        {**good, "patient_id": "", "quantity": "-5"},
        {**good, "rxnorm": None, "ndc": "12345-678-90"},
    ]
    claims = tmp_path / "claims.parquet"
    pl.DataFrame(rows).write_parquet(claims, row_group_size=2)
    report = run_opioid_measures(
        Inputs(claims), tmp_path / "out", runner=Runner(None), shard_rows=2
    )
    rejects = pl.read_parquet(tmp_path / "out" / "rejects.parquet")
    assert rejects.select("row", "column", "problem").rows() == [
        (2, "fill_date", "is not a date (YYYY-MM-DD)"),
        (4, "days_supply", "must be 1-365"),
        (5, "patient_id", "is empty"),
    ]
    assert (report.rows, report.valid, report.rejected, report.unresolved_ndc) == (6, 2, 3, 1)
    unresolved = pl.read_parquet(tmp_path / "out" / "unresolved_ndc.parquet")
    assert unresolved.rows() == [("12345067890", 1)]
    html = (tmp_path / "out" / "summary.html").read_text()
    assert "is not a date" in html
    assert "<img" in html


def test_an_existing_cluster_by_address(
    population: PopulationFiles, single: Path, tmp_path: Path
) -> None:
    """`--scheduler tcp://HOST:PORT`: a cluster started elsewhere (here a LocalCluster whose
    address is all the job is given) gives the same results."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://")
        with runner(address, 1) as run:
            opioid_job(population, tmp_path / "opioids", run)
    same_outputs(single / "opioids", tmp_path / "opioids", OPIOID_FILES)


def _thread_pools() -> tuple[str | None, int]:
    import polars

    return os.environ.get("POLARS_MAX_THREADS"), polars.thread_pool_size()


@pytest.mark.parametrize(("workers", "threads", "expected"), [(2, None, None), (1, 3, 3)])
def test_local_workers_get_their_share_of_the_cores(
    workers: int, threads: int | None, expected: int | None
) -> None:
    """Each local worker's polars pool is CPUs ÷ workers (at least 1) unless
    --threads-per-worker says otherwise, so two workers do not both use every core."""
    share = expected or max(1, (os.cpu_count() or 1) // workers)
    with runner("local", workers, threads=threads) as run:
        assert run.client is not None
        pools = run.client.run(_thread_pools)
    assert len(pools) == workers
    assert set(pools.values()) == {(str(share), share)}


class OrderedRunner(Runner):
    """Runs shards in this process, the calling shards in pattern order or backwards, and
    records each finished calling shard and each row group the gather writes."""

    def __init__(self, backwards: bool, events: list[str]):
        super().__init__(None)
        self.backwards = backwards
        self.events = events

    def run(self, shards: Sequence[Shard], on_done: Callable[[str, dict[str, Any]], None]) -> None:
        for shard in reversed(shards) if self.backwards else shards:
            on_done(shard.key, shard.function(*shard.arguments))
            if shard.key.startswith("call-"):
                self.events.append("shard")


@pytest.mark.parametrize("backwards", [False, True])
def test_row_groups_are_written_as_soon_as_their_patterns_are_called(
    population: PopulationFiles,
    single: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    backwards: bool,
) -> None:
    """Row groups of 40 samples (6 of 240): in pattern order, the first are written while
    later shards still call; backwards, none can be before the first shard (the last to
    finish). The files are the same either way."""
    events: list[str] = []
    write_groups = cohort_outputs._write_groups

    def recorded(*arguments: Any) -> None:
        events.append("group")
        write_groups(*arguments)

    monkeypatch.setattr(cohort_outputs, "ROW_GROUP_SAMPLES", 40)
    monkeypatch.setattr(cohort_outputs, "_write_groups", recorded)
    pgx_job(population, tmp_path, OrderedRunner(backwards, events))
    last_shard = len(events) - 1 - events[::-1].index("shard")
    early = events[:last_shard].count("group")
    assert events.count("group") == 2 * 6  # phenotypes and advice, 6 row groups each
    assert (early == 0) if backwards else (0 < early < 2 * 6)
    assert pq.ParquetFile(tmp_path / "phenotypes.parquet").num_row_groups == 6
    same_outputs(single / "pgx", tmp_path, PGX_FILES)
