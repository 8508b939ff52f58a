"""Workbooks strategists can open: pandas + XlsxWriter, one sheet per table, formatted.

Every decision command (``compare``, ``optimize``, ``explore``) can write one with ``--xlsx``.
The sheets hold exactly the tables the command writes as CSV/Parquet (read back, they compare
equal), with number formats on top: yuan with thousands separators (``#,##0``), ratios and
shares with two decimals (``0.00``), counts as whole numbers. The file is written to a temporary
name and moved into place, so it is whole or absent.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.analysis.comparison import COLUMNS
from sim.config.kpis import is_money, is_ratio
from sim.analysis.fairness import is_money_total

if TYPE_CHECKING:
    from sim.analysis.comparison import Comparison
    from sim.config.scenario import Scenario

SHEET_ORDER = ("Verdict", "KPIs", "Attribution", "Time series", "Inputs")
"""Sheets every decision workbook has first (commands may add more after them)."""

MONEY_WORDS = ("spend", "gmv", "profit", "budget", "cac", "cost", "yuan", "fee", "price")
RATIO_WORDS = ("roi", "roas", "rate", "share", "p_", "coverage", "density", "margin",
               "dependence", "hhi", "sentiment", "breakout", "fission")


def kind_of(name: str) -> str:
    """``money``, ``ratio`` or ``number``: the format a column or KPI name gets."""
    low = name.lower()
    if is_money(low) or any(w in low for w in MONEY_WORDS):
        return "money"
    if is_ratio(low) or any(w in low for w in RATIO_WORDS):
        return "ratio"
    return "number"


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """A nested scenario dict as ``dotted.key -> value`` (lists shown as text)."""
    out: dict[str, Any] = {}
    if isinstance(data, Mapping):
        for k, v in data.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(data, list) and data and all(isinstance(x, Mapping) for x in data):
        for i, v in enumerate(data):
            out.update(flatten(v, f"{prefix}{i}."))
    else:
        out[prefix.rstrip(".")] = data if isinstance(data, (int, float, str, bool)) else str(data)
    return out


def inputs_frame(scenarios: Mapping[str, "Scenario"]) -> pd.DataFrame:
    """Sheet Inputs: one row per scenario key, one column per plan."""
    flat = {n: flatten(s.model_dump(mode="json", exclude_none=True)) for n, s in scenarios.items()}
    keys = list(dict.fromkeys(k for f in flat.values() for k in f))
    return pd.DataFrame({"key": keys, **{n: [str(f.get(k, "")) for k in keys]
                                          for n, f in flat.items()}})


def write_workbook(path: str | Path, sheets: Mapping[str, pd.DataFrame],
                   long_kpi_sheets: tuple[str, ...] = ("KPIs",)) -> Path:
    """Write ``sheets`` (name -> table, in order) to ``path`` with number formats.

    In a *long* sheet (listed in ``long_kpi_sheets``, with a ``kpi`` column) a row is formatted
    by its KPI; elsewhere a column by its name (:func:`kind_of`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        with pd.ExcelWriter(tmp, engine="xlsxwriter") as writer:
            book = writer.book
            fmts = {"money": book.add_format({"num_format": "#,##0"}),
                    "ratio": book.add_format({"num_format": "0.00"}),
                    "number": book.add_format({"num_format": "#,##0.##"})}
            for name, frame in sheets.items():
                frame.to_excel(writer, sheet_name=name, index=False)
                _format_sheet(writer.sheets[name], frame, fmts,
                              name in long_kpi_sheets and "kpi" in frame.columns)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _format_sheet(ws, frame: pd.DataFrame, fmts: dict, long: bool) -> None:
    for j, col in enumerate(frame.columns):
        width = min(60, max(10, len(str(col)) + 2, *(len(str(v)) + 1 for v in
                                                      frame[col].head(50).tolist()))) \
            if frame[col].dtype == object else max(12, len(str(col)) + 2)
        numeric = frame[col].dtype.kind in "if"
        ws.set_column(j, j, width, fmts[kind_of(str(col))] if numeric and not long else None)
    if long:
        for i, kpi in enumerate(frame["kpi"].tolist(), start=1):
            ws.set_row(i, None, fmts[kind_of(str(kpi))])
    ws.freeze_panes(1, 0)


def verdict_frame(lines: list[str]) -> pd.DataFrame:
    """Sheet Verdict: the verdict, one sentence per row."""
    return pd.DataFrame({"verdict": lines})


def mean_timeseries(runs_by_plan: Mapping[str, list], scales: Mapping[str, float]) -> pd.DataFrame:
    """Sheet Time series: per plan and day, the mean over replications of every KPI (money
    totals in the budget's units)."""
    frames = []
    for name, runs in runs_by_plan.items():
        ts = [r.timeseries for r in runs if r.timeseries is not None]
        if not ts:
            continue
        mean = pd.concat(ts).groupby("step", sort=True).mean(numeric_only=True).reset_index()
        for col in mean.columns:
            if is_money_total(col):
                mean[col] = mean[col] / scales[name]
        mean.insert(0, "plan", name)
        frames.append(mean)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"plan": []})


def attribution_frame(attribution: Mapping[str, Any] | None,
                      scales: Mapping[str, float]) -> pd.DataFrame:
    """Sheet Attribution: per plan and channel, spend and first/last-touch/incremental orders
    and GMV (money in the budget's units, like the KPIs)."""
    if not attribution:
        return pd.DataFrame({"scenario": []})
    parts = []
    for n, a in attribution.items():
        t = a.table.copy()
        for col in ("spend", "incremental_gmv", "incremental_gmv_lo", "incremental_gmv_hi"):
            t[col] = t[col] / scales[n]
        parts.append(t.assign(scenario=n)[["scenario", *a.table.columns]])
    return pd.concat(parts, ignore_index=True)


def comparison_workbook(cmp: "Comparison", path: str | Path) -> Path:
    """The ``compare`` workbook: Verdict, KPIs (exactly ``comparison.csv``), Attribution (per
    plan and channel), Time series and Inputs."""
    scales = {n: s.money_scale for n, s in zip(cmp.names, cmp.scenarios)}
    attr = attribution_frame(cmp.attribution, scales)
    sheets = {
        "Verdict": verdict_frame(cmp.verdict_lines()),
        "KPIs": cmp.table[COLUMNS],
        "Attribution": attr,
        "Time series": mean_timeseries(cmp.results, scales),
        "Inputs": inputs_frame(dict(zip(cmp.names, cmp.scenarios))),
    }
    return write_workbook(path, sheets)


__all__ = ["SHEET_ORDER", "attribution_frame", "comparison_workbook", "flatten", "inputs_frame", "kind_of",
           "mean_timeseries", "verdict_frame", "write_workbook"]
