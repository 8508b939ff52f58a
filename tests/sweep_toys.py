"""Cheap stand-ins for the engine's run function, used by the sweep/executor tests.

Module-level (picklable) so process pools and Dask workers can import them.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

import numpy as np
import pandas as pd


def toy_run(base: Any, params: dict[str, Any], seed: int, keep_timeseries: bool):
    """KPIs from the parameters plus seeded noise; a 5-step time series if asked."""
    assert type(seed) is int, type(seed)
    rng = np.random.default_rng(seed)
    x = float(params.get("behaviour.s0", 0.0))
    y = float(params.get("run.consumers", 0.0))
    noise = rng.normal()
    summary = {"gmv": 100 * x + 0.01 * y + noise, "reach": x + y, "noise": noise}
    ts = None
    if keep_timeseries:
        steps = np.arange(5)
        ts = pd.DataFrame({"step": steps, "gmv": summary["gmv"] * (steps + 1) / 5, "reach": x * steps})
    return summary, ts


def slow_toy_run(base: Any, params: dict[str, Any], seed: int, keep_timeseries: bool):
    """toy_run plus a short sleep, so a test can kill the sweep part-way."""
    time.sleep(float(os.environ.get("TOY_SLEEP", "0.05")))
    return toy_run(base, params, seed, keep_timeseries)


def failing_toy_run(base: Any, params: dict[str, Any], seed: int, keep_timeseries: bool):
    """toy_run that raises for the run seeds listed in the base file's ``fail_seeds``."""
    if seed in set(base.get("fail_seeds", [])):
        raise RuntimeError("simulated crash")
    return toy_run(base, params, seed, keep_timeseries)


def ishigami_run(base: Any, params: dict[str, Any], seed: int, keep_timeseries: bool):
    """The Ishigami function (S1 ~ 0.31, 0.44, 0.00; ST ~ 0.56, 0.44, 0.24)."""
    x1, x2, x3 = (float(params[k]) for k in ("x.a", "x.b", "x.c"))
    y = math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)
    return {"y": y, "linear": 3 * x1 + 0.5 * x2}


def toml_value(v: Any) -> str:
    """A scalar or list as TOML (enough for sweep files)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_value(str(k))} = {toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return repr(v)


def write_sweep(directory, name: str = "sweep.toml", base_text: str = 'name = "toy"\n', **fields: Any):
    """Write ``base.toml`` and a sweep file (``parameters`` = list of dicts) into ``directory``."""
    from pathlib import Path

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "base.toml").write_text(base_text)
    fields.setdefault("base", "base.toml")
    params = fields.pop("parameters")
    lines = [f"{k} = {toml_value(v)}" for k, v in fields.items()]
    for p in params:
        lines.append("\n[[parameters]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in p.items()]
    path = directory / name
    path.write_text("\n".join(lines) + "\n")
    return path


S0 = {"name": "behaviour.s0", "low": 0.05, "high": 0.4}
CONSUMERS = {"name": "run.consumers", "low": 100, "high": 1000, "integer": True}
