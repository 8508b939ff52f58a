"""Parameter uncertainty: each replication draws one parameter vector.

A :class:`ParameterDraws` holds what we do not know about the market as either

* a **posterior sample** (``posterior.parquet`` or ``.csv`` written by ``socsim calibrate``:
  one row per draw, one column per dotted scenario key, optional ``weight`` column), or
* a **table of priors** (a TOML file of ``[[prior]]`` entries: ``key``, ``dist`` =
  ``"uniform"`` with ``low``/``high``, or ``"normal"`` with ``mean``/``sd`` and optional
  ``low``/``high`` bounds it is clipped to; or the short form, one ``["dotted.key"]`` table
  with ``lo``/``hi`` per key, uniform).

Every command reads it here: ``run``, ``compare`` and ``sweep`` through
:func:`sim.execution.runner.replication_jobs` and the sweep driver, ``optimize`` through
:mod:`sim.analysis.uncertainty`.

Replication ``i`` draws with its own generator ``SeedSequence([base_seed, 0x5eed, i])``, so the
draw depends on (base seed, replication index) only: replication ``i`` of *every* scenario in a
comparison (and of every point of a sweep) uses the same parameter vector — the parameters are
paired across scenarios exactly as the seeds are (common random numbers) — and results do not
depend on the backend or the number of workers. Intervals over such replications hold two
sources of uncertainty: seed noise and parameter uncertainty (:meth:`ParameterDraws.describe`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config.scenario import Scenario, ScenarioError

META_COLUMNS = frozenset({"weight", "distance", "trial", "generation", "accepted"})
"""Columns of a posterior file that are not parameters."""
SEED_ONLY = "seeds only"
SEEDS_AND_PARAMETERS = "seeds + parameters"


class UncertaintyError(ScenarioError):
    """An uncertainty file is unusable; the message names the file, the field and the value."""


def scenario_value(data: Any, key: str) -> Any:
    """The value at dotted ``key`` of a scenario's ``model_dump`` (list items by index, or
    retailers by name: ``retailers.brand.price``); raises KeyError if there is none."""
    node = data
    for part in key.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, list) and any(isinstance(x, dict) and x.get("name") == part
                                            for x in node):  # retailers.brand.price
            node = next(x for x in node if isinstance(x, dict) and x.get("name") == part)
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(key)
    return node


@dataclass(frozen=True)
class ParameterDraws:
    """Where replication parameter vectors come from (see the module docstring).

    ``samples``: posterior draws (one row per draw, one column per key) and ``weights``
    (normalised), or ``priors``: key -> dict(dist, low, high, mean, sd).
    """

    source: str
    keys: tuple[str, ...]
    samples: np.ndarray | None = None
    weights: np.ndarray | None = None
    priors: tuple[tuple[str, dict[str, float | str]], ...] = ()

    @property
    def kind(self) -> str:
        return "posterior" if self.samples is not None else "priors"

    def draw(self, base_seed: int, replication: int) -> dict[str, float]:
        """The parameter vector of replication ``replication`` (dotted key -> value)."""
        rng = np.random.default_rng(np.random.SeedSequence([int(base_seed), 0x5EED,
                                                            int(replication)]))
        if self.samples is not None:
            row = int(rng.choice(len(self.samples), p=self.weights))
            return {k: float(v) for k, v in zip(self.keys, self.samples[row])}
        out = {}
        for key, p in self.priors:
            if p["dist"] == "uniform":
                x = rng.uniform(float(p["low"]), float(p["high"]))
            else:
                x = rng.normal(float(p["mean"]), float(p["sd"]))
                x = float(np.clip(x, p.get("low", -np.inf), p.get("high", np.inf)))
            out[key] = float(x)
        return out

    def draws(self, base_seed: int, n: int) -> list[dict[str, float]]:
        """The parameter vectors of replications ``0..n-1``."""
        return [self.draw(base_seed, i) for i in range(n)]

    def apply(self, scenario: Scenario, base_seed: int, replication: int) -> Scenario:
        """``scenario`` with replication ``replication``'s parameter vector set."""
        return scenario.with_overrides(self.draw(base_seed, replication))

    def check(self, scenario: Scenario, label: str = "--uncertainty") -> None:
        """Raise :class:`UncertaintyError` unless every key is a numeric scenario value and a
        few draws validate against the scenario."""
        data = scenario.model_dump(mode="python")
        for key in self.keys:
            try:
                node = scenario_value(data, key)
            except KeyError:
                raise UncertaintyError(f"{label}: {self.source}: {key!r} is not a key of "
                                       "the scenario (dotted, e.g. behaviour.follower_trust)"
                                       ) from None
            if isinstance(node, bool) or not isinstance(node, (int, float)):
                raise UncertaintyError(f"{label}: {self.source}: {key!r} is not a number in "
                                       f"the scenario (got {node!r})")
        for i in range(3):
            try:
                scenario.with_overrides(self.draw(0, i))
            except ScenarioError as exc:
                raise UncertaintyError(f"{label}: {self.source}: a draw is rejected by the "
                                       f"scenario: {exc}") from None

    def describe(self) -> str:
        """One line for reports: what the intervals hold."""
        what = (f"{len(self.samples)} posterior draws" if self.samples is not None
                else "priors")
        return (f"seed noise + parameter uncertainty ({', '.join(self.keys)}: {what} from "
                f"{self.source}; one parameter vector per replication, paired across scenarios)")

    def to_json(self) -> dict[str, Any]:
        return {"sources": ["seeds", "parameters"], "file": self.source, "kind": self.kind,
                "keys": list(self.keys)}


