"""``socsim calibrate`` end to end: load, fit, predict, write ``DIR``.

``DIR`` holds, when the command finishes: ``calibrated.toml`` (extends the input scenario, fitted
values and ``--set`` overrides set), ``fit.json`` (per key best value and 90 % interval, the
distance, the method's details), ``posterior.parquet`` (one row per draw; optuna: the accepted
trials, abc: the weighted ABC-SMC sample), ``predictive.parquet`` (the observed KPIs, day by
day, of ``predictive`` runs that each draw a parameter vector from the posterior and a seed —
the fitted band) and the study (``optuna.db`` / ``abc.db``) with ``calibration.json``, from which
a stopped or extended calibration resumes: run the same command again (more ``--trials``
continue the optuna study).
"""

from __future__ import annotations

import io
import json
import os
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.calibration import (CalibrationError, Problem, atomic_write, conditioning,
                                      parse_fit, simulate_cells, write_outputs)
from sim.analysis.calibration_methods import fit_abc, fit_optuna, pilot_size
from sim.analysis.observed import load_observed
from sim.config.kpis import kpi_names
from sim.config.scenario import load_scenario
from sim.execution.executors import make_executor
from sim.execution.uncertainty import ParameterDraws

METHODS = ("optuna", "abc")
DEFAULT_TRIALS = {"optuna": 80, "abc": 1000}
FORMAT = "socsim-calibration/1"
STUDY_FILES = frozenset({"optuna.db", "abc.db", "calibration.json.tmp"})


@dataclass
class CalibrationResult:
    """What :func:`calibrate` fitted and wrote."""

    fit: dict[str, Any]
    posterior: pd.DataFrame
    predictive: pd.DataFrame
    problem: Problem
    out: Path
    backend: str
    seconds: float


