"""Searching for a better plan with Optuna: objectives, constraints, common random numbers.

A *trial* is one point of the search space (:mod:`sim.analysis.levers`) turned into a scenario
and run on ``K`` replications. Every trial uses the same seeds ``run.seed + 0 … K − 1`` and, with
``--uncertainty``, the same parameter draws (:mod:`sim.analysis.uncertainty`): trials differ
only by their plan (common random numbers), so the search compares plans, not luck.

* One objective: Optuna's TPE sampler (seeded). Two or more: NSGA-II, and the Pareto front of
  the feasible trials is reported.
* Objectives: any KPI's mean over the K runs (direction from
  the KPI registry, :mod:`sim.config.kpis`, e.g. ``roi``, ``net_profit``, ``cac``), or
  ``p_<kpi>_above:X`` = share of the K runs with KPI ≥ X (``p_roi_above:0``). A KPI undefined
  in a run (ROI with no spend) fails the trial: an undefined ratio never wins.
* Constraints ``KPI<=X`` / ``KPI>=X`` on the mean over the K runs, given to the sampler as
  Optuna constraint values (≤ 0 feasible); the best plan is chosen among feasible trials.
* The study lives in ``DIR/study.db`` (SQLite): an interrupted search continues with
  ``--resume`` and runs only the trials still missing.

The best mean over K runs is biased upward (it was selected on those runs); the command
therefore re-runs the best plan and the input on fresh seeds the search never used.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.fairness import user_summary
from sim.analysis.levers import Lever, suggest
from sim.config.kpis import lower_is_better
from sim.config.scenario import Scenario, ScenarioError

FRESH_SEED_OFFSET = 100_000
"""Fresh seeds for validation start at ``run.seed + FRESH_SEED_OFFSET`` (never searched)."""

_P_ABOVE = re.compile(r"^p_([a-z0-9_]+)_above:([-+0-9.eE]+)$")
_CONSTRAINT = re.compile(r"^\s*([A-Za-z0-9_]+)\s*(<=|>=)\s*([-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class Objective:
    """What a trial is scored on: a KPI's mean, or P(KPI ≥ threshold) over the K runs."""

    kpi: str
    threshold: float | None = None

    @property
    def name(self) -> str:
        return self.kpi if self.threshold is None else f"p_{self.kpi}_above:{self.threshold:g}"

    @property
    def direction(self) -> str:
        lower = self.threshold is None and lower_is_better(self.kpi)
        return "minimize" if lower else "maximize"

    def score(self, values: Sequence[float]) -> float:
        """The trial's value; NaN if the KPI is undefined in any run."""
        x = np.asarray(values, dtype=float)
        if len(x) == 0 or np.isnan(x).any():
            return math.nan
        return float(x.mean()) if self.threshold is None else float((x >= self.threshold).mean())


def parse_objective(text: str) -> Objective:
    """``roi``, ``net_profit``, ``p_roi_above:0.2`` ... (raises :class:`ScenarioError`)."""
    m = _P_ABOVE.match(text.strip())
    if m:
        return Objective(m.group(1), float(m.group(2)))
    if not re.fullmatch(r"[a-z0-9_]+", text.strip()):
        raise ScenarioError(f"--objective {text!r}: expected a KPI name or p_<kpi>_above:X")
    return Objective(text.strip())


@dataclass(frozen=True)
class Constraint:
    """``KPI<=X`` or ``KPI>=X`` on the mean over the K runs."""

    kpi: str
    op: str
    bound: float

    @property
    def name(self) -> str:
        return f"{self.kpi}{self.op}{self.bound:g}"

    def violation(self, mean: float) -> float:
        """Optuna constraint value: ≤ 0 when satisfied (NaN mean counts as violated)."""
        if not math.isfinite(mean):
            return math.inf
        return mean - self.bound if self.op == "<=" else self.bound - mean


