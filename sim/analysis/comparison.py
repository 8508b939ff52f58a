"""Comparing scenarios with common random numbers: paired differences, P(superior), verdicts.

Every scenario runs with the same replication seeds ``seed, seed + 1, ...`` (the base seed is
``seed`` if given, else the first scenario's ``run.seed``). The model splits its generator into
independent streams for the graph, the population, the agents and the daily dynamics, so
replication ``i`` of every scenario lives in the same world; differences between scenarios are
measured on *paired* replications and are not drowned by run-to-run noise (common random
numbers, CRN). A scenario compared with itself therefore shows a difference of exactly zero.

Statistics, per scenario and KPI (columns of :attr:`Comparison.table`):

``mean, lo, hi``
    mean over replications and its 95 % Student-t confidence interval.
``diff, diff_lo, diff_hi``
    mean of the paired differences (scenario − first scenario, replication by replication)
    and its 95 % Student-t interval. The first scenario's own row is 0, 0, 0.
``p_superior``
    share of paired replications in which the scenario *beats* the first scenario; a tie
    counts one half (so the first scenario's own row is 0.5). "Beats" means *higher*, except
    for the KPIs whose registry direction is ``lower`` (:mod:`sim.config.kpis`: CAC, negative
    sentiment, platform dependence, platform HHI and cost per community member), where it means
    *lower*. For KPIs without a natural direction (spend, exposures, ...) it is simply the share
    of runs with a higher value.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.analysis.fairness import (difference_notes, equalize_budgets, incremental_sentence,
                                   user_summary)
# the table, fmt_*, Paired, paired_stats, verdict_sentence and the KPI helpers stay importable
from sim.analysis.paired import (COLUMNS, Paired, comparison_table, fmt_signed,  # noqa: F401
                                 fmt_value, paired_stats, relative_note, verdict_sentence)
from sim.config.formatting import write_csv
from sim.config.kpis import (DIAGNOSTIC_PREFIXES, LOWER_IS_BETTER, is_money,  # noqa: F401
                             is_ratio, kpi_label, kpi_names, lower_is_better)
from sim.config.scenario import Scenario, ScenarioError, load_scenario
from sim.execution.runner import (RunResult, _run_job, replication_jobs, replication_seeds,
                                  run_jobs)

if TYPE_CHECKING:
    from sim.analysis.attribution import Attribution
    from sim.execution.uncertainty import ParameterDraws


def common_kpis(scenarios: Sequence[Scenario]) -> list[str]:
    """KPIs reported by every one of ``scenarios`` (in the first one's order; from the KPI
    registry, no model is built)."""
    names = [kpi_names(s) for s in scenarios]
    return [k for k in names[0] if all(k in other for other in names[1:])]


# --------------------------------------------------------------------------- comparison
@dataclass
class Comparison:
    """Results of :func:`compare`.

    Attributes:
        names: scenario names (unique), the first is the reference everything is compared to.
        scenarios: the validated scenarios, in the same order.
        seeds: the common replication seeds.
        metric: the KPI the verdict is about.
        results: per scenario name, its runs in seed order.
        table: tidy table with :data:`COLUMNS` (one row per scenario × KPI).
        attribution: per scenario name, channel attribution (see :mod:`sim.analysis.attribution`),
            when it was requested.
        elapsed: wall time of all runs, seconds.
        notes: warnings about the comparison (e.g. scenarios of different sizes).
        uncertainty: the parameter draws each replication made (``None``: seed noise only).
        summaries: per scenario name, each run's KPIs as :func:`sim.analysis.fairness.user_summary`
            gives them (money totals in the budget's units, ``net_profit``, undefined ratios as
            NaN); every statistic and verdict is computed on these.
    """

    names: list[str]
    scenarios: list[Scenario]
    seeds: list[int]
    metric: str
    results: dict[str, list[RunResult]]
    table: pd.DataFrame
    attribution: dict[str, "Attribution"] | None = None
    elapsed: float = 0.0
    notes: list[str] = field(default_factory=list)
    summaries: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    uncertainty: "ParameterDraws | None" = None

    def __post_init__(self) -> None:
        if not self.summaries:
            self.summaries = {n: [user_summary(r.summary, s.money_scale) for r in self.results[n]]
                              for n, s in zip(self.names, self.scenarios)}

    @property
    def interval_source(self) -> str:
        """What every interval and P(beats) holds: ``seeds only`` or ``seeds + parameters``."""
        return "seeds only" if self.uncertainty is None else "seeds + parameters"

    def uncertainty_note(self) -> str:
        """One sentence naming the sources of uncertainty in the intervals."""
        if self.uncertainty is None:
            return ("Intervals and P(beats) hold seed noise only: the model's parameters are "
                    "taken as known (add --uncertainty POSTERIOR to include what is not known "
                    "about the market).")
        return "Intervals and P(beats) hold " + self.uncertainty.describe() + "."

    @property
    def reference(self) -> str:
        """The first scenario, which every other one is compared to."""
        return self.names[0]

    def values(self, kpi: str) -> pd.DataFrame:
        """One KPI's final values: one row per seed, one column per scenario."""
        return pd.DataFrame({n: [r[kpi] for r in self.summaries[n]] for n in self.names},
                            index=pd.Index(self.seeds, name="seed"))

    def paired(self, a: str, b: str, kpi: str | None = None) -> Paired:
        """Paired comparison of scenario ``b`` against ``a`` on ``kpi`` (default: the metric)."""
        kpi = kpi or self.metric
        v = self.values(kpi)
        return paired_stats(v[a].to_numpy(), v[b].to_numpy(), kpi, a, b)

    def ranking(self, kpi: str | None = None) -> list[tuple[str, float]]:
        """Scenarios ordered best first by their mean ``kpi``; undefined means come last."""
        kpi = kpi or self.metric
        means = self.values(kpi).mean(skipna=False)
        sign = 1.0 if lower_is_better(kpi) else -1.0
        return sorted(((n, float(means[n])) for n in self.names),
                      key=lambda t: (not np.isfinite(t[1]), sign * t[1] if np.isfinite(t[1])
                                     else 0.0))

    def objective(self, kpi: str | None = None) -> str:
        """The objective the verdict ranks on, in words."""
        kpi = kpi or self.metric
        way = "lower" if lower_is_better(kpi) else "higher"
        return f"Objective: {kpi_label(kpi)} ({way} is better)."

    def headline(self, kpi: str | None = None) -> str:
        """One sentence: which scenario is best on ``kpi`` and how sure that is."""
        kpi = kpi or self.metric
        ranking = self.ranking(kpi)
        if not np.isfinite(ranking[0][1]):
            return f"{kpi_label(kpi)} is undefined for every scenario (no denominator)."
        label, ref, n = kpi_label(kpi), self.reference, len(self.seeds)
        ranking = self.ranking(kpi)
        if len(ranking) < 2:
            return f"{ref}: {label} {fmt_value(ranking[0][1], kpi)} (nothing to compare)."
        best = ranking[0][0]
        if best == ref:
            others = [self.paired(ref, o, kpi).outcome for o in self.names[1:]]
            if all(o == "worse" for o in others):
                return f"Keep {ref}: every alternative does worse on {label} ({n} paired runs)."
            if all(o == "identical" for o in others):
                return f"All scenarios give identical {label} in every run."
            undefined = [o for o, x in zip(self.names[1:], others) if x == "undefined"]
            tail = (f"; {', '.join(undefined)}: {label} undefined (no denominator)"
                    if undefined else "")
            return (f"No alternative beats {ref} on {label}: {ref} has the best mean, and no "
                    f"alternative's difference is clearly better ({n} paired runs){tail}.")
        p = self.paired(ref, best, kpi)
        if p.outcome != "better":
            return (f"{best} has the best mean {label}, but its lead over {ref} is not "
                    f"distinguishable from noise in {n} paired runs ({100 * p.p_superior:.0f}% "
                    "wins).")
        text = (f"{best} is best on {label}: it beats {ref} in {100 * p.p_superior:.0f}% of "
                f"paired runs (mean {fmt_signed(p.diff, kpi)}{relative_note(p)}).")
        second = ranking[1][0]
        if second != ref:
            q = self.paired(second, best, kpi)
            if q.outcome == "better":
                text += (f" It also beats the runner-up {second} "
                         f"({100 * q.p_superior:.0f}% of runs).")
            else:
                text += (f" Its lead over the runner-up {second} is not distinguishable from "
                         f"noise ({100 * q.p_superior:.0f}% of runs).")
        return text

    def verdict_lines(self, kpi: str | None = None) -> list[str]:
        """The plain-language verdict: headline, ranking, each scenario against the first."""
        kpi = kpi or self.metric
        label = kpi_label(kpi)
        ranking = self.ranking(kpi)
        sep = " < " if lower_is_better(kpi) else " > "
        lines = [self.headline(kpi), self.objective(kpi),
                 f"{label} (mean of {len(self.seeds)} paired runs): "
                 + sep.join(f"{n} {fmt_value(m, kpi) if np.isfinite(m) else 'undefined'}"
                            for n, m in ranking) + "."]
        for name in self.names[1:]:
            lines.append(verdict_sentence(self.paired(self.reference, name, kpi)))
        fair = self.fairness_lines(kpi)
        if fair:
            lines[0] += (" But the plans differ in what they spend or sell, so this ranking is "
                         "not the whole story: see the differences and incremental profit below.")
        return lines + fair + [self.uncertainty_note()] + self.notes

    def fairness_lines(self, kpi: str | None = None) -> list[str]:
        """How the plans differ (budget, spend, price, margin) and, when their spends differ,
        each alternative's incremental net profit and incremental ROI against the reference."""
        kpi = kpi or self.metric
        if "spend" not in self.summaries[self.reference][0]:
            return []
        spend = self.values("spend")
        notes = difference_notes(self.names, self.scenarios, dict(spend.mean()), kpi_label(kpi))
        if not notes:
            return []
        net = self.values("net_profit")
        ref = self.reference
        return notes + [incremental_sentence(ref, n, (spend[n] - spend[ref]).to_numpy(),
                                             (net[n] - net[ref]).to_numpy(),
                                             float(spend[ref].mean()))
                        for n in self.names[1:]]

    @property
    def verdict(self) -> str:
        """:meth:`verdict_lines` joined into one paragraph."""
        return " ".join(self.verdict_lines())

    def to_csv(self, path: str | Path) -> Path:
        """Write :attr:`table` (exactly :data:`COLUMNS`) as CSV; returns the path. Names that
        start with ``= + - @`` are written as text, never as spreadsheet formulas."""
        path = Path(path)
        write_csv(self.table[COLUMNS], path)
        return path


