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

from sim.analysis.fairness import (bounded_interval, difference_notes, equalize_budgets,
                                   incremental_sentence, user_summary)
from sim.config.formatting import fmt_number, write_csv
from sim.config.kpis import (DIAGNOSTIC_PREFIXES, LOWER_IS_BETTER, is_money, is_ratio,
                             kpi_label, kpi_names, lower_is_better)
from sim.config.scenario import Scenario, ScenarioError, load_scenario
from sim.execution.runner import (RunResult, _run_job, mean_interval, replication_jobs,
                                  replication_seeds, run_jobs)

if TYPE_CHECKING:
    from sim.analysis.attribution import Attribution
    from sim.execution.uncertainty import ParameterDraws

COLUMNS = ["scenario", "kpi", "mean", "lo", "hi", "diff", "diff_lo", "diff_hi", "p_superior"]
"""Columns of the tidy comparison table (and of ``comparison.csv``)."""


def common_kpis(scenarios: Sequence[Scenario]) -> list[str]:
    """KPIs reported by every one of ``scenarios`` (in the first one's order; from the KPI
    registry, no model is built)."""
    names = [kpi_names(s) for s in scenarios]
    return [k for k in names[0] if all(k in other for other in names[1:])]


# --------------------------------------------------------------------------- statistics
@dataclass(frozen=True)
class Paired:
    """Paired comparison of scenario ``b`` against ``a`` on one KPI (b − a per replication)."""

    kpi: str
    a: str
    b: str
    mean_a: float
    mean_b: float
    diff: float
    diff_lo: float
    diff_hi: float
    p_superior: float  # share of replications where b beats a (ties count 1/2)
    n: int
    identical: bool  # every paired difference is exactly 0

    @property
    def lower_is_better(self) -> bool:
        return lower_is_better(self.kpi)

    @property
    def outcome(self) -> str:
        """``"better"``, ``"worse"``, ``"unclear"`` (interval includes 0), ``"identical"`` or
        ``"undefined"`` (the KPI has no denominator in some run of either plan)."""
        if not np.isfinite(self.diff):
            return "undefined"
        if self.identical:
            return "identical"
        if self.n < 2 or self.diff_lo <= 0.0 <= self.diff_hi:
            return "unclear"
        up = self.diff_lo > 0.0
        return "better" if up != self.lower_is_better else "worse"


