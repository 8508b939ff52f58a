"""The HTML comparison report: one self-contained page (figures embedded as base64 PNG, inline
CSS, no scripts) that a strategist can send as it is.

Sections: verdict and key-number table; paired differences on the verdict metric; KPI
distributions per scenario; the funnel over time (mean and 95 % band); spend and GMV by channel;
orders by platform (platform dependence); attribution (first touch, last touch, incremental)
with the ratio of last-touch credit to incremental orders per channel; method notes.

Money totals are yuan of the budgets as written (for ``run.reference_consumers`` consumers; the
model's internal scaling by ``run.consumers / reference_consumers`` is undone, see
:mod:`sim.analysis.fairness`); orders, buyers and reach count the simulated consumers.
Figures (sim.io.report_figures) are drawn on :class:`matplotlib.figure.Figure` objects (no
pyplot global state), so the module is safe to use from threads and without a display.
"""

from __future__ import annotations

import datetime as _dt
import html
from pathlib import Path
from typing import TYPE_CHECKING

import seaborn as sns
from matplotlib.figure import Figure

from sim.analysis.attribution import classify
from sim.analysis.comparison import fmt_signed, fmt_value
from sim.config.channels import channel_label
from sim.config.kpis import KEY_KPIS, LOWER_IS_BETTER, is_money, kpi_label, lower_is_better
# _fig and _style are shared with the decision and calibration reports, imported from here
from sim.io.report_figures import (_fig, _png, _style, fig_attribution,  # noqa: F401
                                   fig_channels, fig_distributions, fig_funnel, fig_paired,
                                   fig_platforms, scenario_palette)

if TYPE_CHECKING:
    from sim.analysis.comparison import Comparison

REPORT_KPIS = [*KEY_KPIS[:3], "net_profit", *KEY_KPIS[3:]]
"""The key-number table: the registry's key KPIs and the net profit (gross margin − spend)."""

# --------------------------------------------------------------------------- HTML parts
CSS = """
body{font-family:-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;color:#1f2933;
margin:0;background:#f4f5f7}
main{max-width:1120px;margin:0 auto;background:#fff;padding:28px 40px 40px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:34px 0 6px;border-bottom:2px solid #e4e7eb;padding-bottom:4px}
.sub{color:#616e7c;font-size:14px;margin:0 0 18px}
.verdict{background:#eef6ff;border-left:6px solid #2f6fb3;padding:14px 18px;margin:14px 0 6px;
font-size:15px;line-height:1.5}.verdict .head{font-size:18px;font-weight:600;margin-bottom:6px}
.verdict ul{margin:6px 0 0 18px;padding:0}.note{color:#7b8794;font-size:13px}
table{border-collapse:collapse;font-size:13.5px;margin:8px 0;width:100%}
th,td{padding:5px 9px;border-bottom:1px solid #e4e7eb;text-align:right;vertical-align:top}
th{background:#f5f7fa;font-weight:600}td.k,th.k{text-align:left}
td .ci{color:#7b8794;font-size:11.5px;display:block}
.better{color:#1b7f3b;font-weight:600}.worse{color:#b42318;font-weight:600}.unclear{color:#616e7c}
tr.metric td{background:#fffbea}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;
vertical-align:-1px}
figure{margin:10px 0 4px}figure img{width:100%;height:auto}
figcaption{color:#3e4c59;font-size:14px;margin-top:4px;line-height:1.45}
.over{color:#b42318;font-weight:600}.under{color:#8a5a00;font-weight:600}.ok{color:#1b7f3b}
@media print{body{background:#fff}main{padding:0}figure,table{page-break-inside:avoid}}
.findings li{margin:3px 0}.method{font-size:13px;color:#3e4c59;line-height:1.5}
"""


def _cell(value: float, lo: float, hi: float, n: int) -> str:
    if value != value:
        return "undefined"
    ci = f'<span class="ci">{fmt_value(lo)} – {fmt_value(hi)}</span>' if n > 1 else ""
    return f"{html.escape(fmt_value(value))}{ci}"


