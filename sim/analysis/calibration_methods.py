"""The two fitting methods of ``socsim calibrate`` (see :mod:`sim.analysis.calibration`).

Both run their simulations through an executor of :mod:`sim.execution.executors` (serial,
local processes or Dask). Defaults (documented in docs/calibration.md):

* optuna: TPE (multivariate, constant liar for parallel batches, seeded); the first
  ``pilot`` trials are a Latin hypercube over the search box that also sets the distance's
  scales; trials are asked in batches of one per worker; study in ``DIR/optuna.db`` (SQLite,
  Optuna's RDB storage), so a killed or extended calibration continues where it stopped;
  ``null_reps`` = 20 fresh replications at the best fit give the 90 % acceptance threshold.
* abc: pyabc ABC-SMC, population ``clip(trials / 8, 20, 200)``, at most 10 generations or
  ``trials`` simulations, median epsilon schedule, pyabc's default multivariate normal
  perturbation; history in ``DIR/abc.db``. Serial runs are reproducible from ``--seed``
  (pyabc draws from numpy's global generator, which is seeded); parallel ABC is not.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.calibration import (INTERVAL, Problem, latin_points, run_points,
                                      simulate_cells, weighted_quantile)

NULL_REPS = 20
"""Fresh replications at the best fit whose distances set the acceptance threshold."""
Progress = Callable[[int, int], None]


def pilot_size(trials: int, dims: int) -> int:
    """Latin-hypercube pilot points: ``clip(trials / 4, max(10, 4 × dims), 30)``, at most
    ``trials``."""
    return int(min(trials, max(min(trials // 4, 30), 4 * dims, 10)))


def _distributions(problem: Problem) -> dict[str, Any]:
    import optuna

    return {p.key: (optuna.distributions.IntDistribution(int(p.low), int(p.high)) if p.integer
                    else optuna.distributions.FloatDistribution(p.low, p.high))
            for p in problem.params}


def _chunks(seeds: list[int], parts: int) -> list[list[int]]:
    return [c.tolist() for c in np.array_split(np.array(seeds), max(1, parts)) if len(c)]


def _null_threshold(problem: Problem, ex, best: dict[str, float], seeds: list[int],
                    null_reps: int) -> tuple[float, float, float]:
    """(90 % quantile, median, mean-at-best distance) of single fresh replications at ``best``
    from the CRN mean at ``best``."""
    crn = run_points(problem, ex, [best], seeds)[0].mean(axis=0)
    fresh = [problem.seed + 10_000 + j for j in range(null_reps)]
    jobs = [problem.job(i, best, c) for i, c in enumerate(_chunks(fresh, ex.workers))]
    sims = np.vstack([arr for _, arr in sorted(ex.map_chunks(simulate_cells, jobs),
                                               key=lambda t: t[0])])
    d = np.array([problem.distance(row, crn) for row in sims])
    return float(np.quantile(d, INTERVAL)), float(np.median(d)), problem.distance(crn)


def surface_interval(problem: Problem, x: np.ndarray, d: np.ndarray, threshold: float
                     ) -> tuple[np.ndarray, np.ndarray] | None:
    """Projection of the region {distance ≤ threshold} of a quadratic fitted to distance²
    over the trials (``x``: trials × keys, ``d``: their distances), in parameter units.

    The fit uses the trials within 3 × threshold (at least twice as many as the quadratic's
    coefficients); returns None if there are too few or the quadratic has no minimum (a key
    the data do not identify: the trials' own span is used instead).
    """
    lo = np.array([p.low for p in problem.params])
    span = np.array([p.high for p in problem.params]) - lo
    u = (x - lo) / span
    k = u.shape[1]
    n_coef = 1 + k + k * (k + 1) // 2
    order = np.argsort(d)
    use = order[: max(int(np.sum(d <= 3 * threshold)), 2 * n_coef)]
    if len(use) < 2 * n_coef:
        return None
    iu = np.triu_indices(k)
    design = np.hstack([np.ones((len(use), 1)), u[use],
                        (u[use][:, :, None] * u[use][:, None, :])[:, iu[0], iu[1]]])
    coef, *_ = np.linalg.lstsq(design, d[use] ** 2, rcond=None)
    a = np.zeros((k, k))
    a[iu] = coef[1 + k:]
    a = (a + a.T) / 2  # symmetric: u'Au = Σ_{i≤j} c_ij u_i u_j
    b = coef[1:1 + k]
    if np.any(np.linalg.eigvalsh(a) <= 0):
        return None
    centre = -0.5 * np.linalg.solve(a, b)
    floor = coef[0] + b @ centre + centre @ a @ centre
    room = threshold**2 - floor
    if room <= 0:
        return None
    half = np.sqrt(room * np.diag(np.linalg.inv(a)))
    return lo + np.clip(centre - half, 0, 1) * span, lo + np.clip(centre + half, 0, 1) * span


def fit_optuna(problem: Problem, ex, out: Path, trials: int, reps: int, resume: bool,
               progress: Progress | None = None, checkpoint: Callable[[], None] | None = None,
               null_reps: int = NULL_REPS) -> tuple[dict[str, Any], pd.DataFrame]:
    """Optuna point fit and its 90 % acceptance set; returns (fit dict, accepted trials)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seeds = [problem.seed + i for i in range(reps)]
    dists = _distributions(problem)
    study = optuna.create_study(
        study_name="calibration", storage=f"sqlite:///{out / 'optuna.db'}",
        load_if_exists=resume, direction="minimize",
        sampler=optuna.samplers.TPESampler(seed=problem.seed, multivariate=True,
                                           constant_liar=True, n_startup_trials=0))
    complete = (optuna.trial.TrialState.COMPLETE,)
    if not resume:
        _optuna_pilot(study, problem, ex, trials, seeds, dists, checkpoint)
    _optuna_trials(study, problem, ex, trials, seeds, dists, progress)
    runs = study.get_trials(states=complete)
    best = study.best_trial
    q90, q50, d_best = _null_threshold(problem, ex, best.params, seeds, null_reps)
    misfit = d_best > q90
    threshold = d_best + (q90 - q50) if misfit else q90
    acc = [t for t in runs if t.value <= threshold + 1e-12]
    post = pd.DataFrame({p.key: [t.params[p.key] for t in acc] for p in problem.params})
    post["distance"] = [t.value for t in acc]
    post["trial"] = [t.number for t in acc]
    xs = np.array([[t.params[p.key] for p in problem.params] for t in runs], dtype=float)
    surface = surface_interval(problem, xs, np.array([t.value for t in runs]), threshold)
    params = _accepted_span(problem, post, surface, best.params)
    fit = {"method": "optuna", "params": params, "distance": float(best.value),
           "interval": INTERVAL, "interval_method": (
               "Monte Carlo test inversion: the parameters whose distance is within the 90% "
               f"quantile of {null_reps} fresh replications' distances at the best fit — the "
               "span of the accepted trials, widened to the region where a quadratic fitted "
               "to the trials' squared distances is below the threshold"),
           "surface": surface is not None,
           "threshold": threshold, "null_distance_median": q50, "misfit": bool(misfit),
           "trials": len(runs), "accepted": len(acc), "reps": reps}
    return fit, post.sort_values("distance").reset_index(drop=True)


def _optuna_pilot(study, problem: Problem, ex, trials: int, seeds: list[int], dists: dict,
                  checkpoint: Callable[[], None] | None) -> None:
    """Pilot: a Latin hypercube that sets the distance scales and enters the study as trials."""
    import optuna

    pts = latin_points(problem.params, pilot_size(trials, len(problem.params)), problem.seed)
    sims = run_points(problem, ex, pts, seeds)
    problem.set_scale(np.vstack(sims))
    if checkpoint:
        checkpoint()
    for pt, arr in zip(pts, sims):
        study.add_trial(optuna.trial.create_trial(
            params=problem.point(pt), distributions=dists,
            value=problem.distance(arr.mean(axis=0))))


def _optuna_trials(study, problem: Problem, ex, trials: int, seeds: list[int], dists: dict,
                   progress: Progress | None) -> None:
    """Ask and tell until the study holds ``trials`` complete trials, one batch per worker."""
    import optuna

    done = len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)))
    if progress:
        progress(done, trials)
    while done < trials:
        asked = [study.ask(dists) for _ in range(min(ex.workers, trials - done))]
        jobs = [problem.job(t.number, t.params, seeds) for t in asked]
        for number, arr in ex.map_chunks(simulate_cells, jobs):
            study.tell(number, problem.distance(arr.mean(axis=0)))
            done += 1
            if progress:
                progress(done, trials)