def paired_stats(a: np.ndarray, b: np.ndarray, kpi: str, name_a: str = "A",
                 name_b: str = "B") -> Paired:
    """Paired difference ``b − a`` (same seeds), its 95 % t-interval and P(b beats a)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError(f"paired values need two equal-length 1-d arrays, got {a.shape}, "
                         f"{b.shape}")
    d = b - a
    if np.isnan(d).any():
        return Paired(kpi, name_a, name_b, float(a.mean()), float(b.mean()), np.nan, np.nan,
                      np.nan, np.nan, len(d), False)
    m, lo, hi = mean_interval(d)
    wins = d < 0 if lower_is_better(kpi) else d > 0
    p = float((wins.sum() + 0.5 * (d == 0).sum()) / len(d))
    return Paired(kpi, name_a, name_b, float(a.mean()), float(b.mean()), m, lo, hi, p, len(d),
                  bool(np.all(d == 0)))


# --------------------------------------------------------------------------- formatting
def fmt_value(x: float, kpi: str = "") -> str:
    """A number for prose (:func:`sim.config.formatting.fmt_number`), with ``yuan`` for money."""
    return fmt_number(x, "yuan" if kpi and is_money(kpi) else "")


def fmt_signed(x: float, kpi: str = "") -> str:
    """Like :func:`fmt_value` with an explicit sign (+0.21, -1,204 yuan)."""
    return fmt_number(x, "yuan" if kpi and is_money(kpi) else "", signed=True)


def _relative(p: Paired) -> str:
    if p.mean_a <= 0 or not np.isfinite(p.mean_a) or is_ratio(p.kpi):
        return ""
    return f", {100 * p.diff / abs(p.mean_a):+.0f}% vs {p.a}"


def verdict_sentence(p: Paired) -> str:
    """Plain-language verdict of one paired comparison."""
    label = kpi_label(p.kpi)
    low = " (lower is better)" if p.lower_is_better else ""
    ci = f"95% CI {fmt_signed(p.diff_lo, p.kpi)} to {fmt_signed(p.diff_hi, p.kpi)}"
    pct = f"{100 * p.p_superior:.0f}%"
    match p.outcome:
        case "undefined":
            return (f"{p.b} vs {p.a} on {label}: undefined in some runs (the ratio has no "
                    "denominator, e.g. no buyers or no spend), so it cannot be compared.")
        case "identical":
            return f"{p.b} and {p.a} give identical {label} in every run (difference 0)."
        case "better":
            return (f"{p.b} beats {p.a} on {label}{low} in {pct} of runs "
                    f"(mean {fmt_signed(p.diff, p.kpi)}{_relative(p)}; {ci}).")
        case "worse":
            return (f"{p.b} does worse than {p.a} on {label}{low}: it beats {p.a} in only {pct} "
                    f"of runs (mean {fmt_signed(p.diff, p.kpi)}{_relative(p)}; {ci}).")
        case _:
            if p.n < 2:
                return (f"{p.b} vs {p.a} on {label}: {fmt_signed(p.diff, p.kpi)} from a single "
                        "run; no uncertainty estimate (use more replications).")
            return (f"{p.b} and {p.a} are not distinguishable on {label}{low}: {p.b} beats "
                    f"{p.a} in {pct} of runs, but the {ci} of the difference includes zero "
                    f"(mean {fmt_signed(p.diff, p.kpi)}).")


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
                f"paired runs (mean {fmt_signed(p.diff, kpi)}{_relative(p)}).")
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


def comparison_table(names: list[str], summaries: dict[str, list[dict[str, float]]],
                     kpis: list[str]) -> pd.DataFrame:
    """The tidy table (:data:`COLUMNS`): per scenario and KPI, mean and interval (within the
    KPI's bounds, :func:`sim.analysis.fairness.bounded_interval`), the paired difference to the
    first scenario with its interval, and P(superior); NaN where the KPI is undefined."""
    rows = []
    ref = names[0]
    for kpi in kpis:
        base = np.array([r[kpi] for r in summaries[ref]], dtype=float)
        for name in names:
            vals = np.array([r[kpi] for r in summaries[name]], dtype=float)
            m, lo, hi = bounded_interval(vals, kpi)
            p = paired_stats(base, vals, kpi, ref, name)
            rows.append({"scenario": name, "kpi": kpi, "mean": m, "lo": lo, "hi": hi,
                         "diff": p.diff, "diff_lo": p.diff_lo, "diff_hi": p.diff_hi,
                         "p_superior": p.p_superior})
    return pd.DataFrame(rows, columns=COLUMNS)


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
    from sim.analysis.attribution import attribution_channels, attribution_from_runs, counterfactual_jobs

    if reps < 1:
        raise ValueError(f"reps: must be at least 1 (got {reps})")
    if not 0 <= attribution_reps <= reps:
        raise ValueError(f"attribution_reps: must be 0..{reps} (got {attribution_reps})")
    loaded, unique = _resolve(scenarios, overrides, names)
    eq_notes: list[str] = []
    if equalize == "budget":
        loaded, eq_notes = equalize_budgets(loaded)
    elif equalize is not None:
        raise ValueError(f"equalize: unknown value {equalize!r}; allowed: budget")
    known = common_kpis(loaded)
    if metric not in known:
        core = [k for k in known if not k.startswith(DIAGNOSTIC_PREFIXES)]
        raise ValueError(f"metric: unknown KPI {metric!r}; allowed: {', '.join(core)}")
    base_seed = loaded[0].run.seed if seed is None else seed
    seeds = replication_seeds(loaded[0], reps, base_seed)

    jobs = [job for s in loaded for job in replication_jobs(s, seeds, True, uncertainty)]
    cf_index: list[tuple[int, str]] = []  # (scenario index, channel) per counterfactual block
    if attribution_reps:
        for i, s in enumerate(loaded):
            for ch in attribution_channels(s):
                cf_index.append((i, ch))
                jobs += counterfactual_jobs(s, ch, seeds[:attribution_reps], uncertainty)
    start = time.perf_counter()
    out = run_jobs(_run_job, jobs, workers=workers, scheduler=scheduler, on_done=on_done)
    elapsed = time.perf_counter() - start

    results = {n: out[i * reps:(i + 1) * reps] for i, n in enumerate(unique)}
    attribution = None
    if attribution_reps:
        attribution = {}
        pos = len(loaded) * reps
        removed: dict[int, dict[str, list[RunResult]]] = {i: {} for i in range(len(loaded))}
        for i, ch in cf_index:
            removed[i][ch] = out[pos:pos + attribution_reps]
            pos += attribution_reps
        for i, n in enumerate(unique):
            attribution[n] = attribution_from_runs(
                loaded[i], results[n][:attribution_reps], removed[i], name=n)
    summaries = {n: [user_summary(r.summary, loaded[i].money_scale) for r in results[n]]
                 for i, n in enumerate(unique)}
    kpis = [k for k in summaries[unique[0]][0] if all(k in summaries[n][0] for n in unique)]
    table = comparison_table(unique, summaries, kpis)
    return Comparison(unique, loaded, seeds, metric, results, table, attribution, elapsed,
                      eq_notes + _notes(loaded, unique), summaries, uncertainty)


__all__ = ["COLUMNS", "LOWER_IS_BETTER", "Comparison", "Paired", "common_kpis", "compare",
           "comparison_table", "fmt_signed", "fmt_value", "is_money", "is_ratio", "kpi_label",
           "kpi_names", "paired_stats", "verdict_sentence", "ScenarioError"]
