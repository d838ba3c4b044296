"""Where shards run: in this process, on a LocalCluster, or on an existing Dask scheduler.

`--scheduler local` (the default) starts a LocalCluster of `--workers` single-threaded worker
processes; `--scheduler tcp://HOST:8786` connects to a running cluster (its workers need only
painpath installed with the `analytics` extra); `--scheduler synchronous` runs every shard in
this process, one after another (no Dask at all). Shard functions are plain module-level
functions of `painpath.analytics`, so a worker imports them from the installed package. A
worker that dies mid-shard has its shard run again elsewhere (the scheduler reschedules it;
shards are idempotent: outputs are renamed into place and a marker is written last).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from queue import SimpleQueue
from typing import Any

SYNCHRONOUS = "synchronous"
LOCAL = "local"
#: Dask settings a LocalCluster is started under (its nannies pass them to their workers).
#: Its workers are forked from one fork server (started once, with distributed imported)
#: instead of each spawning a fresh interpreter that imports everything again: on two workers
#: most of a core-second less at start. The other defaults suit a dashboard user: a 10 ms
#: statistical profiler thread in every worker, a 20 ms event-loop tick and host disk sampling
#: in every server, a 100 ms memory poll per worker. A batch job reads none of them, and with as
#: many workers as cores they take CPU from the shards (the job process's CPU while shards ran
#: fell from 0.07–0.09 to 0.04 s per second without them).
CLUSTER_CONFIG = {
    "distributed.worker.multiprocessing-method": "forkserver",
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.disk": False,
    "distributed.worker.memory.monitor-interval": "500ms",
}


def peak_memory() -> dict[str, int]:
    """This process's id and peak resident memory (MiB): shards report it with their result."""
    import os
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return {"pid": os.getpid(), "peak_rss_mib": peak * scale // (1024 * 1024)}


@dataclass(frozen=True)
class Shard:
    key: str
    function: Callable[..., dict[str, Any]]
    arguments: tuple[Any, ...]


class SchedulerError(ValueError):
    """The scheduler option is not understood, or the cluster cannot be reached."""


def check_scheduler(scheduler: str) -> str:
    if scheduler in (SYNCHRONOUS, LOCAL) or scheduler.startswith(("tcp://", "tls://")):
        return scheduler
    raise SchedulerError(
        f"--scheduler {scheduler!r}: expected local, synchronous or tcp://HOST:PORT"
    )


class Runner:
    """Runs shards and reports each one's result as it completes.

    `client` may be given as a future (a LocalCluster still starting): the job plans its shards
    meanwhile, and the first use of `client` waits for it. `workers`: the cores the job may use
    in this process while its workers are idle (the final writes of a gather).
    """

    def __init__(
        self,
        client: Any | None,
        starting: Future[Any] | None = None,
        workers: int = 1,
        release: Callable[[], None] = lambda: None,
    ):
        self._client = client
        self._starting = starting
        self.workers = workers
        self._release = release

    def release(self) -> None:
        """The job has no more shards: a LocalCluster starts closing in the background while
        the job writes its outputs (no shard may run after this)."""
        self._release()

    @property
    def client(self) -> Any | None:
        if self._starting is not None:
            self._client = self._starting.result()
            self._starting = None
        return self._client

    def run_while_starting(
        self, shards: Sequence[Shard], on_done: Callable[[str, dict[str, Any]], None]
    ) -> None:
        """Like `run`, but while the cluster is still starting, shards run one after another in
        this process (in a thread), so the job need not wait for its workers; the moment the
        cluster is up the rest go to it, and a shard under way here finishes here."""
        rest = list(shards)
        starting = self._starting
        if starting is None:
            self.run(rest, on_done)
            return
        with ThreadPoolExecutor(1, thread_name_prefix="painpath-local") as here:
            while rest and not starting.done():
                shard = rest.pop(0)
                running = here.submit(shard.function, *shard.arguments)
                wait([running, starting], return_when=FIRST_COMPLETED)
                if not running.done():
                    self.run(rest, on_done, also={shard.key: running})
                    return
                on_done(shard.key, running.result())
            self.run(rest, on_done)

    def run(
        self,
        shards: Sequence[Shard],
        on_done: Callable[[str, dict[str, Any]], None],
        also: dict[str, Future[dict[str, Any]]] | None = None,
    ) -> None:
        """Run `shards` and call `on_done` (in this thread) as each completes; `also`: shards
        already running in this process, by key, reported alongside as they complete."""
        also = also or {}
        if not shards and not also:
            return
        if self.client is None:
            for shard in shards:
                on_done(shard.key, shard.function(*shard.arguments))
            for key, running in also.items():
                on_done(key, running.result())
            return
        finished: SimpleQueue[tuple[str, Any]] = SimpleQueue()
        futures = [
            self.client.submit(shard.function, *shard.arguments, key=shard.key, pure=False)
            for shard in shards
        ]
        try:
            for key, future in [*zip((s.key for s in shards), futures, strict=True), *also.items()]:
                future.add_done_callback(partial(_put, finished, key))
            for _ in range(len(futures) + len(also)):
                key, future = finished.get()
                on_done(key, future.result())
        finally:
            for future in futures:
                future.release()


def _put(finished: SimpleQueue[tuple[str, Any]], key: str, future: Any) -> None:
    finished.put((key, future))


def start_fork_server(modules: Sequence[str]) -> None:
    """Start the fork server a LocalCluster's workers are forked from, now, importing
    distributed and `modules` in it while this process imports distributed itself (distributed
    would start it only once this process has imported distributed and started the cluster, and
    finds it running). `modules` must start no threads when imported: polars and pyarrow do,
    and polars fixes its pool size at import, so a forked worker would not get its own
    POLARS_MAX_THREADS (`worker_environment`)."""
    import multiprocessing
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(["distributed", *modules])
    forkserver.ensure_running()


def worker_environment(threads: int) -> dict[str, str]:
    """Thread pools of a worker process: polars and Arrow (OMP_NUM_THREADS) read these when
    they start. Each worker runs one shard at a time (one Dask thread: the shard functions hold
    the GIL between polars calls), so its native pools are what it may use of the machine;
    CPUs ÷ workers by default, so that workers do not fight over the same cores."""
    return {"POLARS_MAX_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}


@contextmanager
def runner(
    scheduler: str,
    workers: int,
    memory_limit: str = "auto",
    threads: int | None = None,
    preload: Sequence[str] = (),
    fork_preload: Sequence[str] = (),
) -> Iterator[Runner]:
    """A Runner for the scheduler option (see the module doc); closes what it started.

    `threads`: native threads per local worker (default: CPUs ÷ workers, at least 1).
    `preload`: modules each local worker imports as it starts (while the job plans).
    `fork_preload`: modules imported once in the fork server the local workers are forked from
    (see `start_fork_server`)."""
    scheduler = check_scheduler(scheduler)
    if scheduler == SYNCHRONOUS:
        yield Runner(None)
        return
    if scheduler == LOCAL:
        start_fork_server(fork_preload)
    try:
        distributed: Any = import_module("distributed")
    except ModuleNotFoundError as error:
        raise SchedulerError(
            f"--scheduler {scheduler} needs {error.name}: install the analytics extra"
        ) from error
    if scheduler == LOCAL:
        import os

        per_worker = threads or max(1, (os.cpu_count() or 1) // workers)

        def start() -> tuple[Any, Any]:
            with import_module("dask").config.set(CLUSTER_CONFIG):
                cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    memory_limit=memory_limit,
                    silence_logs=40,
                    env=worker_environment(per_worker),  # set in each worker before polars starts
                    preload=list(preload),
                )
                return cluster, distributed.Client(cluster)

        def close() -> None:
            # A failed start has nothing to close (its error reached the job, if it asked).
            if starting.exception() is None:
                cluster, client = starting.result()
                client.close()
                cluster.close()

        # Worker processes spawn and import while this process plans the job.
        with ThreadPoolExecutor(1, thread_name_prefix="painpath-cluster") as pool:
            starting = pool.submit(start)
            clients: Future[Any] = pool.submit(lambda: starting.result()[1])
            closing: list[Future[None]] = []

            def release() -> None:
                if not closing:
                    closing.append(pool.submit(close))

            try:
                yield Runner(None, clients, workers, release)
            finally:
                release()
                closing[0].result()
        return
    try:
        client = distributed.Client(scheduler, timeout="20s")
    except OSError as error:
        raise SchedulerError(f"--scheduler {scheduler}: cannot connect ({error})") from error
    try:
        yield Runner(client, workers=workers)
    finally:
        client.close()