def _resolve(scenarios: Sequence[Scenario | str | Path], overrides: Sequence[str] | dict[str, Any],
             names: Sequence[str] | None) -> tuple[list[Scenario], list[str]]:
    if len(scenarios) < 1:
        raise ValueError("compare needs at least one scenario")
    loaded: list[Scenario] = []
    raw: list[str] = []
    for i, item in enumerate(scenarios):
        if isinstance(item, Scenario):
            scn = item.with_overrides(overrides) if overrides else item
            raw.append(scn.name or f"scenario {i + 1}")
        else:
            scn = load_scenario(Path(item), overrides)
            raw.append(scn.name or Path(item).stem)
        loaded.append(scn)
    if names is not None:
        if len(names) != len(loaded):
            raise ValueError(f"names: expected {len(loaded)} names, got {len(names)}")
        raw = list(names)
    unique: list[str] = []
    for n in raw:
        cand, k = n, 2
        while cand in unique:
            cand, k = f"{n} ({k})", k + 1
        unique.append(cand)
    return loaded, unique


def _notes(scenarios: list[Scenario], names: list[str]) -> list[str]:
    notes = []
    for attr in ("consumers", "days", "mode"):
        vals = {getattr(s.run, attr) for s in scenarios}
        if len(vals) > 1:
            shown = ", ".join(f"{n}: {getattr(s.run, attr)}" for n, s in zip(names, scenarios))
            notes.append(f"Note: the scenarios differ in run.{attr} ({shown}), so paired runs do "
                         "not share the same world; differences include that change.")
    return notes