def parse_constraint(text: str) -> Constraint:
    m = _CONSTRAINT.match(text)
    if not m:
        raise ScenarioError(f"--constraint {text!r}: expected KPI<=X or KPI>=X (e.g. cac<=60)")
    return Constraint(m.group(1), m.group(2), float(m.group(3)))


def check_kpis(objectives: Sequence[Objective], constraints: Sequence[Constraint],
               known: Sequence[str]) -> None:
    """Raise :class:`ScenarioError` naming the option if a KPI is not reported by the runs."""
    for opt, kpi in [*(("--objective", o.kpi) for o in objectives),
                     *(("--constraint", c.kpi) for c in constraints)]:
        if kpi not in known:
            core = [k for k in known if not k.startswith(("stage_", "organic_", "daily_",
                                                          "reach_", "orders_", "spend_"))]
            raise ScenarioError(f"{opt}: unknown KPI {kpi!r}; allowed: {', '.join(core)}")


# --------------------------------------------------------------------------- evaluation
def _run_chunk(chunk: list[tuple[int, Scenario, int]]) -> list[tuple[int, dict[str, float]]]:
    """Worker task: run each (index, scenario, seed) and return its summary in the budget's
    units (:func:`sim.analysis.fairness.user_summary`)."""
    from sim.execution.runner import run_single

    return [(i, user_summary(run_single(s, seed, keep_timeseries=False).summary,
                             s.money_scale)) for i, s, seed in chunk]


class ScenarioEvaluator:
    """Runs a plan (scenario overrides) on the common seeds and parameter draws."""

    def __init__(self, scenario: Scenario, seeds: Sequence[int], executor,
                 draws: Sequence[dict[str, Any]] | None = None) -> None:
        self.scenario, self.seeds, self.executor = scenario, list(seeds), executor
        self.draws = list(draws) if draws else [{} for _ in self.seeds]
        self.runs = 0

    def scenarios(self, overrides: dict[str, Any]) -> list[Scenario]:
        """The K scenarios of one plan (one per replication / parameter draw)."""
        return [self.scenario.with_overrides({**overrides, **d}) for d in self.draws]

    def __call__(self, overrides: dict[str, Any]) -> list[dict[str, float]]:
        jobs = [(i, s, seed) for i, (s, seed) in enumerate(zip(self.scenarios(overrides),
                                                               self.seeds))]
        out: list[dict[str, float]] = [{} for _ in jobs]
        for chunk in self.executor.map_chunks(_run_chunk, [[j] for j in jobs]):
            for i, summary in chunk:
                out[i] = summary
        self.runs += len(jobs)
        return out