def _posterior(path: Path) -> ParameterDraws:
    src = str(path)
    try:
        df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file
        raise UncertaintyError(f"--uncertainty: {src}: cannot read ({exc})") from None
    keys = [c for c in df.columns if c not in META_COLUMNS]
    if not keys or df.empty:
        raise UncertaintyError(f"--uncertainty: {src}: no draws: needs one row per draw and one "
                               "column per dotted scenario key")
    for k in keys:
        if not pd.api.types.is_numeric_dtype(df[k]) or not np.isfinite(df[k]).all():
            raise UncertaintyError(f"--uncertainty: {src}: column {k!r} must hold finite numbers")
    w = df["weight"].to_numpy(float) if "weight" in df else np.ones(len(df))
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise UncertaintyError(f"--uncertainty: {src}: column 'weight' must be ≥ 0 with a "
                               "positive sum")
    return ParameterDraws(src, tuple(keys), df[keys].to_numpy(float), w / w.sum())


def _prior(entry: Any, i: int, src: str) -> tuple[str, dict[str, float | str]]:
    where = f"--uncertainty: {src}: prior[{i}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
        raise UncertaintyError(f"{where}: needs key = 'dotted.name'")
    dist = entry.get("dist", "uniform")
    need = {"uniform": ("low", "high"), "normal": ("mean", "sd")}.get(dist)
    if need is None:
        raise UncertaintyError(f"{where}.dist: {dist!r} unknown; allowed: uniform, normal")
    extra = set(entry) - {"key", "dist", "low", "high", "mean", "sd"}
    if extra:
        raise UncertaintyError(f"{where}: unknown field {sorted(extra)[0]!r}")
    p: dict[str, float | str] = {"dist": dist}
    for f in ("low", "high", "mean", "sd"):
        if f in entry:
            v = entry[f]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
                raise UncertaintyError(f"{where}.{f}: expected a number (got {v!r})")
            p[f] = float(v)
    missing = [f for f in need if f not in p]
    if missing:
        raise UncertaintyError(f"{where}: dist {dist!r} needs {missing[0]}")
    if "low" in p and "high" in p and not p["low"] < p["high"]:
        raise UncertaintyError(f"{where}: low must be < high (got {p['low']}, {p['high']})")
    if dist == "normal" and not p["sd"] > 0:
        raise UncertaintyError(f"{where}.sd: must be > 0 (got {p['sd']})")
    return entry["key"], p


def _range_table(key: str, spec: dict, src: str) -> dict[str, Any]:
    """A ``["dotted.key"]`` table with ``lo``/``hi`` (the short form) as a uniform prior."""
    lo, hi = spec.get("lo"), spec.get("hi")
    ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lo, hi))
    if not ok or not lo < hi or set(spec) - {"lo", "hi"}:
        raise UncertaintyError(f"--uncertainty: {src}: {key}: needs numbers lo < hi "
                               f"(got {spec!r})")
    return {"key": key, "dist": "uniform", "low": lo, "high": hi}


def _priors(path: Path) -> ParameterDraws:
    src = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UncertaintyError(f"--uncertainty: {src}: not valid TOML: {exc}") from None
    entries = data.get("prior")
    if entries is None and data and all(isinstance(v, dict) for v in data.values()):
        entries = [_range_table(key, spec, src) for key, spec in data.items()]
    if not isinstance(entries, list) or not entries:
        raise UncertaintyError(f"--uncertainty: {src}: needs [[prior]] entries (key, dist, "
                               "low/high or mean/sd) or [\"dotted.key\"] tables with lo, hi")
    priors = tuple(_prior(e, i, src) for i, e in enumerate(entries))
    keys = tuple(k for k, _ in priors)
    if len(set(keys)) != len(keys):
        raise UncertaintyError(f"--uncertainty: {src}: a key appears twice")
    return ParameterDraws(src, keys, priors=priors)


def load_uncertainty(path: str | Path) -> ParameterDraws:
    """Read a posterior (``.parquet``/``.csv``) or a table of priors (``.toml``)."""
    path = Path(path)
    if not path.is_file():
        raise UncertaintyError(f"--uncertainty: {path}: file not found")
    if path.suffix == ".toml":
        return _priors(path)
    if path.suffix in (".parquet", ".csv"):
        return _posterior(path)
    raise UncertaintyError(f"--uncertainty: {path}: expected .csv, .parquet or .toml (a "
                           "posterior sample, or a table of priors)")


def interval_label(draws: ParameterDraws | None) -> str:
    """``"seeds only"`` or ``"seeds + parameters"``: what an interval holds."""
    return SEED_ONLY if draws is None else SEEDS_AND_PARAMETERS


__all__ = ["ParameterDraws", "scenario_value", "SEEDS_AND_PARAMETERS", "SEED_ONLY", "UncertaintyError",
           "interval_label", "load_uncertainty"]
