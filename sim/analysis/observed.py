"""A brand's observed campaign data: reading and validating ``--observed FILE.csv``.

The file has a ``day`` column (whole numbers 0..``run.days``; day *d* is compared with step *d*
of the simulated time series, day 0 is the state before the campaign) and any KPI columns the
model reports (the names of ``timeseries.parquet``, e.g. ``reach``, ``engagements``, ``buyers``,
``orders``, ``gmv``). Missing days (rows not in the file) and empty cells are allowed: only the
cells present are fitted.

Daily versus cumulative values
    A column named like a KPI holds the value *as the model reports it*: cumulative from day 1
    for counts and money (``orders`` on day 30 = orders placed on days 1–30), the level of the
    day for ratios and stages (``engagement_rate``, ``stage_aware``). A socsim
    ``timeseries.parquet`` therefore feeds back as it is (rename ``step`` to ``day``). A brand
    whose reports give *daily* counts writes them in a column ``daily_<kpi>`` (``daily_orders``,
    ``daily_reach`` ...): the simulated value compared with it is the cumulative KPI of that day
    minus that of the day before, so daily columns need no cumulative sum and tolerate missing
    days.

Checks (each failure is one :class:`ObservedError` naming the column and the row; row numbers
count the header as row 1, as a spreadsheet shows them): no ``day`` column; a day that is not a
whole number in 0..days, or repeated; an unknown column; a non-numeric cell; a negative count
or amount; a cumulative count that decreases from one listed day to a later one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.kpis import kpi_info
from sim.config.scenario import ScenarioError

LEVEL_PREFIXES = ("stage_", "organic_")
LEVEL_MONEY = frozenset({"cac", "cost_per_member"})
"""Amounts that are a level of the day (per buyer, per member), not summed from day 1."""


class ObservedError(ScenarioError):
    """An observed-data file is unusable; the message names the column and the row."""


def kpi_kind(name: str) -> str:
    """``"daily"`` (a count of the day), ``"level"`` (ratio, share, stage size, price: a value
    of the day) or ``"cumulative"`` (counts and money summed from day 1, never decreasing),
    from the KPI registry's kind (:mod:`sim.config.kpis`)."""
    if name.startswith("daily_"):
        return "daily"
    info = kpi_info(name)
    if (info.kind in ("ratio", "share") or name in LEVEL_MONEY
            or name.startswith(LEVEL_PREFIXES) or info.family == "{x}_price"):
        return "level"
    return "cumulative"


def signed(name: str) -> bool:
    """True if the KPI may be negative (its registry bounds start below 0: ROI, profit)."""
    return kpi_info(name).bounds[0] < 0


def allowed_columns(kpis: list[str]) -> list[str]:
    """Column names an observed file may hold: every KPI, plus ``daily_<kpi>`` for each
    cumulative KPI."""
    daily = [f"daily_{k}" for k in kpis if kpi_kind(k) == "cumulative" and f"daily_{k}" not in kpis]
    return [*kpis, *daily]


@dataclass
class Observed:
    """Validated observed data: ``frame`` is indexed by day (sorted), one float column per KPI,
    NaN where a cell is missing. ``source`` is the file it came from."""

    frame: pd.DataFrame
    source: str

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)

    def cells(self) -> list[tuple[str, int]]:
        """(column, day) of every observed (non-missing) cell, column by column."""
        return [(c, int(d)) for c in self.frame.columns
                for d in self.frame.index[self.frame[c].notna()]]

    def values(self) -> np.ndarray:
        """The observed values in :meth:`cells` order."""
        return np.array([self.frame.at[d, c] for c, d in self.cells()], dtype=float)

    def until(self, last_day: int) -> "Observed":
        """The rows up to ``last_day`` (a fit window; the rest is held out)."""
        return Observed(self.frame.loc[self.frame.index <= last_day], self.source)


def _row(i: int) -> int:
    return i + 2  # header is row 1


def _fail(path: str, msg: str) -> None:
    raise ObservedError(f"{path}: {msg}")


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        _fail(str(path), "observed file not found")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        _fail(str(path), f"not a readable CSV file ({str(exc).splitlines()[0]})")
    raise AssertionError  # unreachable


