"""Every bundled campaign scenario before and after grounding, and each family's verdict.

    PYTHONPATH=$PWD python scripts/measure_bundled.py                       # seeds 1-3
    PYTHONPATH=$PWD python scripts/measure_bundled.py --seeds 1 2 3 4 5 6 --workers 2 \
        --before-ref main --out out/grounding
    # a mechanism check: one family after grounding with the memory threshold switched off
    PYTHONPATH=$PWD python scripts/measure_bundled.py --sides after \
        --only budget_static budget_adaptive \
        --set behaviour.awareness_threshold=1 behaviour.memory_retention=1

"Before" is the scenario folder of git ref ``--before-ref`` (default ``main``; its
``baseline.toml`` still runs the ungrounded funnel), exported into a temporary folder so its
variants ``extends`` the old baseline; "after" is this checkout's ``scenarios/``. Each campaign
scenario (``scenarios/*.toml``; the reference modes under ``scenarios/reference/`` are not
campaigns) runs at ``--consumers`` consumers (default 10,000) for its own ``run.days`` (90, or
365 for the membership pair) on every seed of ``--seeds``, both sides on the same seeds, through
:func:`sim.execution.executors.map_runs`.

Output (stdout, and ``--out DIR``: ``runs.csv`` one row per side x scenario x seed, and
``report.md``): per scenario the mean ROI, orders, reach and buyers before and after; per
family (the paired bundled scenarios of docs/strategies.md and their question) the verdict on
its metric before and after: the paired difference of the second plan against the first
(same seeds), its 95 % Student-t interval over seeds, P(second beats first), and the outcome
(``better``, ``worse`` or ``unclear`` when the interval includes zero). Intervals are over
seeds only (seed noise), never over parameters. ``--set KEY=VALUE`` applies to every run of
both sides (for mechanism checks: switch one grounded mechanism back to its neutral default);
``--sides after`` runs one side only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
HEADLINE = ("roi", "orders", "reach", "buyers")


@dataclass(frozen=True)
class Arm:
    """One arm of a family: a bundled scenario (file stem) and its ``--set`` overrides."""

    scenario: str
    overrides: tuple[tuple[str, object], ...] = ()
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.scenario


@dataclass(frozen=True)
class Family:
    """Bundled scenarios that answer one question; ``metric`` judges the second arm (and any
    later one) against the first. ``metric`` is a KPI, or one of the derived quantities of
    :func:`derived` (``peak_negative``, ``share_gap``, ``shock_loss``)."""

    name: str
    question: str
    arms: tuple[Arm, ...]
    metric: str
    lower_is_better: bool = False
    extra: tuple[str, ...] = field(default=())


NO_SHOCKS = (("shocks", []),)
FAMILIES: tuple[Family, ...] = (
    Family("KOL tiers", "which tier mix returns the most per yuan?",
           (Arm("kol_pyramid"), Arm("kol_head_heavy"), Arm("kol_waist_heavy"),
            Arm("kol_koc_swarm")), "roi", extra=("reach_creators", "cac")),
    Family("platform", "does the diversified plan lose less GMV to the feed's reach shock?",
           (Arm("platform_single"), Arm("platform_diversified")), "shock_loss",
           lower_is_better=True, extra=("gmv", "platform_dependence")),
    Family("community push", "does a community push beat the same money in paid ads?",
           (Arm("paid_acquisition"), Arm("community_push")), "roi",
           extra=("repurchase_rate", "platform_dependence")),
    Family("fission", "do referral rewards grow the community?",
           (Arm("fission_off"), Arm("fission_on")), "members",
           extra=("referred_members", "fission", "cost_per_member")),
    Family("content", "does diverse scene content engage and sell more than promotion?",
           (Arm("content_promo_homogeneous"), Arm("content_scene_diverse")), "orders",
           extra=("engagement_rate",)),
    Family("circle", "does circle-tagged copy raise engagement in the targeted circles?",
           (Arm("circle_generic"), Arm("circle_targeted")), "engagement_rate_targeted"),
    Family("guanxi", "does guanxi framing raise word-of-mouth reach?",
           (Arm("baseline"), Arm("guanxi_framing")), "reach_wom"),
    Family("festival", "do share-your-order rituals raise interaction?",
           (Arm("baseline"), Arm("festival_ritual")), "engagements", extra=("ugc_share",)),
    Family("crisis", "does a same-day response lower the negative-sentiment peak?",
           (Arm("crisis_slow"), Arm("crisis_fast")), "peak_negative", lower_is_better=True,
           extra=("orders",)),
    Family("budget", "does weekly re-allocation beat the static plan?",
           (Arm("budget_static"), Arm("budget_adaptive")), "roi"),
    Family("price war", "does the rival (who cut first and deeper) win share?",
           (Arm("price_war"),), "share_gap", extra=("brand_share", "rival_share")),
    Family("store o2o", "does a better redemption system lift the redemption rate?",
           (Arm("store_o2o_pilot"), Arm("store_o2o_better_redemption")), "redemption_rate",
           extra=("store_gmv",)),
    Family("distributors", "do steeper rebate steps keep more distributors active?",
           (Arm("distributor_recruitment"), Arm("distributor_steep_rebates")), "distributors",
           extra=("commissions", "roi")),
    Family("live commerce", "weekly self-broadcasts or one big host session?",
           (Arm("live_commerce"), Arm("live_commerce_host")), "roi", extra=("live_gmv",)),
    Family("group buying", "does a group discount beat a plain coupon of the same cost?",
           (Arm("group_buying_coupon"), Arm("group_buying")), "roi",
           extra=("orders", "spend_coupons", "group_orders")),
    Family("bargain assist", "does a pushier assist spread further, and annoy more?",
           (Arm("bargain_assist"), Arm("bargain_assist_pushy")), "assist_exposures",
           extra=("assist_annoyance", "roi")),
    Family("membership", "does the membership programme beat the same money as traffic?",
           (Arm("membership_traffic"), Arm("membership_tiers")), "roi", extra=("profit",)),
)


def derived(scenario: str, summary: dict, ts: pd.DataFrame | None) -> dict[str, float]:
    """Quantities a family judges that are not end-of-run KPIs: the peak of the daily negative
    sentiment index (0-1) and the rival's share of orders minus the brand's (-1..1)."""
    out: dict[str, float] = {}
    if ts is not None and "negative_sentiment" in ts:
        out["peak_negative"] = float(np.nanmax(ts["negative_sentiment"].to_numpy(float)))
    if "brand_share" in summary and "rival_share" in summary:
        out["share_gap"] = float(summary["rival_share"] - summary["brand_share"])
    return out


def run_job(job: tuple[str, str, str, tuple, int, int, tuple]) -> dict:
    """One run: ``(side, arm name, scenario path, overrides, consumers, seed, --set items)``
    -> one row (every scalar KPI, the derived quantities, the run's CPU seconds)."""
    from sim import load_scenario
    from sim.execution.runner import run_single

    side, arm, path, overrides, consumers, seed, sets_cli = job
    scenario = load_scenario(path, [f"run.consumers={consumers}", *sets_cli])
    if overrides:
        scenario = scenario.with_overrides(dict(overrides))
    t0 = time.process_time()
    res = run_single(scenario, seed, keep_timeseries=True)
    row = {"side": side, "arm": arm, "seed": seed, "cpu_s": time.process_time() - t0}
    row.update({k: float(v) for k, v in res.summary.items() if np.isscalar(v)})
    row.update(derived(arm, res.summary, res.timeseries))
    return row


def export_scenarios(ref: str, dest: Path) -> str:
    """Write ``ref``'s ``scenarios/`` folder under ``dest``; return the commit it resolves to."""
    commit = subprocess.run(["git", "rev-parse", ref], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    blob = subprocess.run(["git", "archive", "--format=tar", commit, "scenarios"], cwd=ROOT,
                          check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(dest, filter="data")
    return commit


def campaign_scenarios(folder: Path) -> list[str]:
    """Stems of the campaign scenarios (top-level ``*.toml``; not the reference modes)."""
    return sorted(p.stem for p in folder.glob("*.toml"))


def arms_to_run(names: list[str]) -> list[Arm]:
    """Every scenario once (plain), plus the extra arms families need (no-shock references)."""
    arms = [Arm(n) for n in names]
    for n in ("platform_single", "platform_diversified"):
        if n in names:
            arms.append(Arm(n, NO_SHOCKS, f"{n}@noshock"))
    return arms


def paired(a: np.ndarray, b: np.ndarray, lower: bool) -> dict[str, float | str]:
    """b - a per seed: mean, 95 % t-interval over seeds, P(b beats a), outcome."""
    from sim.execution.runner import mean_interval

    d = np.asarray(b, float) - np.asarray(a, float)
    if len(d) == 0 or np.isnan(d).any():
        return {"diff": np.nan, "lo": np.nan, "hi": np.nan, "p": np.nan, "outcome": "undefined"}
    m, lo, hi = mean_interval(d)
    wins = d < 0 if lower else d > 0
    p = float((wins.sum() + 0.5 * (d == 0).sum()) / len(d))
    if np.all(d == 0):
        outcome = "identical"
    elif len(d) < 2 or lo <= 0 <= hi:
        outcome = "unclear"
    else:
        outcome = "better" if (lo > 0) != lower else "worse"
    return {"diff": m, "lo": lo, "hi": hi, "p": p, "outcome": outcome}


def metric_values(rows: pd.DataFrame, side: str, fam: Family, arm: Arm) -> np.ndarray:
    """The family's metric per seed for one arm on one side (seed order)."""
    sel = rows[(rows.side == side) & (rows.arm == arm.name)].sort_values("seed")
    if fam.metric == "shock_loss":
        ref = rows[(rows.side == side) & (rows.arm == f"{arm.name}@noshock")].sort_values("seed")
        return 1.0 - sel["gmv"].to_numpy(float) / ref["gmv"].to_numpy(float)
    if fam.metric not in sel:
        return np.full(len(sel), np.nan)
    return sel[fam.metric].to_numpy(float)


def fmt(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 0.1:
        return f"{x:.3f}"
    return f"{x:.4f}"


def family_verdicts(rows: pd.DataFrame, side: str) -> list[dict]:
    """Per family and side: the metric's mean per arm and each later arm against the first;
    a single-arm family (the price war) tests its metric against zero."""
    out = []
    for fam in FAMILIES:
        vals = {arm.name: metric_values(rows, side, fam, arm) for arm in fam.arms}
        if any(len(v) == 0 for v in vals.values()):
            continue
        means = {k: float(np.mean(v)) for k, v in vals.items()}
        if len(fam.arms) == 1:
            v = vals[fam.arms[0].name]
            comps = [(fam.arms[0].name, "0", paired(np.zeros_like(v), v, fam.lower_is_better))]
        else:
            first = fam.arms[0].name
            comps = [(arm.name, first, paired(vals[first], vals[arm.name], fam.lower_is_better))
                     for arm in fam.arms[1:]]
        ranked = sorted(means, key=means.get, reverse=not fam.lower_is_better)
        lead = paired(vals[ranked[1]], vals[ranked[0]], fam.lower_is_better) if len(ranked) > 1 else None
        out.append({"family": fam.name, "question": fam.question, "metric": fam.metric,
                    "means": means, "comparisons": comps, "best": ranked[0],
                    "lead": lead, "runner_up": ranked[1] if len(ranked) > 1 else None})
    return out


def verdict_text(v: dict) -> str:
    """One line: best arm and whether its lead is more than seed noise."""
    if v["runner_up"] is None:
        c = v["comparisons"][0][2]
        sign = "> 0" if c["outcome"] == "better" else ("< 0" if c["outcome"] == "worse" else "~ 0")
        return f"{v['metric']} {sign}"
    lead = v["lead"]
    clear = "clear" if lead["outcome"] == "better" else "not distinguishable"
    return f"{v['best']} best ({clear} over {v['runner_up']})"


def report(rows: pd.DataFrame, seeds: list[int], consumers: int, commit: str) -> str:
    """The markdown report: headline table and family verdicts, before and after."""
    from sim.execution.runner import mean_interval

    lines = [f"Before: scenarios of commit {commit[:10]}; after: this checkout. "
             f"{consumers:,} consumers, each scenario's own days, seeds {seeds[0]}-{seeds[-1]} "
             f"({len(seeds)} seeds). Means over seeds; ROI with its 95 % t-interval over seeds.",
             ""]
    lines += ["| scenario | ROI before | ROI after | orders before | orders after | reach before "
              "| reach after | buyers before | buyers after |", "|---" * 9 + "|"]
    plain = rows[~rows.arm.str.contains("@")]
    mean = plain.groupby(["side", "arm"])[list(HEADLINE)].mean()
    for arm in sorted(plain.arm.unique()):
        cells = []
        for k in HEADLINE:
            for side in ("before", "after"):
                if (side, arm) not in mean.index:
                    cells.append("-")
                    continue
                cell = fmt(mean.loc[(side, arm), k])
                if k == "roi":
                    vals = plain[(plain.side == side) & (plain.arm == arm)]["roi"].to_numpy(float)
                    if len(vals) > 1:
                        _, lo, hi = mean_interval(vals)
                        cell += f" ({fmt(lo)} to {fmt(hi)})"
                cells.append(cell)
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    lines += ["", "Family verdicts: the second (and later) plan against the first, paired on the "
              "same seeds; 95 % interval over seeds.", "",
              "| family | metric | side | means per plan | difference vs first (95 % CI over seeds), "
              "P(beats) | outcome | verdict |", "|---" * 7 + "|"]
    for side in ("before", "after"):
        for v in family_verdicts(rows, side):
            means = ", ".join(f"{k} {fmt(m)}" for k, m in v["means"].items())
            comps = "; ".join(f"{b} vs {a}: {fmt(c['diff'])} ({fmt(c['lo'])} to {fmt(c['hi'])}), "
                              f"P {c['p']:.2f}" for b, a, c in v["comparisons"])
            outs = ", ".join(c["outcome"] for _, _, c in v["comparisons"])
            lines.append(f"| {v['family']} | {v['metric']} | {side} | {means} | {comps} | {outs} "
                         f"| {verdict_text(v)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--consumers", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--before-ref", default="main")
    ap.add_argument("--only", nargs="*", default=None, help="scenario stems to run (default all)")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--set", dest="sets", nargs="*", default=[],
                    help="KEY=VALUE overrides applied to every run of both sides")
    ap.add_argument("--sides", nargs="+", choices=("before", "after"),
                    default=["before", "after"])
    ap.add_argument("--rows", type=Path, default=None,
                    help="re-tabulate a runs.csv written by --out instead of running")
    args = ap.parse_args(argv)
    if args.consumers < 100 or args.workers < 1:
        print(f"error: --consumers {args.consumers} / --workers {args.workers} out of range "
              "(consumers >= 100, workers >= 1)", file=sys.stderr)
        return 2

    if args.rows is not None:
        rows = pd.read_csv(args.rows)
        seeds = sorted(int(s) for s in rows.seed.unique())
        print(report(rows, seeds, args.consumers, args.before_ref))
        return 0

    from sim import load_scenario
    from sim.config.scenario import ScenarioError
    from sim.execution.executors import map_runs

    try:  # bad --set keys or values fail here, before any run
        load_scenario(ROOT / "scenarios" / "baseline.toml", args.sets)
    except (ScenarioError, ValueError) as exc:
        print(f"error: --set {' '.join(args.sets)}: {exc}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        commit = export_scenarios(args.before_ref, Path(tmp))
        folders = {"before": Path(tmp) / "scenarios", "after": ROOT / "scenarios"}
        folders = {k: v for k, v in folders.items() if k in args.sides}
        jobs = []
        for side, folder in folders.items():
            names = campaign_scenarios(folder)
            if args.only:
                names = [n for n in names if n in args.only]
            for arm in arms_to_run(names):
                for seed in args.seeds:
                    jobs.append((side, arm.name, str(folder / f"{arm.scenario}.toml"),
                                 arm.overrides, args.consumers, seed, tuple(args.sets)))
        t0 = time.time()
        done = [0]

        def progress(_row: dict) -> None:
            done[0] += 1
            if done[0] % 20 == 0:
                print(f"  {done[0]}/{len(jobs)} runs, {time.time() - t0:.0f} s", file=sys.stderr)

        rows = pd.DataFrame(map_runs(run_job, jobs, workers=args.workers, on_done=progress))
    text = report(rows, args.seeds, args.consumers, commit)
    if args.sets:
        text = f"Every run with --set {' '.join(args.sets)}.\n\n" + text
    text += (f"\n{len(jobs)} runs, {time.time() - t0:.0f} s wall, "
             f"{rows.cpu_s.sum():.0f} s CPU in the runs, {args.workers} workers.\n")
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        rows.to_csv(args.out / "runs.csv", index=False)
        (args.out / "report.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
