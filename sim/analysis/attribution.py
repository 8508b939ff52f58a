"""Channel attribution: first-touch and last-touch credit against true incremental orders.

First touch and last touch are the heuristics platforms and dashboards report: an order is
credited to the channel of the consumer's first (or last) exposure to the retailer's content
(counters in :class:`sim.engine.metrics.MetricsBook`; paid channels are the influencer tiers, ``ads``,
``community`` and ``coupons``; ``wom`` and ``ugc`` are consumers' own word of mouth and posts).

Incremental orders are what a channel actually causes. For each paid channel the scenario is
run again under the *same seed* (common random numbers: same world, same random streams) with
that channel switched off for every retailer (``disabled_channels``): its money is not spent
and every other channel keeps exactly its own yuan (no renormalisation). The incremental orders
(GMV, spend) of the channel are the paired differences full − removed, averaged over seeds with
a 95 % t-interval. Channel effects interact (a KOC seeds the word of mouth that a community
then converts), so incremental orders need not add up to total orders.

Where the heuristics mislead shows up in the ratio ``last_touch_ratio`` = last-touch orders /
incremental orders: above 1 the channel is over-credited (it often touches consumers who would
have bought anyway, e.g. the private community touching existing customers before repeat
orders), below 1 under-credited (coupons never "touch" anyone yet change conversion; head KOLs
start journeys that other channels close).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.execution.runner import (RunResult, _run_job, mean_interval, replication_jobs,
                                  replication_seeds, run_jobs)
from sim.config.channels import paid_channel_names
from sim.config.scenario import Scenario

if TYPE_CHECKING:
    from sim.execution.uncertainty import ParameterDraws

TABLE_COLUMNS = [
    "channel", "kind", "spend", "first_touch_orders", "last_touch_orders", "incremental_orders",
    "incremental_lo", "incremental_hi", "incremental_gmv", "incremental_gmv_lo",
    "incremental_gmv_hi", "incremental_roi", "first_touch_ratio", "last_touch_ratio", "n",
]
"""Columns of :attr:`Attribution.table` (and of ``attribution.csv``). Orders and GMV (yuan) are
means over seeds; ``*_lo``/``*_hi`` the 95 % interval of the incremental mean;
``incremental_roi`` = (Δ gross margin − Δ spend) / Δ spend of removing the channel;
``*_ratio`` = heuristic credit / incremental orders (NaN when incremental orders ≤ 0)."""


def paid_channels(scenario: Scenario) -> list[str]:
    """Every budget channel of the scenario, in the model's channel order."""
    return paid_channel_names(scenario.influencers)


def attribution_channels(scenario: Scenario) -> list[str]:
    """Paid channels with a positive share in some retailer's allocation (and not already
    disabled there): the ones whose removal is simulated. Any other channel has no money to
    remove; its incremental orders are 0 by construction."""
    return [ch for ch in paid_channels(scenario)
            if any(r.allocation.get(ch, 0.0) > 0 and ch not in r.disabled_channels
                   for r in scenario.retailers)]


def without_channel(scenario: Scenario, channel: str) -> Scenario:
    """The scenario with ``channel`` switched off for every retailer (other lines unchanged)."""
    if channel not in paid_channels(scenario):
        raise ValueError(f"channel: unknown paid channel {channel!r}; "
                         f"allowed: {paid_channels(scenario)}")
    return scenario.with_overrides({
        f"retailers.{r.name}.disabled_channels": sorted({*r.disabled_channels, channel})
        for r in scenario.retailers
    })


def counterfactual_jobs(scenario: Scenario, channel: str, seeds: Sequence[int],
                        uncertainty: "ParameterDraws | None" = None) -> list[tuple]:
    """Runner jobs of the channel-removed runs (:func:`sim.execution.runner.replication_jobs`:
    with ``uncertainty`` each seed keeps the parameter draw of its full run)."""
    removed = without_channel(scenario, channel)
    return replication_jobs(removed, list(seeds), False, uncertainty)


def gross_margin(scenario: Scenario, summary: dict[str, float]) -> float:
    """Gross profit over retailers (yuan) from a run's summary: the ``profit`` KPI, else
    Σ GMV × margin."""
    if "profit" in summary:
        return summary["profit"]
    if len(scenario.retailers) == 1:
        return summary["gmv"] * scenario.retailers[0].margin
    return sum(summary[f"{r.name}_gmv"] * r.margin for r in scenario.retailers)