def key_table(cmp: "Comparison", pal: dict) -> str:
    """HTML table: rows KPIs, columns scenarios (mean, 95 % interval, Δ and P vs reference)."""
    kpis = [k for k in dict.fromkeys([cmp.metric, *REPORT_KPIS]) if k in set(cmp.table.kpi)]
    rows = cmp.table.set_index(["kpi", "scenario"])
    n = len(cmp.seeds)
    head = "".join(
        f'<th><span class="swatch" style="background:{_hex(pal[s])}"></span>{html.escape(s)}'
        f'{" (reference)" if s == cmp.reference else ""}</th>' for s in cmp.names)
    out = [f'<table><tr><th class="k">KPI</th>{head}</tr>']
    for kpi in kpis:
        unit = " (yuan)" if is_money(kpi) else ""
        arrow = " ↓" if lower_is_better(kpi) else ""
        cells = []
        for s in cmp.names:
            r = rows.loc[(kpi, s)]
            cell = _cell(r["mean"], r["lo"], r["hi"], n)
            if s != cmp.reference and kpi != "spend":
                outcome = cmp.paired(cmp.reference, s, kpi).outcome
                cell += (f'<span class="ci {outcome}">Δ {html.escape(fmt_signed(r["diff"]))}'
                         f' · beats ref. in {r["p_superior"]:.0%}</span>')
            cells.append(f"<td>{cell}</td>")
        cls = ' class="metric"' if kpi == cmp.metric else ""
        out.append(f'<tr{cls}><td class="k">{html.escape(kpi_label(kpi))}{unit}{arrow}</td>'
                   + "".join(cells) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _hex(rgb: tuple) -> str:
    return "#" + "".join(f"{int(round(255 * c)):02x}" for c in rgb[:3])


def ratio_table(cmp: "Comparison") -> str:
    """HTML: per channel and scenario, last-touch credit / incremental orders and its reading
    (:func:`sim.analysis.attribution.classify`)."""
    if not cmp.attribution:
        return ""
    names = [n for n in cmp.names if n in cmp.attribution]
    rows = {n: {r.channel: r for r in cmp.attribution[n].table.itertuples()} for n in names}
    channels = list(dict.fromkeys(ch for n in names for ch in rows[n]))
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    out = [f'<table><tr><th class="k">channel</th>{head}</tr>']
    for ch in channels:
        cells = []
        for n in names:
            r = rows[n].get(ch)
            if r is None:
                cells.append("<td>–</td>")
                continue
            reading = classify(r, cmp.attribution[n].tolerance)
            lt, inc = r.last_touch_orders, r.incremental_orders
            if reading.kind == "organic":
                cells.append(f'<td><span class="unclear">no budget</span>'
                             f'<span class="ci">last touch {lt:.0f}</span></td>')
                continue
            if reading.kind in ("unused", "unmeasured"):
                word = "not used" if reading.kind == "unused" else "not measured"
                cells.append(f'<td><span class="unclear">{word}</span></td>')
                continue
            band = f" [{r.incremental_lo:.0f}, {r.incremental_hi:.0f}]" if r.n >= 2 else ""
            detail = f'<span class="ci">last {lt:.0f} vs incr. {inc:.0f}{band}</span>'
            ratio = reading.ratio
            text = {
                "over": f"{ratio:.1f}× over-credited" if ratio == ratio else "over-credited",
                "under": f"{ratio:.2g}× under-credited",
                "ok": f"{ratio:.2f}× about right",
                "uncertain": "lift uncertain",
                "hurts": "costs orders",
            }[reading.kind]
            cls = {"over": "over", "hurts": "over", "under": "under", "ok": "ok"}.get(
                reading.kind, "unclear")
            cells.append(f'<td><span class="{cls}">{text}</span>{detail}</td>')
        out.append(f'<tr><td class="k">{html.escape(channel_label(ch))}</td>{"".join(cells)}</tr>')
    out.append("</table>")
    return "".join(out)


def _figure(title: str, fig: Figure | None, caption: str) -> str:
    if fig is None:
        return ""
    return (f"<h2>{html.escape(title)}</h2><figure>{_png(fig)}"
            f"<figcaption>{caption}</figcaption></figure>")


def render_html(cmp: "Comparison", title: str | None = None) -> str:
    """The whole report as one HTML string."""
    import matplotlib

    pal = scenario_palette(cmp.names)
    title = title or "Scenario comparison: " + " vs ".join(cmp.names)
    parts = _head_parts(cmp, title, pal)
    with matplotlib.rc_context(_style()), sns.axes_style("whitegrid"):
        parts += _figure_parts(cmp, pal)
        if cmp.attribution:
            parts += _attribution_parts(cmp)
    parts.append(_method_notes(cmp))
    parts.append("</main></body></html>")
    return "\n".join(p for p in parts if p)


def _head_parts(cmp: "Comparison", title: str, pal: dict) -> list[str]:
    """Title, the run's size and units, the verdict box and the key-number table."""
    scn = cmp.scenarios[0]
    n, ref, label = len(cmp.seeds), cmp.reference, kpi_label(cmp.metric)
    lines = cmp.verdict_lines()
    market = (f"{scn.run.consumers:,} simulated consumers, {scn.run.days} days; money totals "
              f"(spend, GMV, profit) in yuan of the budgets as written, for a market of "
              f"{scn.run.reference_consumers:,} consumers; orders, buyers and reach are counts "
              "of the simulated consumers")
    return [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='sub'>{n} paired replications per scenario (seeds {cmp.seeds[0]}–"
        f"{cmp.seeds[-1]}), {html.escape(market)}. Generated "
        f"{_dt.date.today().isoformat()}.</p>",
        "<div class='verdict'>",
        f"<div class='head'>{html.escape(lines[0])}</div><ul>",
        *[f"<li>{html.escape(x)}</li>" for x in lines[1:]],
        "</ul></div>",
        f"<p class='note'>Reference scenario: <b>{html.escape(ref)}</b>. Verdict metric: "
        f"<b>{html.escape(label)}</b>. “Beats” compares the same seed (same world, same "
        "random numbers) in both scenarios; ↓ marks KPIs where lower is better.</p>",
        "<h2>Key numbers</h2>",
        f"<p class='note'><b>Uncertainty in every interval: {cmp.interval_source}.</b> "
        f"{html.escape(cmp.uncertainty_note())}</p>",
        "<p class='note'>Mean per run, 95% confidence interval below it; for the other "
        "scenarios the paired difference to the reference (Δ) and the share of runs in which "
        "they beat it. Green: better with 95% confidence; red: worse; grey: not "
        "distinguishable.</p>",
        key_table(cmp, pal),
    ]


def _figure_parts(cmp: "Comparison", pal: dict) -> list[str]:
    """The paired-difference, distribution, funnel, channel and platform figures."""
    n, ref, label = len(cmp.seeds), cmp.reference, kpi_label(cmp.metric)
    parts = []
    if len(cmp.names) > 1:
        parts.append(_figure(
            f"How sure is the verdict? Paired differences in {label}", fig_paired(cmp, pal),
            f"Each dot is one replication: the {html.escape(label)} of a scenario minus "
            f"that of {html.escape(ref)} under the same seed. Diamond and bar: mean "
            "difference and its 95% confidence interval. A bar clear of the dashed zero line "
            "is a difference that is not noise."))
    parts.append(_figure(
        "Outcomes per scenario", fig_distributions(cmp, pal),
        f"Final values of {n} replications per scenario (dots) and their spread (boxes: "
        "middle half of the runs, line: median). Overlapping boxes do not mean a tie: the "
        "paired differences above are the sharper test."))
    parts.append(_figure(
        "The funnel over time", fig_funnel(cmp, pal),
        "Consumers who are aware of, engaged with, and have bought from the brand(s), day "
        "by day. Line: mean over replications; band: 95% confidence interval of the mean. "
        "Where the curves flatten, the campaign has saturated its reachable audience."))
    parts.append(_figure(
        "Where the money goes and what it brings", fig_channels(cmp),
        "Left: spend per channel (yuan per run, booked spend — unspent lines are not "
        "shown). Right: GMV credited to each channel by last touch, the way most "
        "dashboards report it; the attribution section below shows how far that is from "
        "what each channel actually causes."))
    parts.append(_figure(
        "Platform dependence", fig_platforms(cmp),
        "Share of orders by the platform of the buyer's last touch. A single dominant "
        "platform makes the plan vulnerable to an algorithm change on it. "
        + "; ".join(f"{html.escape(s)}: largest platform "
                    f"{cmp.values('platform_dependence')[s].mean():.0%} of orders"
                    for s in cmp.names) + "."))
    return parts


def _attribution_parts(cmp: "Comparison") -> list[str]:
    """The attribution figure, the ratio table and where the heuristics mislead."""
    ref = cmp.reference
    parts = []
    k = len(next(iter(cmp.attribution.values())).seeds)
    parts.append(_figure(
        "Attribution: who really drives orders?", fig_attribution(cmp),
        f"Orders per run credited to each channel by first touch and last touch, and "
        f"the true incremental orders: the orders lost when that channel alone is "
        f"removed (its budget not spent, every other channel unchanged) under the same "
        f"seeds ({k} seed(s); black bar: 95% interval). Word of mouth and buyer posts "
        "have no budget and cannot be removed; their credit belongs to the paid "
        "channels that set them off."))
    parts.append(
        "<h3>Last-touch credit ÷ incremental orders, per channel</h3>"
        "<p class='note'>Above 1: last touch over-credits the channel (it touches "
        "people who would have bought anyway); below 1: it under-credits it (the "
        "channel starts or enables journeys others close). Red: over-credited (more "
        "than 1.5×, or more credit than the upper end of the channel's 95% effect "
        "interval); amber: under-credited (below 0.67×); green: within 1.5× either "
        "way; grey: the effect is not distinguishable from zero with these seeds. "
        "Below each: last-touch and incremental orders per run [95% interval].</p>"
        + ratio_table(cmp))
    best = cmp.ranking()[0][0]
    for name in dict.fromkeys([ref, best]):
        findings = cmp.attribution[name].findings()
        if findings:
            parts.append(f"<p><b>Where the heuristics mislead ({html.escape(name)}):"
                         "</b></p><ul class='findings'>"
                         + "".join(f"<li>{html.escape(f)}</li>" for f in findings)
                         + "</ul>")
    return parts


def _method_notes(cmp: "Comparison") -> str:
    low = ", ".join(kpi_label(k) for k in sorted(LOWER_IS_BETTER))
    return (
        "<h2>How to read this report</h2><div class='method'><ul>"
        "<li><b>Common random numbers.</b> Replication <i>i</i> of every scenario uses seed "
        "base+<i>i</i>: the same social graph, consumers and creators, and the same seeds for "
        "the daily random draws. Differences and their intervals are computed on these pairs, "
        "so world-to-world variation cancels out; the day-to-day noise that remains (cascades "
        "diverge once the plans differ) is what the intervals measure.</li>"
        "<li><b>Intervals</b> are 95% confidence intervals of the mean over replications, "
        "Student-t, unless that would leave the KPI's range (a share below 0 or above 1, a "
        "count or amount below 0); then the bootstrap percentile interval. They shrink with "
        "more replications (<code>--reps</code>). "
        + ("They hold run-to-run (seed) noise only, not uncertainty about the model's "
           "parameters.</li>"
           if cmp.uncertainty is None else
           "They hold two sources: seed noise and parameter uncertainty — each replication "
           "draws one parameter vector (" + html.escape(", ".join(cmp.uncertainty.keys))
           + f") from {html.escape(cmp.uncertainty.source)}, the same vector for replication "
           "<i>i</i> of every scenario, so the pairing is kept and P(beats) is a probability "
           "over both what the seeds and what the market parameters could be.</li>")
        + "<li><b>Undefined</b> ratios (CAC without buyers, ROI without spend) are shown as "
        "undefined, never as 0, and never win a ranking.</li>"
        "<li><b>Beats … in x% of runs</b> is the share of paired replications in which the "
        f"scenario does better than the reference (ties count half). Lower is better for {low}; "
        "higher for everything else.</li>"
        "<li><b>Attribution.</b> First/last touch credit an order to the channel of the "
        "buyer's first/last exposure. Incremental orders re-run the scenario with one channel "
        "removed under the same seed; channel effects interact, so they need not add up to "
        "total orders. Incremental ROI = (Δ gross margin − Δ spend) / Δ spend of that "
        "removal.</li>"
        f"<li>Full table: <code>comparison.csv</code> ({len(set(cmp.table.kpi))} KPIs × "
        f"{len(cmp.names)} scenarios).</li></ul></div>"
    )


def write_report(cmp: "Comparison", path: str | Path, title: str | None = None) -> Path:
    """Write the self-contained HTML report; returns the path."""
    path = Path(path)
    path.write_text(render_html(cmp, title), encoding="utf-8")
    return path


__all__ = ["render_html", "write_report", "scenario_palette"]
