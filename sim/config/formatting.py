"""Numbers and user text made safe for people, spreadsheets and plots: one place for all layers.

It sits in ``config`` (the lowest layer above the kernels, plain Python) because verdict prose in
:mod:`sim.analysis`, the HTML report in :mod:`sim.io` and the CLI all format the same numbers and
write the same user-chosen names (scenario, retailer, creator-tier names):

* :func:`fmt_number` - the one number formatter (tables, verdicts, report axes).
* :func:`csv_cell` / :func:`csv_safe` - CSV cells that start with ``= + - @`` (or a tab / carriage
  return) are prefixed with ``'`` so a spreadsheet shows them as text instead of running them as
  formulas (OWASP "CSV injection"). Numbers are never touched.
* :data:`PLAIN_TEXT_RC` - matplotlib settings under which ``$...$`` in a name is drawn as it is
  instead of being parsed as mathtext (``Plan $\\frac{1$`` would otherwise crash a figure).
"""

from __future__ import annotations

import math
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula."""

PLAIN_TEXT_RC = {"text.parse_math": False, "text.usetex": False}
"""matplotlib rcParams that draw every label literally (use with ``matplotlib.rc_context``)."""


def fmt_number(x: Any, unit: str = "", signed: bool = False) -> str:
    """A number for people: ``12,345`` for |x| ≥ 1,000, else 3 significant digits (``0.123``,
    ``42``, ``7.5``); ``n/a`` for NaN or ±inf. ``unit`` is appended after a space; ``signed``
    adds an explicit ``+`` (``-`` is always shown)."""
    try:
        v = float(x)
    except (TypeError, ValueError, OverflowError):
        return str(x)
    if not math.isfinite(v):
        return "n/a"
    mag = abs(v)
    # 999.5 rounds to 1,000 at 3 significant digits: print it with separators, not "1e+03"
    text = f"{mag:,.0f}" if mag >= 999.5 else f"{mag:.3g}"
    if "e" in text:  # tiny values: 1.2e-05 is clearer than 0.0000120
        text = f"{mag:.2e}"
    sign = "-" if v < 0 and text.strip("0.,") else ("+" if signed else "")
    return sign + text + (f" {unit}" if unit else "")


def csv_cell(value: Any) -> Any:
    """``value`` made safe for a CSV cell: strings starting with a formula character get a
    leading ``'``; every other value (numbers included) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_safe(frame: Any) -> Any:
    """A copy of a pandas DataFrame whose text cells and column names pass :func:`csv_cell`."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("string", "str"):
            out[col] = out[col].map(csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    return out


def write_csv(frame: Any, path: Any) -> Any:
    """Write a DataFrame as CSV (no index) with formula-safe text cells; returns ``path``."""
    csv_safe(frame).to_csv(path, index=False)
    return path