@dataclass
class Attribution:
    """Attribution of one scenario.

    ``per_seed``: one row per seed and channel (heuristic credit and paired differences);
    ``table``: :data:`TABLE_COLUMNS`, one row per channel; ``total_orders``: mean orders of the
    full scenario over the same seeds.
    """

    scenario: str
    seeds: list[int]
    per_seed: pd.DataFrame
    table: pd.DataFrame
    total_orders: float
    tolerance: float = 1.5  # analysis.attribution_tolerance of the scenario

    def findings(self) -> list[str]:
        """Plain sentences: per channel whether last touch over- or under-credits it; the
        channels whose effect is not distinguishable from 0 are named together at the end."""
        out, uncertain = [], []
        for row in self.table.itertuples():
            reading = classify(row, self.tolerance)
            if reading.kind == "uncertain":
                uncertain.append(row.channel)
            elif reading.sentence:
                out.append(reading.sentence)
        if uncertain:
            out.append(f"Not distinguishable from zero with {len(self.seeds)} seed(s): "
                       f"{', '.join(uncertain)} (more seeds narrow the intervals).")
        return out


@dataclass(frozen=True)
class Reading:
    """How last-touch credit compares with a channel's incremental orders.

    ``kind``: ``organic`` (no budget), ``unused`` (no money, no credit), ``over`` (last touch
    credits more than ``tolerance`` × the incremental orders — ``analysis.attribution_tolerance``,
    default 1.5 — or more than the upper end of their 95 % interval when that includes 0),
    ``under`` (less than 1/tolerance of a clearly positive effect), ``ok`` (within tolerance
    either way), ``uncertain`` (the effect's interval includes 0 and the
    credit is within it), ``hurts`` (removing the channel raises orders), ``unmeasured`` (its
    removal was not simulated).
    """

    kind: str
    ratio: float  # last touch / incremental orders (NaN unless the effect is clearly positive)
    sentence: str


def classify(row, tolerance: float = 1.5) -> Reading:
    """Read one row of :attr:`Attribution.table` (a namedtuple from ``itertuples``);
    ``tolerance`` (> 1) is how far last-touch credit may stray from the incremental orders
    before it is called over- or under-credited."""
    ch, lt, inc = row.channel, row.last_touch_orders, row.incremental_orders
    if row.kind == "organic":
        what = "buyers' own posts" if ch == "ugc" else "consumers' word of mouth"
        text = (f"{ch}: last touch credits {_orders(lt)} to {what}, which has no budget; those "
                "orders were set off by the paid channels." if round(lt) > 0 else "")
        return Reading("organic", np.nan, text)
    if row.spend <= 0 and round(lt) <= 0 and inc == 0:
        return Reading("unused", np.nan, "")
    if not np.isfinite(inc):
        return Reading("unmeasured", np.nan, "")
    lo, hi = (row.incremental_lo, row.incremental_hi) if row.n >= 2 else (inc, inc)
    ci = f"95% CI {lo:+.0f} to {hi:+.0f}" if row.n >= 2 else "one seed"
    if hi < 0:
        return Reading("hurts", np.nan, f"{ch}: removing it raises orders by {-inc:.0f} ({ci}): "
                       f"the channel costs orders, yet last touch credits {_orders(lt)}.")
    if lo <= 0:
        if lt > hi:
            return Reading("over", np.nan, f"{ch}: last touch credits {_orders(lt)}, more than "
                           f"its plausible effect (incremental {inc:+.0f}, {ci}): over-credited.")
        return Reading("uncertain", np.nan, f"{ch}: last touch credits {_orders(lt)}; its "
                       f"incremental orders ({inc:+.0f}, {ci}) are not distinguishable from 0 "
                       f"with {row.n} seed(s).")
    ratio = lt / inc
    if ratio > tolerance:
        kind, word = "over", f"over-credited {ratio:.1f}×"
    elif ratio < 1 / tolerance:
        kind, word = "under", f"under-credited (last touch sees {ratio:.0%} of its effect)"
    else:
        kind, word = "ok", f"about right ({ratio:.1f}×)"
    return Reading(kind, ratio, f"{ch}: last touch {lt:.0f} vs incremental {inc:.0f} orders "
                   f"({ci}): {word}.")


def _orders(x: float) -> str:
    return f"{x:.0f} order" + ("" if round(x) == 1 else "s")


