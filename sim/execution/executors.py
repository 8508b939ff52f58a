"""One interface over serial, local process-pool and Dask-distributed execution.

Work is sent in *chunks* (several runs per task) so per-task overhead stays small::

    with make_executor(workers=None, scheduler=None) as ex:
        for result in ex.map_chunks(fn, chunks):   # results in completion order
            ...

Backend selection (:func:`make_executor`):

* ``scheduler="tcp://host:8786"`` (or env ``DASK_SCHEDULER_ADDRESS``): Dask ``Client(address)``;
* ``scheduler="local"``: a local Dask ``LocalCluster`` (one single-threaded worker process per core);
* ``workers == 1``: serial, in this process (an explicit ``workers=1`` wins over the env variable);
* otherwise: ``concurrent.futures.ProcessPoolExecutor`` on ``workers`` (default: all) cores.

``fn`` must be a picklable top-level function. Results never depend on the backend as long as
every random seed is derived per run (never per worker or per chunk).

Most callers want :func:`map_runs`, which hides the chunks and returns results in job order::

    results = map_runs(run_one, jobs, workers=2)                      # local processes
    results = map_runs(run_one, jobs, scheduler="tcp://host:8786")    # a Dask cluster

``run --reps``, ``compare`` (attribution included), sweeps and the trials of ``optimize``,
``explore`` and ``calibrate`` all run through these two functions (docs/scaling.md).
"""

from __future__ import annotations

import math
import multiprocessing
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from functools import partial
from typing import Any, TypeVar

from sim.execution.lifeline import follow_driver

T = TypeVar("T")
R = TypeVar("R")

ENV_SCHEDULER = "DASK_SCHEDULER_ADDRESS"

__all__ = [
    "ENV_SCHEDULER",
    "DaskExecutor",
    "Executor",
    "ExecutorError",
    "ProcessExecutor",
    "SerialExecutor",
    "auto_chunk_size",
    "chunked",
    "guided_chunks",
    "make_executor",
    "map_runs",
]


class ExecutorError(RuntimeError):
    """An execution backend could not be created or reached."""


