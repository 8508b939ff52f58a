"""Robust decision making: every plan in many uncertain futures, regrets, scenario discovery.

The framing follows the EMA Workbench's XLRM: uncertainties **X** (scenario keys we cannot
control, each in a range LO:HI), levers **L** (the plans, one TOML file each), relations **R**
(the simulator) and metrics **M** (one KPI, optionally a target).

* **Futures** are points of the uncertainty box drawn by a Latin hypercube or a scrambled Sobol
  sequence (``scipy.stats.qmc``, seeded). Every plan runs in every future on the same
  replication seeds ``run.seed + 0 … K − 1`` (common random numbers): in a future, plans differ
  only by the plan.
* **Robustness** per plan, over the futures' means (mean over the K replications of a plan in a
  future): ``mean``; ``p10`` (10th percentile: the bad tail for a higher-is-better metric);
  ``p_target`` = share of futures with mean ≥ target (≤ for lower-is-better metrics);
  ``max_regret`` and ``mean_regret``, where regret in a future = best plan's mean − this plan's
  mean (this − best for lower-is-better metrics), ≥ 0.
* **Scenario discovery**: for each plan, PRIM (``ema_workbench.analysis.prim``) finds the box of
  uncertain values where the plan *loses* (another plan's mean is better in that future) and,
  with a target, where it *misses the target*. Of PRIM's peeling trajectory the box with the
  best harmonic mean of coverage (share of the cases of interest inside the box) and density
  (share of futures in the box that are cases) is kept.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.analysis.fairness import user_summary
from sim.analysis.levers import parse_range
from sim.config.kpis import lower_is_better
from sim.config.scenario import Scenario, ScenarioError

TS_COLUMNS = ("aware", "interested", "buyers", "orders", "gmv", "spend")
"""Time-series KPIs averaged per plan over futures and replications (for the workbook)."""


@dataclass(frozen=True)
class Uncertain:
    """One uncertainty X: a scenario key and its range."""

    key: str
    lo: float
    hi: float


def parse_uncertain(text: str, scenario: Scenario) -> Uncertain:
    """``KEY=LO:HI`` checked against ``scenario`` (raises :class:`ScenarioError`)."""
    key, lo, hi = parse_range(text, "--uncertain",
                              "KEY=LO:HI (e.g. behaviour.follower_trust=0.3:0.7)")
    for v in (lo, hi):
        try:
            scenario.with_overrides({key: v})
        except ScenarioError as exc:
            raise ScenarioError(f"--uncertain {text!r}: {exc}") from None
    return Uncertain(key, lo, hi)


def sample_futures(uncertain: Sequence[Uncertain], n: int, design: str = "lhs",
                   seed: int = 0) -> pd.DataFrame:
    """``n`` futures (rows) over the uncertain keys (columns), plus a ``future`` id column."""
    d = len(uncertain)
    if design == "lhs":
        unit = qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(n)
    elif design == "sobol":
        if n & (n - 1):
            raise ScenarioError(f"--futures {n}: a Sobol design needs a power of two "
                                "(e.g. 32, 64), or use --design lhs")
        unit = qmc.Sobol(d=d, scramble=True, rng=np.random.default_rng(seed)).random(n)
    else:
        raise ScenarioError(f"--design {design!r}: allowed: lhs, sobol")
    vals = qmc.scale(unit, [u.lo for u in uncertain], [u.hi for u in uncertain])
    frame = pd.DataFrame(vals, columns=[u.key for u in uncertain])
    frame.insert(0, "future", np.arange(n))
    return frame


# --------------------------------------------------------------------------- running
def _explore_chunk(chunk):
    """Worker task: run each (index, scenario, seed); KPIs in the budget's units and a few
    time-series columns."""
    from sim.execution.runner import run_single

    out = []
    for i, scn, seed in chunk:
        res = run_single(scn, seed)
        ts = res.timeseries[["step", *[c for c in TS_COLUMNS if c in res.timeseries]]].copy()
        for col in ("gmv", "spend"):  # money totals in the budget's units, like the KPIs
            if col in ts:
                ts[col] = ts[col] / scn.money_scale
        out.append((i, user_summary(res.summary, scn.money_scale), ts))
    return out


@dataclass
class Exploration:
    """Outcomes of every plan × future × replication and what they say."""

    plans: list[str]
    uncertain: list[Uncertain]
    futures: pd.DataFrame
    outcomes: pd.DataFrame
    metric: str
    target: float | None
    timeseries: pd.DataFrame
    scenarios: dict[str, Scenario] = field(default_factory=dict)

    @property
    def lower_is_better(self) -> bool:
        return lower_is_better(self.metric)

    def future_means(self) -> pd.DataFrame:
        """Mean metric per future (rows) and plan (columns), over the replications."""
        return (self.outcomes.groupby(["future", "plan"], sort=False)[self.metric]
                .mean().unstack("plan")[self.plans])

    def regrets(self) -> pd.DataFrame:
        """Regret per future and plan (≥ 0; 0 for the best plan of the future)."""
        m = self.future_means()
        if self.lower_is_better:
            return m.sub(m.min(axis=1), axis=0)
        return (-m).add(m.max(axis=1), axis=0)


def explore(plans: dict[str, Scenario], uncertain: Sequence[Uncertain], futures: pd.DataFrame,
            reps: int, metric: str, target: float | None = None, executor=None,
            on_done=None) -> Exploration:
    """Run every plan in every future on the common seeds; see the module docstring."""
    from sim.execution.executors import auto_chunk_size, chunked, make_executor

    keys = [u.key for u in uncertain]
    jobs, index = [], []
    for name, scn in plans.items():
        seeds = [scn.run.seed + r for r in range(reps)]
        for fid, vals in zip(futures["future"].tolist(), futures[keys].to_numpy(float)):
            world = scn.with_overrides({k: float(v) for k, v in zip(keys, vals)})
            for r, seed in enumerate(seeds):
                jobs.append((len(jobs), world, seed))
                index.append((name, int(fid), r))
    own = executor is None
    executor = executor or make_executor(workers=1)
    results: list = [None] * len(jobs)
    try:
        size = auto_chunk_size(len(jobs), executor.workers, max_size=8)
        for chunk in executor.map_chunks(_explore_chunk, chunked(jobs, size)):
            for i, summary, ts in chunk:
                results[i] = (summary, ts)
                if on_done:
                    on_done()
    finally:
        if own:
            executor.close()
    return _assemble(plans, list(uncertain), futures, index, results, metric, target)


def _assemble(plans, uncertain, futures, index, results, metric, target) -> Exploration:
    rows = [{"plan": p, "future": f, "replication": r} for p, f, r in index]
    kpis = pd.DataFrame([s for s, _ in results])
    outcomes = pd.concat([pd.DataFrame(rows), kpis], axis=1).merge(futures, on="future")
    keys = [u.key for u in uncertain]
    outcomes = outcomes[["plan", "future", "replication", *keys,
                         *[c for c in kpis.columns if c not in keys]]]
    ts = pd.concat([t.assign(plan=p) for (p, _, _), (_, t) in zip(index, results)])
    ts = ts.groupby(["plan", "step"], sort=False).mean().reset_index()
    return Exploration(list(plans), uncertain, futures, outcomes, metric, target, ts,
                       dict(plans))


# --------------------------------------------------------------------------- analysis
def robustness(ex: Exploration) -> pd.DataFrame:
    """Per plan: mean, p10, p_target, max_regret, mean_regret, wins (futures where best)."""
    m, reg = ex.future_means(), ex.regrets()
    rows = []
    for p in ex.plans:
        x = m[p].to_numpy(float)
        hit = np.nan
        if ex.target is not None:
            hit = float(np.mean(x <= ex.target if ex.lower_is_better else x >= ex.target))
        rows.append({"plan": p, "metric": ex.metric, "mean": float(x.mean()),
                     "p10": float(np.percentile(x, 10)), "p_target": hit,
                     "max_regret": float(reg[p].max()), "mean_regret": float(reg[p].mean()),
                     "wins": int((reg[p] == 0).sum()), "futures": len(x)})
    return pd.DataFrame(rows)


def prim_box(x: pd.DataFrame, y: np.ndarray, bounds: dict[str, tuple[float, float]]) -> dict:
    """PRIM's box for the cases ``y`` (bool per row of ``x``): restricted keys with their
    limits (unrestricted sides take the uncertainty's bound), coverage and density."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optional-backend notices on import, peeling notes
        from ema_workbench.analysis import prim

        logging.getLogger("EMA").setLevel(logging.ERROR)
        box = prim.Prim(x.reset_index(drop=True), np.asarray(y, dtype=bool)).find_box()
    traj = box.peeling_trajectory
    cov, den = traj["coverage"].to_numpy(float), traj["density"].to_numpy(float)
    score = np.where(cov + den > 0, 2 * cov * den / np.maximum(cov + den, 1e-12), 0.0)
    i = int(np.argmax(score))
    lims, first = box.box_lims[i], box.box_lims[0]
    limits = {}
    for key in x.columns:
        lo, hi = float(lims.loc[0, key]), float(lims.loc[1, key])
        lo_cut, hi_cut = lo > float(first.loc[0, key]), hi < float(first.loc[1, key])
        if lo_cut or hi_cut:
            limits[key] = (lo if lo_cut else bounds[key][0], hi if hi_cut else bounds[key][1])
    return {"limits": limits, "coverage": float(cov[i]), "density": float(den[i]),
            "mass": float(traj["mass"].iloc[i])}


def discovery(ex: Exploration) -> pd.DataFrame:
    """Per plan and case (``loses``, ``misses_target``): one row per restricted key with the
    box's lo, hi, coverage, density, the share of futures that are cases, and the plan that
    most often beats it inside the box."""
    keys = [u.key for u in ex.uncertain]
    bounds = {u.key: (u.lo, u.hi) for u in ex.uncertain}
    m, reg = ex.future_means(), ex.regrets()
    x = ex.futures.set_index("future").loc[m.index, keys]
    rows = []
    for p in ex.plans:
        cases = {"loses": (reg[p] > 0).to_numpy()}
        if ex.target is not None:
            vals = m[p].to_numpy(float)
            cases["misses_target"] = vals > ex.target if ex.lower_is_better else vals < ex.target
        for case, y in cases.items():
            base = {"plan": p, "case": case, "share_of_futures": float(np.mean(y))}
            if y.all() or not y.any():
                rows.append(base | {"key": "", "lo": np.nan, "hi": np.nan, "coverage": np.nan,
                                    "density": np.nan, "winner": ""})
                continue
            box = prim_box(x, y, bounds)
            inside = np.ones(len(x), dtype=bool)
            for k, (lo, hi) in box["limits"].items():
                inside &= (x[k].to_numpy() >= lo) & (x[k].to_numpy() <= hi)
            winner = reg.loc[m.index[inside & y]].drop(columns=p).idxmin(axis=1).mode()
            for k, (lo, hi) in (box["limits"] or {"": (np.nan, np.nan)}).items():
                rows.append(base | {"key": k, "lo": lo, "hi": hi, "coverage": box["coverage"],
                                    "density": box["density"],
                                    "winner": str(winner.iloc[0]) if len(winner) else ""})
    return pd.DataFrame(rows, columns=["plan", "case", "key", "lo", "hi", "coverage", "density",
                                       "share_of_futures", "winner"])


def _condition(key: str, lo: float, hi: float, bounds: tuple[float, float]) -> str:
    if lo <= bounds[0]:
        return f"{key} < {hi:.3g}"
    if hi >= bounds[1]:
        return f"{key} > {lo:.3g}"
    return f"{key} is between {lo:.3g} and {hi:.3g}"


def discovery_sentences(ex: Exploration, disc: pd.DataFrame) -> list[str]:
    """Plain words per plan and case: "A loses to B when x < 0.41 and y > 0.2 (...)"."""
    bounds = {u.key: (u.lo, u.hi) for u in ex.uncertain}
    lines = []
    for (plan, case), g in disc.groupby(["plan", "case"], sort=False):
        share = g["share_of_futures"].iloc[0]
        verb = "loses" if case == "loses" else f"misses the target {ex.target:g}"
        if share == 0:
            lines.append(f"{plan} never {'loses' if case == 'loses' else 'misses the target'}"
                         f" on {ex.metric} in these futures.")
            continue
        if share == 1 or not g["key"].iloc[0]:
            lines.append(f"{plan} {verb} in {share:.0%} of the futures, with no region of the "
                         "uncertainties that singles them out.")
            continue
        cond = " and ".join(_condition(r.key, r.lo, r.hi, bounds[r.key]) for r in g.itertuples())
        to = f" to {g['winner'].iloc[0]}" if case == "loses" and g["winner"].iloc[0] else ""
        lines.append(f"{plan} {verb}{to} on {ex.metric} when {cond} (coverage "
                     f"{g['coverage'].iloc[0]:.0%} of its {share:.0%} such futures, density "
                     f"{g['density'].iloc[0]:.0%}).")
    return lines


def headline(ex: Exploration, rob: pd.DataFrame) -> str:
    """Which plan is the most robust (smallest maximum regret) and how often it is best."""
    best = rob.sort_values(["max_regret", "mean_regret"]).iloc[0]
    n = int(best["futures"])
    return (f"{best['plan']} is the most robust plan on {ex.metric}: its largest regret over "
            f"{n} futures is {best['max_regret']:.3g} (mean regret {best['mean_regret']:.3g}), "
            f"and it is the best plan in {int(best['wins'])} of them.")


__all__ = ["Exploration", "discovery_sentences", "headline", "TS_COLUMNS", "Uncertain", "discovery", "explore", "parse_uncertain",
           "prim_box", "robustness", "sample_futures"]
