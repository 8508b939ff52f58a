"""Parameter draws for ``--uncertainty FILE``: score a plan over uncertain parameters too.

The file is either

* a table of draws (``.csv`` or ``.parquet``), one row per draw and one column per dotted
  scenario key, e.g. the posterior sample a calibration writes; an optional ``weight`` column
  gives importance weights (rows are drawn with probability proportional to them); or
* a TOML file with one table per key and its uniform range::

      ["behaviour.follower_trust"]
      lo = 0.3
      hi = 0.7

:func:`draw_overrides` returns one override dict per replication. Draw ``i`` depends only on the
file, the seed and ``i``, so every trial of a search sees the same draws (common random numbers
over parameters as well as over the runs' random streams).
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config.scenario import Scenario, ScenarioError


def read_uncertainty(path: str | Path) -> pd.DataFrame | dict[str, tuple[float, float]]:
    """Load the file: a DataFrame of draws or ``{key: (lo, hi)}`` ranges."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"--uncertainty: {path}: file not found")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".parquet"):
        df = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
        keys = [c for c in df.columns if c != "weight"]
        if df.empty or not keys:
            raise ScenarioError(f"--uncertainty: {path}: no draws (need one column per key)")
        bad = [c for c in keys if df[c].dtype.kind not in "iuf"]
        if bad:
            raise ScenarioError(f"--uncertainty: {path}: column {bad[0]!r} is not numeric")
        return df
    if suffix != ".toml":
        raise ScenarioError(f"--uncertainty: {path}: expected .csv, .parquet or .toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"--uncertainty: {path}: not valid TOML: {exc}") from None
    ranges = {}
    for key, spec in data.items():
        lo, hi = (spec.get("lo"), spec.get("hi")) if isinstance(spec, dict) else (None, None)
        if not isinstance(lo, (int, float)) or not isinstance(hi, (int, float)) or not lo < hi:
            raise ScenarioError(f"--uncertainty: {path}: {key}: needs numbers lo < hi "
                                f"(got {spec!r})")
        ranges[key] = (float(lo), float(hi))
    if not ranges:
        raise ScenarioError(f"--uncertainty: {path}: no keys")
    return ranges


def draw_overrides(source: pd.DataFrame | dict[str, tuple[float, float]], n: int,
                   seed: int) -> list[dict[str, Any]]:
    """``n`` parameter draws as override dicts (reproducible from ``seed``)."""
    rng = np.random.default_rng([seed, 0x5EED])
    if isinstance(source, dict):
        return [{k: float(lo + (hi - lo) * rng.random()) for k, (lo, hi) in source.items()}
                for _ in range(n)]
    w = source["weight"].to_numpy(float) if "weight" in source else np.ones(len(source))
    if not (np.all(w >= 0) and w.sum() > 0 and np.all(np.isfinite(w))):
        raise ScenarioError("--uncertainty: weight: needs non-negative finite weights")
    rows = rng.choice(len(source), size=n, p=w / w.sum())
    keys = [c for c in source.columns if c != "weight"]
    return [{k: _plain(source.iloc[i][k]) for k in keys} for i in rows]


def _plain(v: Any) -> Any:
    f = float(v)
    return int(f) if f.is_integer() and isinstance(v, (np.integer, int)) else f


def check_keys(scenario: Scenario, draws: list[dict[str, Any]]) -> None:
    """Raise :class:`ScenarioError` naming the key if a draw does not make a valid scenario."""
    if draws:
        scenario.with_overrides(draws[0])
        if any(isinstance(v, float) and not math.isfinite(v) for v in draws[0].values()):
            raise ScenarioError("--uncertainty: draws must be finite numbers")


__all__ = ["check_keys", "draw_overrides", "read_uncertainty"]
