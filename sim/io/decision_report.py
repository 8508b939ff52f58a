"""HTML reports and workbook sheets of ``socsim optimize`` and ``socsim explore``.

Self-contained pages (inline PNG figures, no scripts), in the style of the comparison report
(:mod:`sim.io.report`). Money totals are yuan of the budget as written.
"""

from __future__ import annotations

import datetime as _dt
import html
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import pandas as pd
import seaborn as sns

from sim.io.report import CSS, _fig, _figure, _style, key_table, scenario_palette
from sim.io.workbook import attribution_frame, inputs_frame, mean_timeseries, verdict_frame

if TYPE_CHECKING:
    from sim.analysis.explore import Exploration
    from sim.analysis.search import OptimizeResult


def _page(title: str, body: list[str]) -> str:
    return "\n".join([
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{html.escape(title)}</h1>", *[b for b in body if b],
        f"<p class='note'>Generated {_dt.date.today().isoformat()}.</p></main></body></html>"])


def _table(frame: pd.DataFrame, digits: int = 3) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                v = "—" if v != v else (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.{digits}g}")
            cells.append(f"<td>{html.escape(str(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


# --------------------------------------------------------------------------- optimize
def fig_history(res: "OptimizeResult"):
    """Objective per trial (dots) and the best so far (line), feasible trials only."""
    col = f"objective:{res.objectives[0].name}"
    t = res.trials
    fig = _fig(10, 3.2)
    ax = fig.subplots()
    ok = t[t["feasible"] & t[col].notna()]
    ax.scatter(ok["trial"], ok[col], s=14, alpha=0.6, label="trial (mean over K runs)")
    best = ok[col].cummin() if res.objectives[0].direction == "minimize" else ok[col].cummax()
    ax.step(ok["trial"], best, where="post", color="black", lw=1.6, label="best so far")
    bad = t[~t["feasible"] & t[col].notna()]
    if len(bad):
        ax.scatter(bad["trial"], bad[col], s=14, marker="x", color="0.6", label="infeasible")
    ax.set_xlabel("trial")
    ax.set_ylabel(res.objectives[0].name)
    ax.set_title("Search history", loc="left")
    ax.legend(frameon=False, fontsize=8)
    return fig


def fig_importance(res: "OptimizeResult"):
    if res.importance.empty:
        return None
    imp = res.importance.sort_values()
    fig = _fig(8, 0.6 + 0.3 * len(imp))
    ax = fig.subplots()
    ax.barh(imp.index, imp.to_numpy(), color="#3182bd")
    ax.set_xlabel("importance (fANOVA share of the objective's variance)")
    ax.set_title("Which levers matter", loc="left")
    return fig


def fig_pareto(res: "OptimizeResult"):
    if len(res.objectives) < 2:
        return None
    a, b = (f"objective:{o.name}" for o in res.objectives[:2])
    t = res.trials[res.trials["feasible"]]
    fig = _fig(7, 4.5)
    ax = fig.subplots()
    ax.scatter(t[a], t[b], s=14, alpha=0.45, color="0.5", label="trials")
    front = res.best.sort_values(a)
    ax.plot(front[a], front[b], "o-", color="#e6550d", label="Pareto front")
    ax.set_xlabel(res.objectives[0].name)
    ax.set_ylabel(res.objectives[1].name)
    ax.legend(frameon=False)
    ax.set_title("Pareto front", loc="left")
    return fig


def optimize_report(res: "OptimizeResult", path: str | Path) -> Path:
    """Write ``report.html``: best plan, validation on fresh seeds, history, importance,
    Pareto front."""
    obj = ", ".join(o.name for o in res.objectives)
    body = [f"<p class='sub'>Objective(s): {html.escape(obj)}; levers: "
            f"{html.escape(', '.join(lv.name for lv in res.levers))}; {len(res.trials)} "
            f"trials, each on {len(res.search_seeds)} replications with common seeds "
            f"{res.search_seeds[0]}–{res.search_seeds[-1]}.</p>"]
    body += [f"<p>{html.escape(n)}</p>" for n in res.notes]
    if res.best_overrides:
        shown = [(k, ", ".join(f"{a} {b:.3f}" for a, b in v.items()) if isinstance(v, dict)
                  else f"{v:.4g}") for k, v in res.best_overrides.items()]
        body.append("<h2>Best plan</h2>" + _table(pd.DataFrame(shown, columns=["key", "value"])))
    if res.validation is not None:
        v = res.validation
        lines = v.verdict_lines()
        body += ["<h2>Best plan against the input, on fresh seeds</h2>",
                 f"<p class='note'>{len(v.seeds)} paired replications on seeds {v.seeds[0]}–"
                 f"{v.seeds[-1]}, which the search never used: the search's own best mean is "
                 "biased upward by the selection, this comparison is not.</p>",
                 "<div class='verdict'><ul>"
                 + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul></div>",
                 key_table(v, scenario_palette(v.names))]
    with matplotlib.rc_context(_style()), sns.axes_style("whitegrid"):
        body.append(_figure("History", fig_history(res), "Each dot is a trial's objective "
                            "(mean over its K replications); the line is the best so far."))
        body.append(_figure("Parameter importance", fig_importance(res),
                            "Optuna's fANOVA importance of each searched weight or range for "
                            "the first objective."))
        body.append(_figure("Pareto front", fig_pareto(res),
                            "Feasible trials and the non-dominated ones (orange)."))
    if len(res.objectives) > 1 and not res.best.empty:
        cols = ["trial", *[f"objective:{o.name}" for o in res.objectives]]
        body.append("<h3>Pareto-optimal trials</h3>" + _table(res.best[cols]))
    path = Path(path)
    path.write_text(_page("Optimisation report", body), encoding="utf-8")
    return path


def optimize_sheets(res: "OptimizeResult") -> dict[str, pd.DataFrame]:
    """Workbook sheets: Verdict, KPIs (best vs input on fresh seeds), Attribution, Time
    series, Inputs, then Trials (exactly ``trials.parquet``)."""
    v = res.validation
    sheets = {"Verdict": verdict_frame(v.verdict_lines() if v else res.notes)}
    if v is not None:
        from sim.analysis.comparison import COLUMNS

        scales = {n: s.money_scale for n, s in zip(v.names, v.scenarios)}
        sheets |= {"KPIs": v.table[COLUMNS],
                   "Attribution": attribution_frame(v.attribution, scales),
                   "Time series": mean_timeseries(v.results, scales),
                   "Inputs": inputs_frame(dict(zip(v.names, v.scenarios)))}
    sheets["Trials"] = res.trials
    return sheets


# --------------------------------------------------------------------------- explore
def fig_regret(ex: "Exploration"):
    reg = ex.regrets().melt(var_name="plan", value_name="regret")
    fig = _fig(9, 0.9 + 0.5 * len(ex.plans))
    ax = fig.subplots()
    pal = scenario_palette(ex.plans)
    sns.stripplot(data=reg, x="regret", y="plan", hue="plan", palette=pal, ax=ax, size=4,
                  jitter=0.2, legend=False, order=ex.plans)
    ax.set_xlabel(f"regret on {ex.metric} per future (best plan's mean − this plan's)")
    ax.set_ylabel("")
    ax.set_title("Regret across futures", loc="left")
    return fig


def fig_futures(ex: "Exploration"):
    keys = [u.key for u in ex.uncertain]
    if len(keys) < 2:
        return None
    m = ex.future_means()
    best = m.idxmin(axis=1) if ex.lower_is_better else m.idxmax(axis=1)
    x = ex.futures.set_index("future").loc[m.index]
    fig = _fig(7, 5)
    ax = fig.subplots()
    pal = scenario_palette(ex.plans)
    for p in ex.plans:
        sel = (best == p).to_numpy()
        ax.scatter(x[keys[0]][sel], x[keys[1]][sel], color=pal[p], label=f"{p} best", s=22)
    ax.set_xlabel(keys[0])
    ax.set_ylabel(keys[1])
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Which plan wins where", loc="left")
    return fig


def explore_report(ex: "Exploration", rob: pd.DataFrame, disc: pd.DataFrame,
                   lines: list[str], path: str | Path) -> Path:
    """Write ``report.html``: the sentences, robustness table, discovery boxes, figures."""
    n = len(ex.futures)
    body = [f"<p class='sub'>{len(ex.plans)} plans × {n} futures × "
            f"{ex.outcomes['replication'].nunique()} replications (common seeds); "
            "uncertainties: " + html.escape(", ".join(f"{u.key} {u.lo:g}–{u.hi:g}"
                                                       for u in ex.uncertain)) + ".</p>",
            "<div class='verdict'><ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in lines)
            + "</ul></div>", "<h2>Robustness</h2>", _table(rob),
            "<h2>Scenario discovery (PRIM boxes)</h2>",
            "<p class='note'>Coverage: share of the plan's losing (or target-missing) futures "
            "inside the box; density: share of the futures in the box where it loses.</p>",
            _table(disc)]
    with matplotlib.rc_context(_style()), sns.axes_style("whitegrid"):
        body.append(_figure("Regret", fig_regret(ex), "Each dot is one future."))
        body.append(_figure("Winners by future", fig_futures(ex),
                            "Each dot is a future, coloured by the plan with the best mean."))
    path = Path(path)
    path.write_text(_page(f"Robustness of {len(ex.plans)} plans on {ex.metric}", body),
                    encoding="utf-8")
    return path


def explore_sheets(ex: "Exploration", rob: pd.DataFrame, disc: pd.DataFrame,
                   lines: list[str]) -> dict[str, pd.DataFrame]:
    """Workbook sheets: Verdict, KPIs (robustness.csv), Attribution (spend and reach per
    channel — explore runs no removal tests), Time series, Inputs, Discovery, Outcomes."""
    chan = [c for c in ex.outcomes.columns if c.startswith(("spend_", "reach_"))]
    attr = ex.outcomes.groupby("plan", sort=False)[chan].mean().reset_index()
    ts = ex.timeseries.copy()
    return {"Verdict": verdict_frame(lines), "KPIs": rob, "Attribution": attr,
            "Time series": ts, "Inputs": inputs_frame(ex.scenarios),
            "Discovery": disc, "Outcomes": ex.outcomes}


__all__ = ["explore_report", "explore_sheets", "optimize_report", "optimize_sheets"]
