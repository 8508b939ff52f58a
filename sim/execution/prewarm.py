"""Importing this module warms the process (:func:`sim.execution.warmup.warm`).

Meant only for preload lists: ``dask worker … --preload sim.execution.prewarm`` and the local
pools' forkserver (:data:`sim.execution.executors.PRELOAD`). Anywhere else import
:mod:`sim.execution.warmup` and call :func:`~sim.execution.warmup.warm` when wanted.
"""

from __future__ import annotations

from sim.execution.warmup import warm

WARM_SECONDS = warm()
"""Seconds the warm-up took in this process (0.0 if it was warm already or warming failed)."""