def compare(
    scenarios: Sequence[Scenario | str | Path], reps: int, seed: int | None = None,
    metric: str = "roi", workers: int = 1, on_done: Callable[[RunResult], None] | None = None,
    *, overrides: Sequence[str] | dict[str, Any] = (), names: Sequence[str] | None = None,
    attribution_reps: int = 0, equalize: str | None = None,
    uncertainty: "ParameterDraws | None" = None, scheduler: str | None = None,
) -> Comparison:
    """Run every scenario with the same ``reps`` replication seeds and compare them.

    Args:
        scenarios: scenarios or TOML files; the first is the reference.
        reps: replications per scenario (≥ 1; intervals need ≥ 2).
        seed: base seed (default: the first scenario's ``run.seed``); replication ``i`` of
            every scenario uses ``seed + i``.
        metric: KPI the verdict is about (any key of a run's summary, e.g. ``roi``, ``gmv``).
        workers: local processes; results are identical to a serial run.
        scheduler: Dask scheduler address (``tcp://HOST:PORT`` or ``"local"``); overrides
            ``workers`` (see :func:`sim.execution.executors.map_runs`).
        on_done: called with each finished run (base and counterfactual), for progress bars.
        overrides: dotted ``key=value`` overrides applied to every scenario.
        names: display names (default: each scenario's ``name``, else the file stem).
        attribution_reps: if > 0, also measure channel attribution (first touch, last touch
            and incremental orders by removing each channel) on the first that many seeds;
            costs one extra run per paid channel and seed.
        equalize: ``"budget"`` rescales every plan's budget to the first plan's before running
            (:func:`sim.analysis.fairness.equalize_budgets`); ``None`` runs them as written.
        uncertainty: parameter draws (:mod:`sim.execution.uncertainty`): replication ``i`` of
            every scenario uses the same drawn parameter vector, so intervals and P(superior)
            include parameter uncertainty.

    Raises:
        ScenarioError: a scenario file or override is invalid.
        ValueError: ``reps`` < 1, unknown ``metric``, bad ``attribution_reps``.
    """
    _check_counts(reps, attribution_reps)
    loaded, unique = _resolve(scenarios, overrides, names)
    loaded, eq_notes = _equalized(loaded, equalize)
    _check_metric(metric, loaded)
    base_seed = loaded[0].run.seed if seed is None else seed
    seeds = replication_seeds(loaded[0], reps, base_seed)

    jobs = [job for s in loaded for job in replication_jobs(s, seeds, True, uncertainty)]
    cf_jobs, cf_index = _counterfactual_jobs(loaded, seeds[:attribution_reps], uncertainty)
    start = time.perf_counter()
    out = run_jobs(_run_job, jobs + cf_jobs, workers=workers, scheduler=scheduler,
                   on_done=on_done)
    elapsed = time.perf_counter() - start

    results = {n: out[i * reps:(i + 1) * reps] for i, n in enumerate(unique)}
    attribution = None
    if attribution_reps:
        attribution = _attribution(loaded, unique, results, out[len(loaded) * reps:], cf_index,
                                   attribution_reps)
    summaries = {n: [user_summary(r.summary, loaded[i].money_scale) for r in results[n]]
                 for i, n in enumerate(unique)}
    kpis = [k for k in summaries[unique[0]][0] if all(k in summaries[n][0] for n in unique)]
    table = comparison_table(unique, summaries, kpis)
    return Comparison(unique, loaded, seeds, metric, results, table, attribution, elapsed,
                      eq_notes + _notes(loaded, unique), summaries, uncertainty)


