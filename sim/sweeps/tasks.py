"""Worker side of a sweep: what one chunk of runs is and how it is executed.

Kept free of heavy imports: this module is unpickled in every worker process.

A *run function* has the signature ``run_fn(base, params, seed, keep_timeseries)`` where
``base`` is the base scenario (a ``sim.config.scenario.Scenario`` for the real engine), ``params``
maps dotted scenario keys to values and ``seed`` is a plain ``int``. It returns either
``(summary, timeseries)``, an object with ``.summary`` and ``.timeseries`` (the engine's
``RunResult``) or just the summary mapping. It must be a picklable top-level function.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: columns every row of ``runs/*.parquet`` starts with
ID_COLUMNS = ("run_id", "point", "replication", "seed")

RunFn = Callable[[Any, dict[str, Any], int, bool], Any]


class RunFailed(RuntimeError):
    """A single run raised; the message names the run, its seed and its parameters."""


def run_seed(sweep_seed: int, run_id: int) -> int:
    """The seed of run ``run_id``: a plain Python int in [0, 2**63), from (sweep seed, run_id) only.

    Independent of the chunking and of the backend, so resumed and distributed sweeps give the
    same numbers.
    """
    state = np.random.SeedSequence([int(sweep_seed), int(run_id)]).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(1))


@dataclass(frozen=True, slots=True)
class RunSpec:
    """One run of a sweep."""

    run_id: int
    point: int
    replication: int
    seed: int
    params: dict[str, Any]
    draw: dict[str, Any] = field(default_factory=dict)
    """Parameter-uncertainty draw of this replication (:mod:`sim.execution.uncertainty`)."""


@dataclass(frozen=True, slots=True)
class ChunkTask:
    """Several runs sent to a worker as one task."""

    chunk_id: int
    base: Any
    runs: Sequence[RunSpec]
    run_fn: RunFn
    kpis: tuple[str, ...] | None
    timeseries: bool


@dataclass(slots=True)
class ChunkResult:
    """What a worker sends back: one row per run (+ tidy time series rows if asked)."""

    chunk_id: int
    rows: list[dict[str, Any]]
    timeseries: Any  # pandas.DataFrame | None: run_id, step, KPI columns
    seconds: float


def engine_run(base: Any, params: dict[str, Any], seed: int, keep_timeseries: bool) -> Any:
    """The default run function: apply ``params`` to the base scenario and run the engine once."""
    from sim.execution.runner import run_single

    scenario = base.with_overrides(params) if params else base
    return run_single(scenario, seed=seed, keep_timeseries=keep_timeseries)


def _split_output(out: Any) -> tuple[Mapping[str, Any], Any]:
    if isinstance(out, Mapping):
        return out, None
    if isinstance(out, tuple) and len(out) == 2:
        return out[0], out[1]
    if hasattr(out, "summary"):
        return out.summary, getattr(out, "timeseries", None)
    raise TypeError(
        "a run function must return (summary, timeseries), a RunResult-like object or a "
        f"summary mapping; got {type(out).__name__}"
    )


def _kpi_values(summary: Mapping[str, Any], kpis: tuple[str, ...] | None, spec: RunSpec) -> dict[str, float]:
    names = list(summary) if kpis is None else list(kpis)
    missing = [k for k in names if k not in summary]
    if missing:
        raise RunFailed(
            f"run {spec.run_id}: KPI(s) {missing} not in the run summary; "
            f"available: {sorted(summary)}"
        )
    values: dict[str, float] = {}
    for name in names:
        value = summary[name]
        try:
            values[name] = float(value)
        except (TypeError, ValueError):
            if value is None:
                values[name] = math.nan
            else:
                raise RunFailed(f"run {spec.run_id}: KPI {name!r} is not a number (got {value!r})") from None
    return values


def _tidy_timeseries(ts: Any, run_id: int, kpis: tuple[str, ...] | None) -> Any:
    import pandas as pd

    if ts is None:
        return None
    df = ts if isinstance(ts, pd.DataFrame) else pd.DataFrame(ts)
    if "step" not in df.columns:
        df = df.rename_axis("step").reset_index()
    cols = [c for c in df.columns if c != "step" and (kpis is None or c in kpis)]
    columns = {"run_id": np.full(len(df), run_id, dtype=np.int64), "step": df["step"].to_numpy(np.int64)}
    for c in cols:
        columns[str(c)] = pd.to_numeric(df[c], errors="coerce").astype("float64").to_numpy()
    return pd.DataFrame(columns)  # built at once: one block per dtype, no fragmentation


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Execute every run of a chunk (in a worker). Raises :class:`RunFailed` on the first failure."""
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    series = []
    for spec in task.runs:
        try:
            out = task.run_fn(task.base, {**spec.params, **spec.draw}, int(spec.seed),
                              task.timeseries)
        except RunFailed:
            raise
        except Exception as exc:
            raise RunFailed(
                f"run {spec.run_id} (point {spec.point}, replication {spec.replication}, "
                f"seed {spec.seed}, params {spec.params}) failed: {type(exc).__name__}: {exc}"
            ) from exc
        summary, ts = _split_output(out)
        row: dict[str, Any] = {
            "run_id": spec.run_id,
            "point": spec.point,
            "replication": spec.replication,
            "seed": spec.seed,
            **spec.params,
            **spec.draw,
        }
        kpi_values = _kpi_values(summary, task.kpis, spec)
        clash = set(kpi_values) & set(row)
        if clash:
            raise RunFailed(f"KPI name(s) {sorted(clash)} clash with id/parameter columns")
        row.update(kpi_values)
        rows.append(row)
        if task.timeseries:
            tidy = _tidy_timeseries(ts, spec.run_id, task.kpis)
            if tidy is None:
                raise RunFailed(f"run {spec.run_id}: timeseries = true but the run returned no time series")
            series.append(tidy)
    timeseries = None
    if series:
        import pandas as pd

        timeseries = pd.concat(series, ignore_index=True)
    return ChunkResult(task.chunk_id, rows, timeseries, time.perf_counter() - t0)