def attribution_from_runs(scenario: Scenario, base: Sequence[RunResult],
                          removed: dict[str, Sequence[RunResult]], name: str = "") -> Attribution:
    """Combine full runs and channel-removed runs (same seeds, same order) into attribution."""
    if not base:
        raise ValueError("attribution needs at least one full run")
    paid = set(paid_channels(scenario))
    funded = set(attribution_channels(scenario))
    rows = []
    for j, res in enumerate(base):
        if res.attribution is None:
            raise ValueError(f"run with seed {res.seed} has no attribution table")
        full_margin = gross_margin(scenario, res.summary)
        for row in res.attribution.itertuples():
            ch = row.channel
            rec = {"seed": res.seed, "channel": ch,
                   "kind": "paid" if ch in paid else "organic", "spend": row.spend,
                   "first_touch_orders": row.first_touch_orders,
                   "last_touch_orders": row.last_touch_orders,
                   "first_touch_gmv": row.first_touch_gmv, "last_touch_gmv": row.last_touch_gmv}
            if ch in removed:
                cf = removed[ch][j]
                if cf.seed != res.seed:
                    raise ValueError(f"{ch}: removed run seed {cf.seed} != full run {res.seed}")
                d_spend = res.summary["spend"] - cf.summary["spend"]
                d_margin = full_margin - gross_margin(scenario, cf.summary)
                rec |= {"incremental_orders": res.summary["orders"] - cf.summary["orders"],
                        "incremental_gmv": res.summary["gmv"] - cf.summary["gmv"],
                        "incremental_spend": d_spend, "incremental_profit": d_margin - d_spend}
            elif ch in paid and ch not in funded:  # no money on this line: nothing to remove
                rec |= {"incremental_orders": 0.0, "incremental_gmv": 0.0,
                        "incremental_spend": 0.0, "incremental_profit": 0.0}
            else:  # organic, or a funded channel whose removal was not simulated
                rec |= {"incremental_orders": np.nan, "incremental_gmv": np.nan,
                        "incremental_spend": np.nan, "incremental_profit": np.nan}
            rows.append(rec)
    per_seed = pd.DataFrame(rows)
    table = _summarise(per_seed)
    total = float(np.mean([r.summary["orders"] for r in base]))
    return Attribution(name or scenario.name, [r.seed for r in base], per_seed, table, total,
                       scenario.analysis.attribution_tolerance)


def _summarise(per_seed: pd.DataFrame) -> pd.DataFrame:
    out = []
    for ch, g in per_seed.groupby("channel", sort=False):
        rec = {"channel": ch, "kind": g["kind"].iloc[0], "n": len(g)}
        for col in ("spend", "first_touch_orders", "last_touch_orders"):
            rec[col] = float(g[col].mean())
        if g["incremental_orders"].isna().all():
            rec |= dict.fromkeys(["incremental_orders", "incremental_lo", "incremental_hi",
                                  "incremental_gmv", "incremental_gmv_lo", "incremental_gmv_hi",
                                  "incremental_roi", "first_touch_ratio", "last_touch_ratio"],
                                 np.nan)
        else:
            m, lo, hi = mean_interval(g["incremental_orders"])
            gm, glo, ghi = mean_interval(g["incremental_gmv"])
            d_spend = float(g["incremental_spend"].mean())
            rec |= {"incremental_orders": m, "incremental_lo": lo, "incremental_hi": hi,
                    "incremental_gmv": gm, "incremental_gmv_lo": glo, "incremental_gmv_hi": ghi,
                    "incremental_roi": (float(g["incremental_profit"].mean()) / d_spend
                                        if d_spend > 0 else np.nan),
                    "first_touch_ratio": rec["first_touch_orders"] / m if m > 0 else np.nan,
                    "last_touch_ratio": rec["last_touch_orders"] / m if m > 0 else np.nan}
        out.append(rec)
    return pd.DataFrame(out, columns=TABLE_COLUMNS)


def measure_attribution(
    scenario: Scenario, reps: int | None = None, seed: int | None = None, *, workers: int = 1,
    on_done: Callable[[RunResult], None] | None = None, keep_timeseries: bool = False,
    channels: Sequence[str] | None = None, uncertainty: "ParameterDraws | None" = None,
    scheduler: str | None = None,
) -> tuple[list[RunResult], Attribution]:
    """Run the full scenario and, per paid channel, the channel-removed scenario on the same
    seeds (``reps`` × (1 + channels) runs, one :func:`~sim.execution.executors.map_runs` call on
    ``workers`` local processes or the Dask cluster at ``scheduler``). Returns the full runs and the
    attribution. ``channels`` (default :func:`attribution_channels`) picks the channels whose
    removal is simulated; any other paid channel is reported with 0 incremental orders."""
    seeds = replication_seeds(scenario, reps, seed)
    channels = attribution_channels(scenario) if channels is None else list(channels)
    bad = sorted(set(channels) - set(paid_channels(scenario)))
    if bad:
        raise ValueError(f"channels: unknown paid channel {bad[0]!r}; "
                         f"allowed: {paid_channels(scenario)}")
    jobs = replication_jobs(scenario, seeds, keep_timeseries, uncertainty)
    for ch in channels:
        jobs += counterfactual_jobs(scenario, ch, seeds, uncertainty)
    out = run_jobs(_run_job, jobs, workers=workers, scheduler=scheduler, on_done=on_done)
    n = len(seeds)
    base = out[:n]
    removed = {ch: out[n * (k + 1):n * (k + 2)] for k, ch in enumerate(channels)}
    return base, attribution_from_runs(scenario, base, removed)


def runs_needed(scenario: Scenario, reps: int) -> int:
    """Number of runs :func:`measure_attribution` makes (for progress bars)."""
    return reps * (1 + len(attribution_channels(scenario)))


__all__ = ["Attribution", "Reading", "TABLE_COLUMNS", "attribution_channels",
           "attribution_from_runs", "classify", "counterfactual_jobs", "measure_attribution",
           "paid_channels", "runs_needed", "without_channel"]
