"""Calibration to a brand's own campaign data: the problem, the distance, the outputs.

``socsim calibrate SCENARIO --observed FILE.csv --fit KEY=LO:HI ... --out DIR`` fits the
``--fit`` keys (uniform priors on [LO, HI]) so that the simulated KPIs match the observed ones
(:mod:`sim.analysis.observed`), with one of two methods (:mod:`sim.analysis.calibration_methods`):

``optuna`` (default)
    point fit by Optuna's TPE sampler. Each trial runs ``reps`` replications with the *same*
    seeds (common random numbers, so the objective is smooth in the parameters) and scores the
    mean of their statistics. The 90 % interval comes from inverting a Monte Carlo test: at the
    best fit, ``null_reps`` fresh replications give the distances a single campaign produced by
    the model itself has from the model's mean; every trial whose distance to the observed data
    is within the 90 % quantile of those is consistent with the data, and the interval of a
    key spans those trials (``posterior.parquet`` lists them).
``abc``
    ABC-SMC (pyabc): a weighted posterior sample; one simulation (one seed) per particle, the
    median-quantile epsilon schedule, ``--trials`` = budget of simulations. Interval = weighted
    5 %–95 % quantiles; best = weighted median.

**Statistics and distance (both methods).** The statistics are the observed cells: every
(KPI, day) present in the file — several funnel stages (reach, engagement, buyers, orders ...)
over the campaign. Each cell is standardised by its spread over a prior-predictive pilot (Latin
hypercube over the search box, ``pilot`` points), floored at 5 % of its KPI's largest observed
value (so a statistic the parameters cannot move does not dominate); each KPI weighs the same
whatever the number of its observed days. The distance is the root of the weighted mean squared
standardised residual (0 = perfect fit, about 1 = residuals as large as the spread over the
search box).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.observed import Observed, simulated_cells
from sim.config.scenario import Scenario, ScenarioError, read_scenario_dict
from sim.execution.uncertainty import scenario_value

INTERVAL = 0.90
"""Coverage of the reported intervals."""
SCALE_FLOOR = 0.05
"""Floor of a cell's scale, as a share of its KPI's largest observed |value|."""
MANIFEST = "calibration.json"


class CalibrationError(ScenarioError):
    """Bad calibration input (``--fit``, ``--out``); the message names option and value."""


@dataclass(frozen=True)
class FitParam:
    """One fitted key with a uniform prior on [low, high]; ``integer`` keys are rounded."""

    key: str
    low: float
    high: float
    integer: bool = False

    def value(self, x: float) -> float | int:
        return int(round(x)) if self.integer else float(x)


def parse_fit(items: list[str], scenario: Scenario) -> list[FitParam]:
    """Parse ``--fit KEY=LO:HI`` options and check them against the scenario."""
    if not items:
        raise CalibrationError("--fit: give at least one KEY=LO:HI (e.g. "
                               "behaviour.follower_trust=0.3:0.9)")
    data = scenario.model_dump(mode="python")
    out: list[FitParam] = []
    for item in items:
        key, sep, rng = item.partition("=")
        lo_s, sep2, hi_s = rng.partition(":")
        key = key.strip()
        try:
            lo, hi = float(lo_s), float(hi_s)
        except ValueError:
            lo = hi = float("nan")
        if not sep or not sep2 or not key or not (np.isfinite(lo) and np.isfinite(hi)):
            raise CalibrationError(f"--fit {item!r}: expected KEY=LO:HI with numbers LO < HI")
        if not lo < hi:
            raise CalibrationError(f"--fit {item!r}: LO must be < HI (got {lo:g}, {hi:g})")
        try:
            current = scenario_value(data, key)
        except KeyError:
            raise CalibrationError(f"--fit {item!r}: {key!r} is not a key of the scenario "
                                   "(dotted, e.g. behaviour.c0)") from None
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            raise CalibrationError(f"--fit {item!r}: {key} is not a number (got {current!r})")
        p = FitParam(key, lo, hi, isinstance(current, int))
        for end in (lo, hi):
            try:
                scenario.with_overrides({key: p.value(end)})
            except ScenarioError as exc:
                raise CalibrationError(f"--fit {item!r}: {end:g} is rejected: {exc}") from None
        if key in {q.key for q in out}:
            raise CalibrationError(f"--fit {item!r}: {key} is given twice")
        out.append(p)
    return out


@dataclass
class Problem:
    """What is fitted to what: scenario (with ``--set`` applied), observed data, priors."""

    scenario: Scenario
    observed: Observed
    params: list[FitParam]
    seed: int
    scale: np.ndarray | None = None
    cells: list[tuple[str, int]] = field(init=False)
    obs: np.ndarray = field(init=False)
    weights: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.cells = self.observed.cells()
        self.obs = self.observed.values()
        counts = pd.Series([c for c, _ in self.cells]).value_counts()
        w = np.array([1.0 / counts[c] for c, _ in self.cells])
        self.weights = w / w.sum()

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.params]

    def point(self, values: dict[str, float]) -> dict[str, float | int]:
        return {p.key: p.value(values[p.key]) for p in self.params}

    def set_scale(self, pilot_sims: np.ndarray) -> None:
        """Scales from the pilot's simulated cells (runs × cells), floored per KPI."""
        sd = pilot_sims.std(axis=0, ddof=1) if len(pilot_sims) > 1 else np.zeros(len(self.obs))
        top = {c: float(np.nanmax(np.abs(self.observed.frame[c]))) for c in self.observed.columns}
        floor = np.array([max(SCALE_FLOOR * top[c], 1e-9) for c, _ in self.cells])
        self.scale = np.maximum(sd, floor)

    def distance(self, sim: np.ndarray, target: np.ndarray | None = None) -> float:
        """Weighted RMS of standardised residuals between ``sim`` and ``target`` (default:
        the observed cells)."""
        target = self.obs if target is None else target
        z = (np.asarray(sim, dtype=float) - target) / self.scale
        return float(np.sqrt(np.sum(self.weights * z * z)))

    def job(self, tag: Any, values: dict[str, float], seeds: list[int]) -> tuple:
        """An executor task: simulate the cells at ``values`` for every seed."""
        return (tag, self.scenario, self.point(values), [int(s) for s in seeds], self.cells)

    def fingerprint(self, method: str, reps: int) -> str:
        """Hash of everything that defines the fit (for resuming a study in DIR), a roster's
        contents included."""
        roster = self.scenario.roster
        text = Path(roster.path).read_bytes() if roster and Path(roster.path).is_file() else b""
        blob = json.dumps([self.scenario.model_dump(mode="json"), self.observed.frame.to_json(),
                           [vars(p) for p in self.params], self.seed, method, reps,
                           hashlib.sha256(text).hexdigest()],
                          sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def conditioning(scenario: Scenario) -> dict[str, Any]:
    """What the fit holds fixed and what varies between its simulated campaigns, and the
    sentence the outputs use to say which uncertainty the 90 % interval holds."""
    from sim.config.roster import scenario_roster

    roster = scenario_roster(scenario) if scenario.run.mode == "full" else None
    world = scenario.run.world_seed
    if roster is None:
        creators = "creators drawn at random in every run (their traits and followers)"
    elif roster.scheduled:
        creators = (f"the {len(roster.creators)} creators of the booking log {roster.path.name} "
                    "(their measured values and post days fixed)")
    else:
        creators = (f"the {len(roster.creators)} creators of the roster {roster.path.name} "
                    "(measured values fixed; which of them post on which day drawn per run)")
    market = (f"one market drawn from run.world_seed = {world} (graph, consumers, followers) "
              "shared by every run, so the market's structure is not part of the interval"
              if world is not None else
              "a new market (graph, consumers, creators' followers) in every run")
    holds = (f"90% interval of the fitted keys given the observed KPIs, conditional on {creators}"
             f"; {market}. It holds what the data leave open about the keys, and the seed "
             "noise of campaigns simulated under these conditions.")
    return {"roster": str(roster.path) if roster is not None else None,
            "creators": len(roster.creators) if roster is not None else None,
            "booking_log": bool(roster is not None and roster.scheduled),
            "world_seed": world, "holds": holds}


def simulate_cells(job: tuple) -> tuple[Any, np.ndarray]:
    """Worker function: ``(tag, scenario, params, seeds, cells)`` -> ``(tag, runs × cells)``."""
    from sim.execution.runner import run_single

    tag, scenario, params, seeds, cells = job
    scn = scenario.with_overrides(params) if params else scenario
    rows = [simulated_cells(run_single(scn, s, keep_timeseries=True).timeseries, cells)
            for s in seeds]
    return tag, np.vstack(rows)


def latin_points(params: list[FitParam], n: int, seed: int) -> list[dict[str, float]]:
    """``n`` Latin-hypercube points over the search box (deterministic given ``seed``)."""
    from scipy.stats import qmc

    u = qmc.LatinHypercube(d=len(params), seed=seed).random(n)
    lo = np.array([p.low for p in params])
    hi = np.array([p.high for p in params])
    x = lo + u * (hi - lo)
    return [{p.key: float(v) for p, v in zip(params, row)} for row in x]


def run_points(problem: Problem, executor, points: list[dict[str, float]],
               seeds: list[int]) -> list[np.ndarray]:
    """Simulate every point under ``seeds``; returns (len(seeds) × cells) arrays in order."""
    jobs = [problem.job(i, pt, seeds) for i, pt in enumerate(points)]
    out: list[np.ndarray | None] = [None] * len(points)
    for tag, arr in executor.map_chunks(simulate_cells, jobs):
        out[tag] = arr
    return [a for a in out if a is not None]


# --------------------------------------------------------------------------- outputs
def atomic_write(path: Path, data: bytes | str) -> None:
    """Write a file whole or not at all (temporary file, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    os.replace(tmp, path)


def calibrated_toml(source: Path, out_dir: Path, overrides: dict[str, Any]) -> str:
    """A scenario file that ``extends`` ``source`` with ``overrides`` (``--set`` and fitted
    values) set. Keys inside a list (``shocks.0.day``) rewrite that whole list."""
    import tomli_w

    from sim.config.scenario import apply_overrides

    merged = read_scenario_dict(source)
    apply_overrides(merged, overrides)
    data: dict[str, Any] = {"extends": os.path.relpath(source.resolve(), out_dir.resolve())}
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        if parts[0] == "retailers" and len(parts) > 2 and parts[1].isdigit() \
                and isinstance(merged.get("retailers"), dict):  # keyed tables: by name
            parts[1] = list(merged["retailers"])[int(parts[1])]
        node: Any = merged
        through_list = False
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
            through_list = through_list or isinstance(node, list)
        if through_list:  # TOML cannot address a list item: write the whole top-level entry
            data[parts[0]] = merged[parts[0]]
            continue
        target = data
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    head = ("# Calibrated by socsim calibrate: the fitted values below are set on top of the\n"
            "# scenario this file extends (see fit.json for their 90% intervals).\n")
    return head + tomli_w.dumps(data)


def write_outputs(out: Path, source: Path, problem: Problem, fit: dict[str, Any],
                  posterior: pd.DataFrame, set_overrides: dict[str, Any]) -> None:
    """``calibrated.toml``, ``fit.json`` and ``posterior.parquet`` (each written whole)."""
    best = {k: v["best"] for k, v in fit["params"].items()}
    toml = calibrated_toml(source, out, {**set_overrides, **problem.point(best)})
    import io

    buf = io.BytesIO()
    posterior.to_parquet(buf, index=False)
    atomic_write(out / "posterior.parquet", buf.getvalue())
    atomic_write(out / "fit.json", json.dumps(fit, indent=2, default=float))
    atomic_write(out / "calibrated.toml", toml)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """Quantile ``q`` (0–1) of ``x`` under weights ``w`` (inverse of the weighted CDF)."""
    order = np.argsort(x)
    cw = np.cumsum(w[order]) / np.sum(w)
    return float(x[order][min(np.searchsorted(cw, q), len(x) - 1)])


__all__ = ["CalibrationError", "FitParam", "INTERVAL", "Problem", "atomic_write",
           "calibrated_toml", "conditioning", "latin_points", "parse_fit", "run_points", "simulate_cells",
           "weighted_quantile", "write_outputs"]