def _check_counts(reps: int, attribution_reps: int) -> None:
    """At least one replication; attribution on 0..reps of them (else ValueError)."""
    if reps < 1:
        raise ValueError(f"reps: must be at least 1 (got {reps})")
    if not 0 <= attribution_reps <= reps:
        raise ValueError(f"attribution_reps: must be 0..{reps} (got {attribution_reps})")


def _equalized(scenarios: list[Scenario], equalize: str | None) -> tuple[list[Scenario], list[str]]:
    """The scenarios with every budget rescaled to the first's (``"budget"``) or as written
    (``None``), and the notes saying what was rescaled."""
    if equalize == "budget":
        return equalize_budgets(scenarios)
    if equalize is not None:
        raise ValueError(f"equalize: unknown value {equalize!r}; allowed: budget")
    return scenarios, []


def _check_metric(metric: str, scenarios: list[Scenario]) -> None:
    """The verdict metric is a KPI every scenario reports (else ValueError naming the core KPIs)."""
    known = common_kpis(scenarios)
    if metric not in known:
        core = [k for k in known if not k.startswith(DIAGNOSTIC_PREFIXES)]
        raise ValueError(f"metric: unknown KPI {metric!r}; allowed: {', '.join(core)}")


def _counterfactual_jobs(scenarios: list[Scenario], seeds: list[int],
                         uncertainty: "ParameterDraws | None") -> tuple[list, list[tuple[int, str]]]:
    """Jobs with one paid channel removed, per scenario, channel and seed (none if ``seeds`` is
    empty), and the (scenario index, channel) of each block of ``len(seeds)`` jobs."""
    from sim.analysis.attribution import attribution_channels, counterfactual_jobs

    jobs: list = []
    index: list[tuple[int, str]] = []
    if seeds:
        for i, s in enumerate(scenarios):
            for ch in attribution_channels(s):
                index.append((i, ch))
                jobs += counterfactual_jobs(s, ch, seeds, uncertainty)
    return jobs, index


def _attribution(scenarios: list[Scenario], names: list[str],
                 results: dict[str, list[RunResult]], removed_runs: list[RunResult],
                 index: list[tuple[int, str]], reps: int) -> dict[str, "Attribution"]:
    """Attribution per scenario from its first ``reps`` runs and the counterfactual runs
    (``removed_runs``: blocks of ``reps`` runs in the order of ``index``)."""
    from sim.analysis.attribution import attribution_from_runs

    removed: dict[int, dict[str, list[RunResult]]] = {i: {} for i in range(len(scenarios))}
    for k, (i, ch) in enumerate(index):
        removed[i][ch] = removed_runs[k * reps:(k + 1) * reps]
    return {n: attribution_from_runs(scenarios[i], results[n][:reps], removed[i], name=n)
            for i, n in enumerate(names)}

__all__ = ["COLUMNS", "LOWER_IS_BETTER", "Comparison", "Paired", "common_kpis", "compare",
           "comparison_table", "fmt_signed", "fmt_value", "is_money", "is_ratio", "kpi_label",
           "kpi_names", "paired_stats", "verdict_sentence", "ScenarioError"]