def parse_sets(items: Sequence[str]) -> dict[str, Any]:
    """``--set dotted.key=value`` strings as a dict (values parsed as TOML, else strings)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CalibrationError(f"--set {item!r}: expected dotted.key=value")
        try:
            out[key.strip()] = tomllib.loads(f"v = {value.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            out[key.strip()] = value.strip()
    return out


def _prepare_out(out: Path, fingerprint: str) -> dict[str, Any] | None:
    """The manifest to resume from, or None for a fresh (empty or missing) directory."""
    if not out.exists():
        return None
    if not out.is_dir():
        raise CalibrationError(f"--out {out}: exists and is not a folder")
    entries = sorted(p.name for p in out.iterdir())
    if not entries:
        return None
    manifest = out / "calibration.json"
    if not manifest.is_file() and set(entries) <= STUDY_FILES:  # stopped during the pilot
        for name in entries:
            (out / name).unlink()
        return None
    if not manifest.is_file():
        raise CalibrationError(f"--out {out}: folder is not empty ({', '.join(entries[:3])}) "
                               "and holds no calibration; choose an empty or new folder")
    old = json.loads(manifest.read_text())
    if old.get("fingerprint") != fingerprint:
        raise CalibrationError(f"--out {out}: holds a calibration of a different problem "
                               "(scenario, --set, observed file, --fit, --method, --reps or "
                               "--seed differ); choose another folder to start a new one")
    return old if old.get("scale") is not None else None


def _check_numbers(method: str, trials: int, reps: int, dims: int) -> None:
    if method not in METHODS:
        raise CalibrationError(f"--method: {method!r} unknown; allowed: {', '.join(METHODS)}")
    if reps < 1:
        raise CalibrationError(f"--reps: must be at least 1 (got {reps})")
    least = max(10, 4 * dims) + 2 if method == "optuna" else 40
    if trials < least:
        raise CalibrationError(f"--trials: {method} needs at least {least} with {dims} fitted "
                               f"key(s) (got {trials})")


def predictive_runs(problem: Problem, ex, posterior: pd.DataFrame, n: int) -> pd.DataFrame:
    """``n`` runs, run ``i`` with posterior draw ``i`` and seed ``seed + 20000 + i``: every
    observed KPI on every day 0..days (the fitted band holds seeds + parameters)."""
    keys = problem.keys
    w = posterior["weight"].to_numpy(float) if "weight" in posterior else np.ones(len(posterior))
    draws = ParameterDraws("posterior", tuple(keys), posterior[keys].to_numpy(float), w / w.sum())
    days = np.arange(problem.scenario.run.days + 1)
    cols = problem.observed.columns
    cells = [(c, int(d)) for c in cols for d in days]
    jobs = [(i, problem.scenario, problem.point(draws.draw(problem.seed, i)),
             [problem.seed + 20_000 + i], cells) for i in range(n)]
    frames = []
    for i, arr in sorted(ex.map_chunks(simulate_cells, jobs), key=lambda t: t[0]):
        block = arr[0].reshape(len(cols), len(days)).T
        frame = pd.DataFrame(block, columns=cols)
        frame.insert(0, "day", days)
        frame.insert(0, "replication", i)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def calibrate(scenario_path: str | Path, observed_path: str | Path, fit: Sequence[str],
              out: str | Path, *, method: str = "optuna", trials: int | None = None,
              reps: int = 5, seed: int | None = None, overrides: Sequence[str] = (),
              workers: int | None = 1, scheduler: str | None = None, predictive: int = 20,
              progress: Callable[[int, int], None] | None = None,
              last_day: int | None = None,
              roster: str | Path | None = None) -> CalibrationResult:
    """Fit ``fit`` keys (``KEY=LO:HI``) of a scenario to observed data; write ``out``.

    ``last_day`` fits only the observed days up to it (the rest is held out; the band in
    ``predictive.parquet`` still covers every day). ``roster``: the brand's booked creators
    (a roster CSV, with ``post_days`` a booking log) set as ``[influencers] roster`` of every
    simulated campaign, so the fit conditions on them. Raises :class:`CalibrationError` (or
    another ``ScenarioError``) on bad input, naming the option and the value.
    """
    t0 = time.perf_counter()
    scenario_path, out = Path(scenario_path), Path(out)
    sets = parse_sets(overrides)
    written = dict(sets)  # what calibrated.toml sets (a roster relative to DIR)
    if roster is not None:
        roster = Path(roster)
        if not roster.is_file():
            raise CalibrationError(f"--roster: file not found: {roster}")
        sets["influencers.roster"] = str(roster.resolve())
        written["influencers.roster"] = os.path.relpath(roster.resolve(), out.resolve())
    scenario = load_scenario(scenario_path, sets)
    observed = load_observed(observed_path, kpi_names(scenario), scenario.run.days)
    if last_day is not None:
        observed = observed.until(last_day)
    params = parse_fit(list(fit), scenario)
    trials = DEFAULT_TRIALS.get(method, 0) if trials is None else trials
    _check_numbers(method, trials, reps, len(params))
    problem = Problem(scenario, observed, params,
                      int(scenario.run.seed if seed is None else seed))
    fingerprint = problem.fingerprint(method, reps)
    old = _prepare_out(out, fingerprint)
    out.mkdir(parents=True, exist_ok=True)
    if old is not None:
        problem.scale = np.asarray(old["scale"], dtype=float)

    def checkpoint() -> None:
        atomic_write(out / "calibration.json", json.dumps({
            "format": FORMAT, "fingerprint": fingerprint, "method": method,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "scale": problem.scale.tolist(), "cells": len(problem.cells)}, indent=1))

    fitter = fit_optuna if method == "optuna" else fit_abc
    with make_executor(workers, scheduler) as ex:
        backend = ex.describe()
        fitted, post = fitter(problem, ex, out, trials, reps, old is not None, progress,
                              checkpoint)
        band = predictive_runs(problem, ex, post, predictive)
    fitted |= {"observed": str(observed_path), "kpis": observed.columns,
               "cells": len(problem.cells), "days_fitted": [int(observed.frame.index.min()),
                                                            int(observed.frame.index.max())],
               "scenario": str(scenario_path), "set": sets, "seed": problem.seed,
               "consumers": scenario.run.consumers, "days": scenario.run.days,
               "backend": backend, "wall_seconds": round(time.perf_counter() - t0, 2),
               "conditioning": conditioning(scenario)}
    write_outputs(out, scenario_path, problem, fitted, post, written)
    buf = io.BytesIO()
    band.to_parquet(buf, index=False)
    atomic_write(out / "predictive.parquet", buf.getvalue())
    return CalibrationResult(fitted, post, band, problem, out, backend,
                             time.perf_counter() - t0)


__all__ = ["CalibrationResult", "DEFAULT_TRIALS", "METHODS", "calibrate", "parse_sets",
           "predictive_runs"]