def _days(raw: pd.DataFrame, src: str, max_day: int) -> np.ndarray:
    days = []
    for i, text in enumerate(raw["day"]):
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not np.isfinite(value) or value != int(value) or not 0 <= value <= max_day:
            _fail(src, f"column 'day', row {_row(i)}: {text!r} is not a whole day 0..{max_day}")
        days.append(int(value))
    arr = np.array(days, dtype=int)
    dup = pd.Series(arr).duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        _fail(src, f"column 'day', row {_row(i)}: day {arr[i]} appears more than once")
    return arr


def _column(raw: pd.DataFrame, col: str, src: str, days: np.ndarray) -> np.ndarray:
    values = np.full(len(raw), np.nan)
    for i, text in enumerate(raw[col]):
        if text.strip() == "":
            continue
        try:
            values[i] = float(text)
        except ValueError:
            _fail(src, f"column {col!r}, row {_row(i)} (day {days[i]}): {text!r} is not a number")
        if not np.isfinite(values[i]):
            _fail(src, f"column {col!r}, row {_row(i)} (day {days[i]}): {text!r} is not finite")
        if values[i] < 0 and not signed(col.removeprefix("daily_")):
            _fail(src, f"column {col!r}, row {_row(i)} (day {days[i]}): {text} is negative; "
                  "counts and amounts cannot be")
    if kpi_kind(col) == "cumulative":
        order = np.argsort(days, kind="stable")
        best, best_i = -np.inf, -1
        for i in order:
            if np.isnan(values[i]):
                continue
            if values[i] < best:
                _fail(src, f"column {col!r}, row {_row(i)} (day {days[i]}): {values[i]:g} is "
                      f"below {best:g} on day {days[best_i]}; {col} is cumulative (as in "
                      f"timeseries.parquet) and cannot decrease — for daily counts name the "
                      f"column daily_{col}")
            best, best_i = values[i], i
    return values


def load_observed(path: str | Path, kpis: list[str], max_day: int) -> Observed:
    """Read and validate an observed-data CSV against the KPI names ``kpis`` (what the model
    reports) and the simulated horizon ``max_day`` (``run.days``).

    Raises:
        ObservedError: the message names the file, the column and the row.
    """
    path = Path(path)
    src = str(path)
    raw = _read(path)
    raw.columns = [str(c).strip() for c in raw.columns]
    if "day" not in raw.columns:
        _fail(src, f"no 'day' column (columns: {', '.join(raw.columns) or 'none'}); the first "
              "row must name the columns, one of them 'day'")
    allowed = allowed_columns(kpis)
    kpi_cols = [c for c in raw.columns if c != "day"]
    for c in kpi_cols:
        if c not in allowed:
            core = [k for k in kpis if not k.startswith(("stage_", "organic_", "spend_", "reach_"))]
            _fail(src, f"column {c!r}, row 1: unknown KPI; allowed: {', '.join(core)} (and "
                  "daily_<kpi>, stage_*, spend_*, reach_* columns)")
    if len(set(kpi_cols)) != len(kpi_cols):
        _fail(src, "row 1: a column name appears twice")
    if not kpi_cols:
        _fail(src, "row 1: no KPI column next to 'day'; nothing to fit")
    if raw.empty:
        _fail(src, "row 2: no data rows")
    days = _days(raw, src, max_day)
    frame = pd.DataFrame({c: _column(raw, c, src, days) for c in kpi_cols},
                         index=pd.Index(days, name="day")).sort_index()
    empty = [c for c in kpi_cols if frame[c].isna().all()]
    if empty:
        _fail(src, f"column {empty[0]!r}: every cell is empty")
    return Observed(frame, src)


def simulated_cells(ts: pd.DataFrame, cells: list[tuple[str, int]]) -> np.ndarray:
    """The simulated values at the observed ``cells`` from one run's time series (``step`` and
    KPI columns): a KPI column as it is, ``daily_<kpi>`` (when the model does not report it) as
    the day's increase of the cumulative KPI."""
    by_step = ts.set_index("step")
    out = np.empty(len(cells))
    for j, (col, day) in enumerate(cells):
        if col in by_step.columns:
            out[j] = by_step.at[day, col]
        else:
            base = by_step[col.removeprefix("daily_")]
            out[j] = base.at[day] - (base.at[day - 1] if day >= 1 else 0.0)
    return out


__all__ = ["Observed", "ObservedError", "allowed_columns", "kpi_kind", "load_observed",
           "signed", "simulated_cells"]
