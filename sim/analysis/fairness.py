"""Fair verdicts: undefined ratios, bounded intervals, money in the budget's units, plan facts.

A verdict that ranks plans on one ratio can mislead when the plans spend different amounts, sell
at different prices or margins, or when a ratio has no denominator. This module holds the rules
:mod:`sim.analysis.comparison` applies to every run before it compares anything:

* **Undefined ratios.** A ratio whose denominator is 0 in a run (CAC with no buyers, ROI with no
  spend, cost per member with no members, ...) is *undefined* (NaN), not 0. A plan whose KPI is
  undefined in any run has an undefined mean: it is listed last and never wins.
* **Money in the units of the budget the user wrote.** Scenario budgets are written for
  ``run.reference_consumers`` consumers; the model scales every amount by ``money_scale =
  consumers / reference_consumers``. Money *totals* (GMV, spend, profit, spend per channel,
  GMV per retailer) are divided by that factor again, so a 2,000,000 yuan budget shows spend
  close to 2,000,000 yuan. Per-unit amounts (CAC, cost per member, prices) need no conversion;
  counts (orders, buyers, reach) stay counts of the simulated consumers.
* **Net profit.** ``net_profit = profit − spend`` (gross margin minus marketing spend, yuan) is
  added to every run: the amount a plan adds to the bottom line, the basis of incremental ROI.
* **Bounded intervals.** The 95 % interval of a KPI's mean is the Student-t interval when it
  stays within the KPI's range (registry bounds: shares 0–1, counts and money ≥ 0); otherwise the
  bootstrap percentile interval (2,000 resamples, fixed seed), which never leaves the range of
  the data. Both hold run-to-run (replication) uncertainty only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from sim.config.kpis import lookup
from sim.execution.runner import mean_interval

if TYPE_CHECKING:
    from sim.config.scenario import Scenario

DENOMINATORS: dict[str, Callable[[Mapping[str, float]], float]] = {
    "roi": lambda s: s["spend"],
    "roas": lambda s: s["spend"],
    "cac": lambda s: s["buyers"],
    "repurchase_rate": lambda s: s["buyers"],
    "breakout": lambda s: s["buyers"],
    "engagement_rate": lambda s: s["exposures"],
    "cost_per_member": lambda s: s["members"],
    "fission": lambda s: s["members"] - s["referred_members"],
    "platform_dependence": lambda s: s["orders"],
    "platform_hhi": lambda s: s["orders"],
}
"""Ratio KPI -> its denominator in a run's summary; the ratio is undefined when it is 0."""

DERIVED = ("net_profit",)
"""KPIs the comparison adds to every run (not reported by the model, not in the registry)."""

BOOTSTRAP_RESAMPLES = 2000


def is_money_total(kpi: str) -> bool:
    """True for an amount of yuan that grows with the market (GMV, spend, profit, spend per
    channel, GMV per retailer: registry kind ``money`` in unit ``yuan``); per-unit amounts
    (CAC, cost per member, price) are not."""
    if kpi == "net_profit":
        return True
    info = lookup(kpi)
    return info is not None and info.is_money and info.unit == "yuan"


def kpi_bounds(kpi: str) -> tuple[float, float]:
    """The range a KPI can take (the registry's bounds: shares 0–1, counts and money ≥ 0, ROI
    and profit any sign); net profit any sign; an unknown name is unbounded."""
    info = lookup(kpi)
    if kpi in DERIVED or info is None:
        return -math.inf, math.inf
    return info.bounds


def is_undefined(summary: Mapping[str, float], kpi: str) -> bool:
    """True if ``kpi`` is a ratio whose denominator is 0 in this run."""
    den = DENOMINATORS.get(kpi)
    if den is None:
        return False
    try:
        return den(summary) == 0
    except KeyError:  # reference modes report fewer KPIs
        return False


def user_summary(summary: Mapping[str, float], money_scale: float) -> dict[str, float]:
    """A run's KPIs as a strategist reads them: money totals in the budget's units, ``net_profit``
    added, undefined ratios as NaN (see the module docstring)."""
    out = dict(summary)
    if "profit" in out and "spend" in out:
        out["net_profit"] = out["profit"] - out["spend"]
    for k, v in out.items():
        if is_money_total(k):
            out[k] = v / money_scale
    for k in DENOMINATORS:
        if k in out and is_undefined(summary, k):
            out[k] = math.nan
    return out


