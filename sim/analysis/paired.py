"""One paired comparison: scenario ``b`` against ``a`` on one KPI, replication by replication
(same seeds), its 95 % Student-t interval, P(b beats a) and the plain-language verdict.

"Beats" means higher, or lower for the KPIs whose registry direction is ``lower``
(:mod:`sim.config.kpis`); a tie counts one half. :func:`comparison_table` applies it to every
scenario against the first, KPI by KPI. Used by :mod:`sim.analysis.comparison`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.fairness import bounded_interval
from sim.config.formatting import fmt_number
from sim.config.kpis import is_money, is_ratio, kpi_label, lower_is_better
from sim.execution.runner import mean_interval

COLUMNS = ["scenario", "kpi", "mean", "lo", "hi", "diff", "diff_lo", "diff_hi", "p_superior"]
"""Columns of the tidy comparison table (and of ``comparison.csv``)."""


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


def relative_note(p: Paired) -> str:
    """``, +12% vs A`` (the mean difference relative to a's mean), or "" for ratios and
    non-positive means."""
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
                    f"(mean {fmt_signed(p.diff, p.kpi)}{relative_note(p)}; {ci}).")
        case "worse":
            return (f"{p.b} does worse than {p.a} on {label}{low}: it beats {p.a} in only {pct} "
                    f"of runs (mean {fmt_signed(p.diff, p.kpi)}{relative_note(p)}; {ci}).")
        case _:
            if p.n < 2:
                return (f"{p.b} vs {p.a} on {label}: {fmt_signed(p.diff, p.kpi)} from a single "
                        "run; no uncertainty estimate (use more replications).")
            return (f"{p.b} and {p.a} are not distinguishable on {label}{low}: {p.b} beats "
                    f"{p.a} in {pct} of runs, but the {ci} of the difference includes zero "
                    f"(mean {fmt_signed(p.diff, p.kpi)}).")


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