# --------------------------------------------------------------------------- the study
def make_sampler(objectives: Sequence[Objective], seed: int, n_trials: int):
    """TPE for one objective, NSGA-II for several; both read the constraint values each trial
    records with ``Trial.set_constraint``."""
    import optuna

    if len(objectives) == 1:
        return optuna.samplers.TPESampler(seed=seed,
                                          n_startup_trials=min(10, max(2, n_trials // 5)))
    return optuna.samplers.NSGAIISampler(seed=seed,
                                         population_size=max(8, min(50, n_trials // 5)))


def run_study(evaluate: Callable[[dict[str, float]], list[dict[str, float]]],
              levers: list[Lever], objectives: Sequence[Objective],
              constraints: Sequence[Constraint], n_trials: int, *, storage: str | None = None,
              study_name: str = "socsim", seed: int = 0,
              start_params: dict[str, float] | None = None, resume: bool = False,
              on_trial: Callable[[Any], None] | None = None):
    """Run (or continue) an Optuna study until it holds ``n_trials`` finished trials.

    ``evaluate(point)`` gets a decoded point (``{column: value}``, see
    :func:`sim.analysis.levers.suggest`) and returns one KPI dict per replication. The input
    plan (``start_params``) is enqueued as trial 0 of a new study.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        storage=storage, study_name=study_name, load_if_exists=resume,
        directions=[o.direction for o in objectives],
        sampler=make_sampler(objectives, seed, n_trials))
    if not study.trials:
        study.set_user_attr("objectives", [o.name for o in objectives])
        if start_params:
            study.enqueue_trial(start_params, skip_if_exists=True)

    def objective(trial) -> float | list[float]:
        point = suggest(trial, levers)
        runs = evaluate(point)
        means = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
        trial.set_user_attr("point", point)
        trial.set_user_attr("kpis", {k: (v if math.isfinite(v) else None)
                                     for k, v in means.items()})
        violations = [c.violation(means.get(c.kpi, math.nan)) for c in constraints]
        trial.set_user_attr("constraints", violations)
        for c, v in zip(constraints, violations):
            trial.set_constraint(c.name, v if math.isfinite(v) else 1e300)
        scores = [o.score([r.get(o.kpi, math.nan) for r in runs]) for o in objectives]
        return scores[0] if len(scores) == 1 else scores

    done = sum(t.state.is_finished() for t in study.trials)
    if n_trials > done:
        callbacks = [lambda s, t: on_trial(t)] if on_trial else None
        study.optimize(objective, n_trials=n_trials - done, callbacks=callbacks,
                       catch=(FloatingPointError,))
    return study


def trials_frame(study, objectives: Sequence[Objective],
                 constraints: Sequence[Constraint]) -> pd.DataFrame:
    """One row per trial: number, state, objective value(s), feasibility, constraint values,
    the decoded point (shares and ranges), Optuna's raw parameters and the KPI means."""
    rows = []
    for t in study.trials:
        vals = t.values if t.values is not None else [math.nan] * len(objectives)
        cons = t.user_attrs.get("constraints", [])
        row: dict[str, Any] = {"trial": t.number, "state": t.state.name}
        row |= {f"objective:{o.name}": (math.nan if v is None else v)
                for o, v in zip(objectives, vals)}
        row["feasible"] = bool(t.state.name == "COMPLETE" and all(c <= 0 for c in cons))
        row |= {f"constraint:{c.name}": v for c, v in zip(constraints, cons)}
        row |= dict(t.user_attrs.get("point", {}))
        row |= {f"param:{k}": v for k, v in t.params.items()}
        row |= {f"kpi:{k}": (math.nan if v is None else v)
                for k, v in t.user_attrs.get("kpis", {}).items()}
        rows.append(row)
    return pd.DataFrame(rows)


def best_trials(frame: pd.DataFrame, objectives: Sequence[Objective]) -> pd.DataFrame:
    """The best feasible trial (one objective) or the Pareto front of the feasible trials
    (several), best on the first objective first."""
    cols = [f"objective:{o.name}" for o in objectives]
    ok = frame[frame["feasible"] & frame[cols].notna().all(axis=1)]
    if ok.empty:
        return ok
    signed = np.column_stack([ok[c].to_numpy(float) * (1 if o.direction == "maximize" else -1)
                              for c, o in zip(cols, objectives)])
    front = [i for i in range(len(ok)) if not any(
        np.all(signed[j] >= signed[i]) and np.any(signed[j] > signed[i])
        for j in range(len(ok)) if j != i)]
    out = ok.iloc[front]
    asc = objectives[0].direction == "minimize"
    out = out.sort_values([cols[0], "trial"], ascending=[asc, True])
    return out if len(objectives) > 1 else out.head(1)


def importance(study) -> pd.Series:
    """Optuna's parameter importances (fANOVA) of the first objective; empty when the study is
    too small or flat to tell."""
    import optuna

    try:
        imp = optuna.importance.get_param_importances(
            study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0),
            target=(lambda t: t.values[0]) if len(study.directions) > 1 else None)
    except (RuntimeError, ValueError, ZeroDivisionError):
        return pd.Series(dtype=float)
    return pd.Series(imp, dtype=float).rename(lambda k: k.removeprefix("w:"))


__all__ = ["Constraint", "FRESH_SEED_OFFSET", "Objective", "ScenarioEvaluator", "best_trials",
           "check_kpis", "importance", "make_sampler", "parse_constraint", "parse_objective",
           "run_study", "trials_frame"]