def bounded_interval(values: Sequence[float], kpi: str,
                     level: float = 0.95) -> tuple[float, float, float]:
    """Mean and a ``level`` interval of the mean that respects the KPI's bounds.

    Student-t when it stays inside :func:`kpi_bounds`, else the bootstrap percentile interval
    (seeded, so the same values give the same interval). NaN in -> NaN out (undefined KPI).
    """
    x = np.asarray(values, dtype=float)
    if np.isnan(x).any():
        return math.nan, math.nan, math.nan
    m, lo, hi = mean_interval(x, level)
    low, high = kpi_bounds(kpi)
    if lo >= low and hi <= high:
        return m, lo, hi
    res = stats.bootstrap((x,), np.mean, confidence_level=level, method="percentile",
                          n_resamples=BOOTSTRAP_RESAMPLES, vectorized=True,
                          random_state=np.random.default_rng(0))
    ci = res.confidence_interval
    return m, float(max(ci.low, low)), float(min(ci.high, high))


# --------------------------------------------------------------------------- plan facts
def plan_facts(scenario: "Scenario") -> dict[str, float]:
    """What a plan commits to: total budget (yuan, as written), and the first retailer's price
    (yuan) and gross margin (share)."""
    rets = scenario.retailers
    if not rets:
        return {}
    return {"budget": float(sum(r.budget for r in rets)), "price": float(rets[0].price),
            "margin": float(rets[0].margin)}


def _fmt(x: float, money: bool) -> str:
    if money:
        return f"{x:,.0f} yuan"
    return f"{x:.0%}" if x <= 1 else f"{x:g}"


def difference_notes(names: Sequence[str], scenarios: Sequence["Scenario"],
                     mean_spend: Mapping[str, float], metric: str) -> list[str]:
    """Sentences naming every way the plans differ in budget, spend, price or margin."""
    facts = [plan_facts(s) for s in scenarios]
    if not all(facts):
        return []
    notes = []
    for key, what, money in (("budget", "budget", True), ("price", "price", True),
                             ("margin", "gross margin", False)):
        vals = [f[key] for f in facts]
        if max(vals) - min(vals) > 1e-9 * max(1.0, abs(max(vals))):
            shown = "; ".join(f"{n} {_fmt(v, money)}" for n, v in zip(names, vals))
            notes.append(f"The plans differ in {what}: {shown}.")
    spends = [mean_spend[n] for n in names]
    if spends and max(spends) > 0 and (max(spends) - min(spends)) / max(spends) > 0.01:
        shown = "; ".join(f"{n} {v:,.0f} yuan" for n, v in zip(names, spends))
        notes.append(f"Mean spend differs: {shown}. A ratio such as {metric} compares returns "
                     "per yuan, not totals; see the incremental profit and incremental ROI.")
    return notes


def incremental_sentence(ref: str, name: str, d_spend: np.ndarray, d_net: np.ndarray,
                         ref_spend: float) -> str:
    """Plain words for the extra spend and extra net profit of ``name`` over ``ref`` (paired
    replications, yuan), and the incremental ROI: Δ net profit / Δ spend between the plan that
    spends more and the one that spends less (net profit each extra yuan returns after paying
    for itself; 0 = break even). Undefined when the spends differ by less than 1 % of the
    reference's spend."""
    ms, mn = float(np.mean(d_spend)), float(np.mean(d_net))
    _, lo, hi = mean_interval(d_net)
    band = f" (95% CI {lo:+,.0f} to {hi:+,.0f})" if len(d_net) > 1 and lo != hi else ""
    text = (f"{name} vs {ref}: {ms:+,.0f} yuan of spend, {mn:+,.0f} yuan of net profit "
            f"(gross margin minus spend){band}")
    if abs(ms) <= 0.01 * max(abs(ref_spend), 1.0):
        return text + "; incremental ROI undefined (the spends are nearly equal)."
    more, less = (name, ref) if ms > 0 else (ref, name)
    return (text + f"; incremental ROI {mn / ms:+.2f}: each extra yuan {more} spends beyond "
            f"{less} returns {mn / ms:+.2f} yuan of net profit.")


def equalize_budgets(scenarios: Sequence["Scenario"]) -> tuple[list["Scenario"], list[str]]:
    """Rescale every plan's retailer budgets so its total equals the first plan's (shares among
    retailers and channels kept). Returns the scenarios and one note per changed plan."""
    if not scenarios or not scenarios[0].retailers:
        return list(scenarios), []
    target = sum(r.budget for r in scenarios[0].retailers)
    out, notes = [scenarios[0]], []
    for s in scenarios[1:]:
        total = sum(r.budget for r in s.retailers)
        if total <= 0 or abs(total - target) <= 1e-9 * target:
            out.append(s)
            continue
        factor = target / total
        over = {f"retailers.{i}.budget": r.budget * factor for i, r in enumerate(s.retailers)}
        out.append(s.with_overrides(over))
        notes.append(f"{s.name or 'a plan'}: budget {total:,.0f} yuan rescaled to "
                     f"{target:,.0f} yuan (× {factor:.3g}) by --equalize budget.")
    return out, notes


__all__ = ["DENOMINATORS", "bounded_interval", "difference_notes", "equalize_budgets",
           "incremental_sentence", "is_money_total", "is_undefined", "kpi_bounds", "plan_facts",
           "user_summary"]