class Executor(ABC):
    """Runs ``fn(chunk)`` for every chunk and yields results as they complete."""

    #: short backend name: ``serial``, ``process`` or ``dask``
    name: str = "abstract"

    @property
    @abstractmethod
    def workers(self) -> int:
        """Number of task slots working in parallel (used to size chunks)."""

    @abstractmethod
    def map_chunks(self, fn: Callable[[T], R], chunks: Iterable[T]) -> Iterator[R]:
        """Apply ``fn`` to each chunk; yield results in completion order.

        If a task raises, the exception propagates out of the iterator and the tasks not yet
        started are cancelled; results already yielded stay valid. Closing the iterator early
        also cancels pending work.
        """

    def close(self) -> None:
        """Release the backend's resources (idempotent)."""

    def describe(self) -> str:
        """Human-readable one-liner, e.g. for a progress bar."""
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Runs chunks one after another in this process (lazily, in order)."""

    name = "serial"

    @property
    def workers(self) -> int:
        return 1

    def map_chunks(self, fn: Callable[[T], R], chunks: Iterable[T]) -> Iterator[R]:
        for chunk in chunks:
            yield fn(chunk)


PRELOAD = ["sim.engine.model", "sim.sweeps.tasks", "sim.execution.prewarm"]
"""Modules the forkserver (and ``dask worker --preload``) imports once, so each worker starts
with them loaded (~3 s saved) and the engine's compiled kernels loaded by a small warm-up run
(:mod:`sim.execution.warmup`; ~0.3–1.3 s of CPU per worker saved)."""


def process_context(start_method: str | None = None) -> multiprocessing.context.BaseContext:
    """The multiprocessing context for local pools; a forkserver preloads the engine."""
    ctx = multiprocessing.get_context(start_method or _default_start_method())
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(PRELOAD)
    return ctx


def _default_start_method() -> str:
    # forkserver: no fork() of a process that may hold threads (rich's refresh thread, Dask,
    # BLAS pools); cheaper than spawn because the server is forked from once.
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class ProcessExecutor(Executor):
    """A local ``concurrent.futures.ProcessPoolExecutor``."""

    name = "process"

    def __init__(self, workers: int | None = None, start_method: str | None = None) -> None:
        self._workers = workers or os.cpu_count() or 1
        ctx = process_context(start_method)
        # workers end with this process even when it is killed (sim.execution.lifeline)
        self._pool = ProcessPoolExecutor(max_workers=self._workers, mp_context=ctx,
                                         initializer=follow_driver, initargs=(os.getpid(),))
        self._closed = False

    @property
    def workers(self) -> int:
        return self._workers

    def map_chunks(self, fn: Callable[[T], R], chunks: Iterable[T]) -> Iterator[R]:
        pending: set[Future[R]] = {self._pool.submit(fn, c) for c in chunks}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is not None and not self._closed:
            # on error/interrupt do not wait for chunks still running; their runs are redone
            # by a resume
            self._closed = True
            self._pool.shutdown(wait=False, cancel_futures=True)
        self.close()


class DaskExecutor(Executor):
    """Dask distributed: a remote scheduler (``address``) or a local cluster (``"local"``)."""

    name = "dask"

    def __init__(self, address: str, workers: int | None = None, timeout: float = 15.0) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise ExecutorError("Dask distributed is not installed: pip install 'dask[distributed]'") from exc
        self.address = address
        self._cluster: Any = None
        try:
            if address == "local":
                import logging

                self._cluster = LocalCluster(
                    n_workers=workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.WARNING,
                )
                self.client = Client(self._cluster, set_as_default=False)
            else:
                self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            if self._cluster is not None:
                self._cluster.close()
            raise ExecutorError(
                f"cannot reach the Dask scheduler at {address!r} ({exc}); check the address "
                f"(given with --scheduler or ${ENV_SCHEDULER}) and that the scheduler is running"
            ) from exc
        self._closed = False

    @property
    def workers(self) -> int:
        threads = sum(self.client.nthreads().values())
        return max(1, threads)

    def describe(self) -> str:
        where = "local cluster" if self._cluster is not None else self.address
        return f"dask {where} ({self.workers} worker threads)"

    def map_chunks(self, fn: Callable[[T], R], chunks: Iterable[T]) -> Iterator[R]:
        from distributed import as_completed

        futures = self.client.map(fn, list(chunks), pure=False)
        try:
            # with_results: results are gathered in batches in the background (a blocking
            # .result() per future costs a round trip each); a failed task raises here
            for fut, result in as_completed(futures, loop=self.client.loop, with_results=True):
                fut.release()
                yield result
        finally:
            self.client.cancel([f for f in futures if not f.done()])

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.client.close()
            if self._cluster is not None:
                self._cluster.close()


def make_executor(
    workers: int | None = None,
    scheduler: str | None = None,
    *,
    start_method: str | None = None,
) -> Executor:
    """Pick a backend (see module docstring). Use as a context manager.

    Args:
        workers: parallel workers; ``1`` = serial; ``None`` = all cores. For a remote Dask
            scheduler the cluster decides and this is ignored.
        scheduler: Dask scheduler address (``tcp://host:8786``) or ``"local"`` for a local
            Dask cluster; ``None`` falls back to env ``DASK_SCHEDULER_ADDRESS``.
        start_method: multiprocessing start method for the process pool (default forkserver).
    """
    if workers is not None and workers < 1:
        raise ExecutorError(f"workers must be >= 1 (got {workers})")
    if scheduler:
        return DaskExecutor(scheduler, workers=workers)
    if workers == 1:
        return SerialExecutor()
    env = os.environ.get(ENV_SCHEDULER, "").strip()
    if env:
        return DaskExecutor(env, workers=workers)
    return ProcessExecutor(workers, start_method=start_method)


def chunked(items: Sequence[T], size: int) -> list[list[T]]:
    """Split ``items`` into consecutive lists of at most ``size`` items."""
    if size < 1:
        raise ValueError(f"chunk size must be >= 1 (got {size})")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def auto_chunk_size(n_items: int, workers: int, chunks_per_worker: int = 8, max_size: int = 64) -> int:
    """A chunk size giving each worker ~``chunks_per_worker`` tasks, capped at ``max_size``.

    Several tasks per worker balance load and keep progress/resume granularity fine; the cap
    bounds the work lost when a sweep is killed.
    """
    if n_items <= 0:
        return 1
    return max(1, min(max_size, math.ceil(n_items / (max(1, workers) * chunks_per_worker))))


def guided_chunks(items: Sequence[T], workers: int, *, spread: int = 4,
                  max_size: int = 64) -> list[list[T]]:
    """Split ``items`` into consecutive chunks of decreasing size ("guided" scheduling).

    Each chunk takes about ``remaining / (spread · workers)`` items (at least 1, at most
    ``max_size``): the first chunks are large, so per-task costs (pickling the base scenario,
    one Parquet file per sweep chunk) stay few, and the last ones hold a single job, so no
    worker sits idle for long at the end while another finishes a big chunk — which on a shared
    machine, where one worker can run at half speed, cost up to a chunk's duration. Which
    chunk a job is in never changes its result (seeds are per job).
    """
    out: list[list[T]] = []
    i, n, per = 0, len(items), max(1, spread * max(1, workers))
    while i < n:
        size = max(1, min(max_size, math.ceil((n - i) / per)))
        out.append(list(items[i : i + size]))
        i += size
    return out


def _run_indexed(fn: Callable[[T], R], chunk: list[tuple[int, T]]) -> list[tuple[int, R]]:
    """Run ``fn`` on every job of a chunk, keeping each job's position."""
    return [(i, fn(job)) for i, job in chunk]


def map_runs(
    fn: Callable[[T], R],
    jobs: Sequence[T],
    *,
    workers: int | None = 1,
    scheduler: str | None = None,
    on_done: Callable[[R], None] | None = None,
    chunk_size: int | None = None,
) -> list[R]:
    """Apply ``fn`` to every job on the chosen backend; results in job order.

    The one entry point for running many independent simulations (replications, the arms and
    counterfactuals of a comparison, optimiser/explorer/calibration trials). The backend is
    picked by :func:`make_executor`; results are identical to a serial loop whenever ``fn``
    derives its randomness from the job alone (e.g. a seed inside the job).

    Args:
        fn: picklable top-level function of one job (Dask workers import it by name, so it
            must live in an installed module, not in ``__main__``).
        jobs: the jobs (picklable; sent to the workers).
        workers: ``1`` (default) = serial in this process; ``None`` = all local cores (or the
            cluster in ``$DASK_SCHEDULER_ADDRESS``); ``n`` = ``n`` local processes.
        scheduler: Dask scheduler address ``tcp://HOST:PORT`` or ``"local"``; overrides
            ``workers``.
        on_done: called in this process with each result as it arrives (completion order), for
            progress bars.
        chunk_size: jobs per task (default: :func:`guided_chunks`, decreasing sizes of at most
            16 jobs); jobs of one chunk run in one process one after the other, so they share
            its world cache.

    Raises:
        ExecutorError: the backend cannot be created or the scheduler cannot be reached.
        Exception: the first exception raised by ``fn`` (pending jobs are cancelled).
    """
    jobs = list(jobs)
    if len(jobs) <= 1 and not scheduler:
        workers = 1  # a pool would only add its start-up time
    results: list[Any] = [None] * len(jobs)
    with make_executor(workers, scheduler) as ex:
        indexed = list(enumerate(jobs))
        chunks = (chunked(indexed, chunk_size) if chunk_size
                  else guided_chunks(indexed, ex.workers, max_size=16))
        for part in ex.map_chunks(partial(_run_indexed, fn), chunks):
            for i, res in part:
                results[i] = res
                if on_done is not None:
                    on_done(res)
    return results
