"""``socsim optimize`` end to end: levers, study, best plan, validation on fresh seeds.

:func:`optimize_scenario` parses the options against the input scenario, runs the Optuna study
(:mod:`sim.analysis.optimize`) with the executor chosen by ``--workers``/``--scheduler``,
picks the best feasible plan (or the Pareto front), writes it as a scenario that ``extends``
the input, and re-runs input and best plan on fresh seeds with
:func:`sim.analysis.comparison.compare` (paired, common random numbers) — the honest estimate
of the gain, since the search's own means are biased upward by the selection.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.comparison import Comparison, common_kpis, compare
from sim.analysis.levers import Lever, parse_lever, point_overrides, start_point
from sim.analysis.optimize import (FRESH_SEED_OFFSET, Constraint, Objective, ScenarioEvaluator,
                                   best_trials, check_kpis, importance, parse_constraint,
                                   parse_objective, run_study, trials_frame)
from sim.analysis.uncertainty import check_keys, draw_overrides, read_uncertainty
from sim.config.loading import load_scenario, parse_overrides
from sim.config.scenario import ScenarioError


@dataclass
class OptimizeResult:
    """What a search found: its trials, the best plan, and the validation on fresh seeds."""

    levers: list[Lever]
    objectives: list[Objective]
    constraints: list[Constraint]
    study: Any
    trials: pd.DataFrame
    best: pd.DataFrame  # best trial, or the Pareto front (several objectives)
    best_overrides: dict[str, Any]
    importance: pd.Series
    validation: Comparison | None
    search_seeds: list[int]
    runs: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def metric(self) -> str:
        return self.objectives[0].kpi


def parse_options(path: Path, vary: Sequence[str], objective: Sequence[str],
                  constraint: Sequence[str], overrides: Sequence[str]):
    """Load the input and parse the search options (raises :class:`ScenarioError`)."""
    scenario = load_scenario(path, overrides)
    if scenario.run.mode != "full":
        raise ScenarioError(f"{path}: run.mode: optimize needs a campaign scenario (mode "
                            f"'full'), got {scenario.run.mode!r}")
    if not vary:
        raise ScenarioError("--vary: give at least one lever (allocation, ad_split, tiers or "
                            "KEY=LO:HI)")
    levers = [parse_lever(v, scenario) for v in vary]
    names = [lv.name for lv in levers]
    if len(set(names)) != len(names) or {"allocation", "tiers"} <= set(names):
        raise ScenarioError(f"--vary: each lever once, and not both allocation and tiers "
                            f"(got {', '.join(vary)})")
    objectives = [parse_objective(o) for o in (objective or ["roi"])]
    constraints = [parse_constraint(c) for c in constraint]
    check_kpis(objectives, constraints, [*common_kpis([scenario]), "net_profit"])
    return scenario, levers, objectives, constraints


def optimize_scenario(
    path: Path, out: Path, vary: Sequence[str], objective: Sequence[str] = ("roi",),
    constraint: Sequence[str] = (), trials: int = 60, reps: int = 3,
    uncertainty: Path | None = None, overrides: Sequence[str] = (), executor=None,
    resume: bool = False, fresh_reps: int = 10, workers: int = 1, attribution_reps: int = 0,
    on_trial: Callable[[Any], None] | None = None,
) -> OptimizeResult:
    """Search, pick the best plan, validate it on fresh seeds. See the module docstring."""
    from sim.execution.executors import make_executor

    scenario, levers, objectives, constraints = parse_options(path, vary, objective,
                                                              constraint, overrides)
    seeds = [scenario.run.seed + i for i in range(reps)]
    draws = None
    if uncertainty is not None:
        draws = draw_overrides(read_uncertainty(uncertainty), reps, scenario.run.seed)
        check_keys(scenario, draws)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "study.db"
    if db.exists() and not resume:
        raise ScenarioError(f"--out {out}: holds a study already; continue it with --resume "
                            "or choose another folder")
    own = executor is None
    executor = executor or make_executor(workers=1)
    try:
        evaluator = ScenarioEvaluator(scenario, seeds, executor, draws)
        study = run_study(lambda p: evaluator(point_overrides(scenario, levers, p)), levers,
                          objectives, constraints, trials, storage=f"sqlite:///{db}",
                          seed=scenario.run.seed, start_params=start_point(scenario, levers),
                          resume=resume, on_trial=on_trial)
    finally:
        if own:
            executor.close()
    frame = trials_frame(study, objectives, constraints)
    best = best_trials(frame, objectives)
    result = OptimizeResult(levers, objectives, constraints, study, frame, best, {},
                            importance(study), None, seeds, evaluator.runs)
    if best.empty:
        result.notes.append("No trial satisfied every constraint with a defined objective.")
        return result
    point = {c: best.iloc[0][c] for c in frame.columns if not c.startswith(
        ("trial", "state", "objective:", "feasible", "constraint:", "param:", "kpi:"))}
    result.best_overrides = point_overrides(scenario, levers, point)
    if fresh_reps >= 2:
        best_scn = scenario.with_overrides(result.best_overrides)
        result.validation = compare(
            [scenario, best_scn], fresh_reps, seed=scenario.run.seed + FRESH_SEED_OFFSET,
            metric=objectives[0].kpi, workers=workers,
            names=[scenario.name or path.stem, "best"], attribution_reps=attribution_reps)
    return result


def write_best_toml(path: Path, scenario_path: Path, overrides: dict[str, Any],
                    set_overrides: Sequence[str], name: str) -> Path:
    """Write the best plan as a scenario that ``extends`` the input (relative path) and holds
    only what differs: the plan's keys and the search's ``--set`` overrides (``extends``
    merges sections and keyed retailers key by key; a share map such as ``allocation`` replaces
    the input's whole). A retailer addressed by position is written under its name."""
    import tomli_w

    base = load_scenario(scenario_path)
    merged = {**parse_overrides(list(set_overrides)), **overrides}
    doc: dict[str, Any] = {"extends": os.path.relpath(scenario_path.resolve(),
                                                      path.parent.resolve()), "name": name}
    for key, value in merged.items():
        parts = key.split(".")
        if parts[0] == "retailers" and len(parts) > 1 and parts[1].isdigit():
            parts[1] = base.retailers[int(parts[1])].name
        node = doc
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text("# Best plan found by socsim optimize; extends the input scenario.\n"
                   + tomli_w.dumps(doc), encoding="utf-8")
    os.replace(tmp, path)
    return path


__all__ = ["OptimizeResult", "optimize_scenario", "parse_options", "write_best_toml"]