def _accepted_span(problem: Problem, post: pd.DataFrame, surface, best: dict[str, float]
                   ) -> dict[str, dict[str, float]]:
    """Per parameter: the best value and the accepted trials' span, widened by the fitted
    surface's interval where there is one, with the prior bounds."""
    params = {}
    for j, p in enumerate(problem.params):
        lo_j, hi_j = float(post[p.key].min()), float(post[p.key].max())
        if surface is not None:
            lo_j, hi_j = min(lo_j, float(surface[0][j])), max(hi_j, float(surface[1][j]))
        params[p.key] = {"best": best[p.key], "lo": lo_j, "hi": hi_j,
                         "low": p.low, "high": p.high}
    return params


class _AbcModel:
    """pyabc model: one simulation (one seed from numpy's global generator) per particle."""

    def __init__(self, problem: Problem, names: dict[str, str]) -> None:
        self.problem, self.names = problem, names

    def __call__(self, pars: dict[str, float]) -> dict[str, np.ndarray]:
        values = {key: float(pars[name]) for name, key in self.names.items()}
        seed = int(np.random.randint(0, 2**31 - 1))
        _, arr = simulate_cells(self.problem.job(0, values, [seed]))
        return {"cells": arr[0]}


class _AbcDistance:
    def __init__(self, problem: Problem) -> None:
        self.problem = problem

    def __call__(self, x: dict, x0: dict) -> float:
        return self.problem.distance(x["cells"], x0["cells"])


