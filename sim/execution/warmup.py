"""Warm a worker process before it takes runs: imports and compiled kernels loaded once.

A fresh process pays about 0.3–1.3 s of CPU (measured) on its first run beyond the imports: numba loads
every compiled kernel the run calls from its on-disk cache (``cache=True``), one signature at a
time, and Mesa, pandas and pyarrow set up their first objects. In a sweep on two worker
processes that is paid twice, at the start, while the driver process that runs serially pays
it once. Warming moves it to when the worker starts:

* **Dask workers**: ``dask worker tcp://HOST:PORT --preload sim.execution.prewarm`` imports
  :mod:`sim.execution.prewarm` in each worker process at start-up, which runs :func:`warm`
  (what :func:`sim.execution.cluster.tcp_cluster` starts; docs/scaling.md);
* **local process pools**: the forkserver imports :mod:`sim.execution.prewarm` once (it is in
  :data:`sim.execution.executors.PRELOAD`), so every worker forked from it starts with the
  kernels loaded.

:func:`warm` runs the bundled baseline scenario with 1,000 consumers for 15 days under seed 0
and discards the result: nothing of it stays but loaded code (it bypasses the world cache),
so results of later runs are unchanged (tested). It then freezes the objects alive
(:func:`sim.execution.runner.freeze_long_lived`), so a forkserver's workers do not copy its
whole heap on their first garbage collection. A failure to warm is logged and ignored: the
first real run then pays the loading itself.
"""

from __future__ import annotations

import logging
import time

__all__ = ["WARM_CONSUMERS", "WARM_DAYS", "warm", "warmed_seconds"]

WARM_CONSUMERS = 1_000
"""Consumers of the warm-up run (enough that the large-draw paths, ≥ 1,000 draws, run too)."""
WARM_DAYS = 15
"""Days of the warm-up run (past the first campaign days, so purchases and churn run)."""

_log = logging.getLogger(__name__)
_warmed: float | None = None


def warm(consumers: int = WARM_CONSUMERS, days: int = WARM_DAYS) -> float:
    """Run the bundled baseline once, small, to load the engine's compiled kernels into this
    process; returns the seconds it took (0.0 if this process was warmed already). Never
    raises: a failure is logged and returns 0.0."""
    global _warmed
    if _warmed is not None:
        return 0.0
    t0 = time.perf_counter()
    try:
        _run_once(consumers, days)
        # then everything alive leaves the cyclic collector's walks (and, in a forkserver,
        # is not copied into each forked worker by a first full collection there)
        from sim.execution.runner import freeze_long_lived

        freeze_long_lived()
    except Exception as exc:  # noqa: BLE001 - warming is an optimisation, never an error
        _log.warning("socsim: could not warm this process (%s: %s); the first run will load "
                     "the compiled kernels itself", type(exc).__name__, exc)
        return 0.0
    _warmed = time.perf_counter() - t0
    return _warmed


def _run_once(consumers: int, days: int) -> None:
    """One small baseline run with its outputs, outside the world cache."""
    import pandas as pd

    from sim.config.bundled import resolve_scenario
    from sim.config.scenario import load_scenario
    from sim.engine.model import SocialCommerceModel
    from sim.engine.platform_funnel import creator_rows
    from sim.execution.runner import attribution_table
    from sim.world.builder import build_world

    scenario = load_scenario(resolve_scenario("baseline"),
                             {"run.consumers": consumers, "run.days": days})
    model = SocialCommerceModel(scenario, seed=0, world=build_world(scenario, 0))
    while model.running:
        model.step()
    model.datacollector.get_model_vars_dataframe()
    attribution_table(model)
    pd.DataFrame(creator_rows(model.ctx))


def warmed_seconds() -> float | None:
    """Seconds :func:`warm` took in this process, or None if it was not warmed."""
    return _warmed
