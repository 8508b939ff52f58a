"""Running compiled chunk kernels on a few Python threads.

The graph-building kernels (:mod:`sim.kernels.csr`) are bound by memory latency (random reads
and writes into arrays of tens to hundreds of megabytes), so two cores do nearly twice the work
of one. They are split into ``@njit(nogil=True)`` kernels over independent ranges (of pairs, or
of CSR rows) and driven from here by a :class:`concurrent.futures.ThreadPoolExecutor`, never by
numba's ``parallel=True``: numba's default threading layer aborts the process when two Python
threads enter a parallel kernel at once, and socsim runs models in threads (the workshop page,
Dask's threaded workers).

Every output element depends only on the inputs, never on how the work was split, so results
are identical for any thread count (``tests/kernels/test_csr.py`` checks the threaded paths
against the serial ones). The thread count comes from :func:`thread_count`: the CPUs this
process may run on, or the environment variable ``SOCSIM_THREADS`` (an integer ≥ 1; 1 means
serial).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import numpy as np

THREADS_ENV = "SOCSIM_THREADS"
"""Environment variable overriding the kernels' thread count (integer ≥ 1; 1 = serial)."""

MIN_PARALLEL = 1_000_000
"""Work items (pairs, ties or entries) below which a kernel runs serially: starting threads
costs tens of microseconds, and below about a million items a pass takes a few milliseconds."""


def thread_count() -> int:
    """Threads for the compiled chunk kernels (≥ 1): ``SOCSIM_THREADS`` when set, else the
    number of CPUs this process may run on. A value that is not an integer ≥ 1 raises
    ``ValueError`` naming the variable and the value."""
    text = os.environ.get(THREADS_ENV, "").strip()
    if text:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise ValueError(f"{THREADS_ENV} must be an integer >= 1, got {text!r}")
        return value
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # platforms without affinity (macOS)
        return max(1, os.cpu_count() or 1)


def chunks_for(items: int, threads: int | None = None, min_items: int | None = None) -> int:
    """How many chunks to split ``items`` work items into: ``threads`` when given (a forced
    split, for tests), else 1 below ``min_items`` (default :data:`MIN_PARALLEL`), else
    :func:`thread_count`."""
    if threads is not None:
        return max(1, int(threads))
    return 1 if items < (MIN_PARALLEL if min_items is None else min_items) else thread_count()


def bounds(total: int, parts: int) -> np.ndarray:
    """``parts + 1`` increasing cut points splitting ``range(total)`` into near-equal ranges
    (int64; the first 0, the last ``total``; ranges may be empty when ``total < parts``)."""
    parts = max(1, int(parts))
    return (np.arange(parts + 1, dtype=np.int64) * total) // parts


def run_calls(kernel: Callable[..., Any], calls: list[tuple]) -> list[Any]:
    """``[kernel(*args) for args in calls]``, each call on its own thread when there is more
    than one (the kernel must release the GIL, i.e. be compiled with ``nogil=True``, to run at
    the same time). Results come back in call order; the first exception is raised."""
    if len(calls) == 1:
        return [kernel(*calls[0])]
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="socsim-kernel") as pool:
        futures = [pool.submit(kernel, *args) for args in calls]
        return [f.result() for f in futures]


def run_ranges(kernel: Callable[..., Any], cuts: np.ndarray, *args: Any) -> list[Any]:
    """``[kernel(*args, cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]`` through
    :func:`run_calls` (one thread per range when there are several)."""
    return run_calls(kernel, [(*args, int(cuts[i]), int(cuts[i + 1]))
                              for i in range(len(cuts) - 1)])


def quantile_cuts(sample: np.ndarray, total: int, parts: int) -> np.ndarray:
    """``parts + 1`` non-decreasing cut points of ``range(total)`` that split a sample of row
    ids (each in ``0..total-1``) into near-equal shares, so that ranges of rows carry similar
    work when rows are unevenly loaded (first 0, last ``total``; int64)."""
    parts = max(1, int(parts))
    cuts = np.empty(parts + 1, dtype=np.int64)
    cuts[0], cuts[-1] = 0, total
    if parts > 1:
        if len(sample) == 0:
            return bounds(total, parts)
        ranked = np.sort(np.asarray(sample, dtype=np.int64))
        cuts[1:-1] = ranked[(np.arange(1, parts) * len(ranked)) // parts]
        np.clip(cuts, 0, total, out=cuts)
        np.maximum.accumulate(cuts, out=cuts)
    return cuts


__all__ = ["MIN_PARALLEL", "THREADS_ENV", "bounds", "chunks_for", "quantile_cuts", "run_calls",
           "run_ranges", "thread_count"]