class _ExecutorMap:
    """A ``map`` for pyabc's MappingSampler over one of our executors."""

    def __init__(self, ex) -> None:
        self.ex = ex

    def __call__(self, fn, items):
        return list(self.ex.map_chunks(fn, list(items)))


def fit_abc(problem: Problem, ex, out: Path, trials: int, reps: int, resume: bool,
            progress: Progress | None = None, checkpoint: Callable[[], None] | None = None
            ) -> tuple[dict[str, Any], pd.DataFrame]:
    """ABC-SMC posterior; returns (fit dict, weighted posterior sample)."""
    import pyabc

    for name in ("ABC", "pyabc", "Sampler", "Epsilon", "Distance", "Acceptor", "History"):
        logging.getLogger(name).setLevel(logging.WARNING)
    names = {f"p{i}": p.key for i, p in enumerate(problem.params)}
    prior = pyabc.Distribution(**{f"p{i}": pyabc.RV("uniform", p.low, p.high - p.low)
                                  for i, p in enumerate(problem.params)})
    if not resume:
        pts = latin_points(problem.params, pilot_size(trials, len(problem.params)), problem.seed)
        problem.set_scale(np.vstack(run_points(problem, ex, pts, [problem.seed])))
        if checkpoint:
            checkpoint()
    sampler = (pyabc.sampler.SingleCoreSampler() if ex.workers == 1
               else pyabc.sampler.MappingSampler(map_=_ExecutorMap(ex)))
    pop = int(np.clip(trials // 8, 20, 200))
    abc = pyabc.ABCSMC(_AbcModel(problem, names), prior, _AbcDistance(problem),
                       population_size=pop, sampler=sampler)
    np.random.seed(problem.seed % 2**32)
    random.seed(problem.seed)
    db = f"sqlite:///{out / 'abc.db'}"
    if resume:
        abc.load(db, 1)
    else:
        abc.new(db, {"cells": problem.obs})
    history = abc.run(max_nr_populations=10, max_total_nr_simulations=trials)
    df, w = history.get_distribution(m=0, t=history.max_t)
    post = pd.DataFrame({key: df[name].to_numpy(float) for name, key in names.items()})
    for p in problem.params:
        if p.integer:
            post[p.key] = post[p.key].round().astype(int)
    post["weight"] = np.asarray(w, dtype=float) / np.sum(w)
    if progress:
        progress(int(history.total_nr_simulations), trials)
    wts = post["weight"].to_numpy()
    params = {p.key: {"best": p.value(weighted_quantile(post[p.key].to_numpy(float), wts, 0.5)),
                      "lo": weighted_quantile(post[p.key].to_numpy(float), wts, 0.05),
                      "hi": weighted_quantile(post[p.key].to_numpy(float), wts, 0.95),
                      "low": p.low, "high": p.high} for p in problem.params}
    best = {k: v["best"] for k, v in params.items()}
    seeds = [problem.seed + i for i in range(reps)]
    d_best = problem.distance(run_points(problem, ex, [best], seeds)[0].mean(axis=0))
    fit = {"method": "abc", "params": params, "distance": d_best, "interval": INTERVAL,
           "interval_method": "weighted 5%-95% quantiles of the ABC-SMC posterior; best = "
           "weighted median", "epsilon": float(history.get_all_populations()["epsilon"].iloc[-1]),
           "generations": int(history.max_t) + 1, "population": pop,
           "simulations": int(history.total_nr_simulations), "reps": reps}
    return fit, post


__all__ = ["NULL_REPS", "fit_abc", "fit_optuna", "pilot_size"]
