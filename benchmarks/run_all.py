"""Run every benchmark and write their tables into ``benchmarks/RESULTS.md``.

    python benchmarks/run_all.py [--quick] [--render-only]
                                 [--only cascade,scaling,mesa,sweep,workshop,replications,scale10m]

Each benchmark runs in its own process, one after the other (never two at once: they would
slow each other down), and leaves ``benchmarks/results/<name>.json``. The tables between the
``<!-- results:begin -->`` and ``<!-- results:end -->`` markers of RESULTS.md are then
regenerated from those files; the prose around them is kept. ``--quick`` runs smaller
versions of every benchmark (a few minutes in all) for checking that they work; the recorded
results come from the full run (about 15 minutes on an idle 2-core machine, most of it the
200 IC replications and the 10-million-consumer run). ``scale10m`` needs about 10 GB of free
memory and is skipped, with a message, when less is available (``--quick`` runs it at 1M).
A table of the targets (issue-level goals) and whether each is met closes the results.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS_MD = HERE / "RESULTS.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
BENCHES = {
    "cascade": ["bench_cascade.py"],
    "scaling": ["bench_scaling.py"],
    "mesa": ["bench_mesa.py"],
    "sweep": ["bench_sweep.py"],
    "replications": ["bench_replications.py"],
    "scale10m": ["bench_scaling.py", "--sizes", "10000000", "--no-cli", "--name", "scaling_10m"],
    "workshop": ["bench_workshop.py"],
}
QUICK = {"scale10m": ["bench_scaling.py", "--sizes", "1000000", "--no-cli", "--name",
                      "scaling_10m"]}
MIN_FREE_GB = {"scale10m": 12.0}


def free_gb() -> float:
    """Memory available now (``MemAvailable``), GB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable"):
            return int(line.split()[1]) / 2**20
    return float("inf")


def read(name: str) -> dict | None:
    path = HERE / "results" / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def fmt(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


def cascade_table(r: dict) -> list[str]:
    g = r["graph"]
    out = [f"### Independent cascade vs peers ({r['machine']['date']}, `{r['command']}`)", "",
           f"Barabási–Albert n = {g['n']:,}, m = {g['m']} ({g['edges']:,} edges), {g['seeds']} "
           f"random seed nodes (the same for every tool and run); {r['runs']} runs for socsim and "
           f"cynetdiff, {r['ndlib_runs']} for ndlib. Versions: "
           + ", ".join(f"{k} {v}" for k, v in r["versions"].items()) + ".", "",
           "| p | tool | runs | median ms/run | mean final size ± SE | z vs cynetdiff "
           "| KS p vs cynetdiff | time ÷ cynetdiff | load |",
           "|---|---|---|---|---|---|---|---|---|"]
    for row in r["rows"]:
        ks = row.get("ks_p_vs_cynetdiff")
        out.append(f"| {row['p']} | {row['tool']} | {row['runs']} | {fmt(row['median_ms'], 3)} | "
                   f"{fmt(row['mean_size'])} ± {fmt(row['se_size'])} | "
                   f"{row['z_vs_cynetdiff']:+.2f} | {'' if ks is None else f'{ks:.2f}'} | "
                   f"{row['ratio_to_cynetdiff']:.2f} | {row['load_before']} |")
    for row in r["rows"]:
        if row["tool"] == "socsim":
            out.append("")
            out.append(f"p = {row['p']}: socsim takes {row['ratio_to_cynetdiff']:.2f}× "
                       f"cynetdiff's time and is {fmt(row['speedup_vs_ndlib'], 0)}× faster than "
                       "ndlib.")
    return out


def scaling_table(r: dict, title: str = "Full model scaling") -> list[str]:
    split = "population_s" in r["rows"][0]
    out = [f"### {title} ({r['machine']['date']}, `{r['command']}`)", "",
           f"`{r['scenario']}`, {r['days']} days, seed {r['seed']}, mean degree 15; each size in "
           "a fresh process. *total* = process wall time, imports included; *steps* = the "
           f"{r['days']} daily steps; ns per consumer-day = steps ÷ (consumers × days)"
           + ("; *output* = time series frame, attribution table and Parquet file" if split
              else "") + ". Versions: " + ", ".join(f"{k} {v}" for k, v in r["versions"].items())
           + ".", ""]
    if split:
        out += ["| consumers | edges | total s | total CPU s | graph s | population s "
                "| rest of build s | steps s | output s | steps CPU s | ns / consumer-day "
                "| peak RSS GB | load before → after |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    else:
        out += ["| consumers | edges | total s | graph s | rest of build s | steps s | steps CPU s "
                "| ns / consumer-day | peak RSS GB | load before → after |",
                "|---|---|---|---|---|---|---|---|---|---|"]
    for row in r["rows"]:
        mid = (f"{fmt(row['population_s'])} | {fmt(row['build_other_s'])} | "
               f"{fmt(row['steps_s'])} | {fmt(row['output_s'])}" if split else
               f"{fmt(row['build_other_s'])} | {fmt(row['steps_s'])}")
        total = (f"{fmt(row['total_s'])} | {fmt(row['total_cpu_s'])}" if split
                 else fmt(row["total_s"]))
        out.append(f"| {row['consumers']:,} | {row['edges']:,} | {total} | "
                   f"{fmt(row['graph_s'])} | {mid} | {fmt(row['steps_cpu_s'])} | "
                   f"{fmt(row['ns_per_consumer_day'])} | {row['peak_rss_gb']:.2f} | "
                   f"{row['load_before']} → {row['load_after']} |")
    if "cli" in r:
        c = r["cli"]
        out += ["", f"`{c['command']}` end to end: {fmt(c['wall_s'])} s wall "
                f"(load {c['load_before']} → {c['load_after']})."]
    return out


def scale10m_table(r: dict) -> list[str]:
    return scaling_table(r, "Ten million consumers")


def replications_table(r: dict) -> list[str]:
    out = [f"### Extra replications ({r['machine']['date']}, `{r['command']}`)", ""]
    if "ic" in r:
        ic = r["ic"]
        (sm, ss), (cm, cs) = ic["socsim_size"], ic["cynetdiff_size"]
        when = f" (measured {ic['measured']})" if "measured" in ic else ""
        out += [f"Independent cascade{when} on a 100,000-node Barabási–Albert edge list (m = 5), "
                f"T = 0.05, 50 seeds, {ic['days']} days per replication, through `replicate` "
                "(what `socsim run … --reps` does); an extra replication = (1 + R runs − 1 run) "
                "÷ R in one process, both after a first run that pays the one-off costs; cynetdiff on the same graph, R cascades of 50 random seeds.",
                "", "| R | socsim ms / extra replication | first replication s | cynetdiff ms "
                "/ cascade | ratio | final size socsim | final size cynetdiff | z | load |",
                "|---|---|---|---|---|---|---|---|---|",
                f"| {ic['reps']} | {fmt(ic['socsim_extra_rep_ms'], 2)} | "
                f"{fmt(ic['socsim_first_rep_s'])} | {fmt(ic['cynetdiff_ms'], 2)} | "
                f"{ic['ratio']:,.2f}× | {fmt(sm, 0)} ± {fmt(ss, 0)} | {fmt(cm, 0)} ± {fmt(cs, 0)} "
                f"| {ic['z']:+.2f} | {ic['load_before']} → {ic['load_after']} |", ""]
        if "model_path_ms" in ic:
            out += [f"Measured in the same run: {fmt(ic['timeseries_kept_ms'], 2)} ms per extra "
                    "replication with the time series kept (`socsim run … --out`); "
                    f"{fmt(ic['model_path_ms'])} ms through one model per replication "
                    f"(`run_single`, R = {ic['model_path_reps']}; the same summaries: "
                    f"{'yes' if ic['model_path_same_summaries'] else '**no**'}).", ""]
    if "threshold" in r:
        th = r["threshold"]
        out += [f"Threshold on the same edge list (`threshold.toml`, 50 seeds, 40 days), per "
                f"extra replication (R = {th['reps']} in batches, R in brackets for one model each), "
                f"load {th['load_before']} → {th['load_after']}:", "",
                "| φ | final engaged | batches ms | one model each ms (R) | ratio | same summaries |",
                "|---|---|---|---|---|---|"]
        out += [f"| {x['phi']} | {fmt(x['engaged'][0], 0)} | {fmt(x['batch_ms'], 2)} | "
                f"{fmt(x['model_path_ms'])} ({x['model_path_reps']}) | "
                f"{x['model_path_ms'] / x['batch_ms']:,.1f}× | "
                f"{'yes' if x['same_summaries'] else '**no**'} |" for x in th["rows"]]
        out.append("")
    if "small" not in r:
        return out
    sm = r["small"]
    measured = f" (measured {sm['measured']})" if "measured" in sm else ""
    out += [f"Baseline, {sm['days']} days{measured}: an extra 10,000-consumer replication (R = "
            f"{sm['reps']} per block, two blocks around the big run) against one "
            f"{sm['big']:,}-consumer run (build, steps and outputs), in one process.", "",
            "| 10k s / extra replication | 10k ns / consumer-day | big run s | big ns / "
            "consumer-day | ratio | CPU: 10k s / extra replication, big run s, ratio | load |",
            "|---|---|---|---|---|---|---|",
            f"| {sm['small_extra_rep_s']:.3f} | {fmt(sm['ns_small'], 0)} | {fmt(sm['big_run_s'])} "
            f"| {fmt(sm['ns_big'], 0)} | {sm['ratio']:.2f}× | {_cpu_cell(sm)} | "
            f"{sm['load_before']} → {sm['load_after']} |"]
    return out


def _cpu_cell(sm: dict) -> str:
    """The small-vs-big CPU figures (absent in results measured before they were recorded)."""
    if "cpu_ratio" not in sm:
        return "not recorded"
    return (f"{sm['small_extra_rep_cpu_s']:.3f}, {fmt(sm['big_run_cpu_s'])}, "
            f"{sm['cpu_ratio']:.2f}×")


def mesa_table(r: dict) -> list[str]:
    out = [f"### socsim vs idiomatic Mesa ({r['machine']['date']}, `{r['command']}`)", "",
           f"Scenario `{r['scenario']}`; time per step excludes world building for both; each "
           "size in a fresh process, socsim and Mesa replications alternating. "
           "Versions: " + ", ".join(f"{k} {v}" for k, v in r["versions"].items()) + ".", "",
           "| consumers | days | socsim ms/step (CPU) | Mesa ms/step (CPU) | speed-up wall (CPU) "
           "| reps socsim / Mesa | load |",
           "|---|---|---|---|---|---|---|"]
    for row in r["rows"]:
        s, m = row["socsim"], row["mesa"]
        out.append(f"| {row['consumers']:,} | {row['days']} | {fmt(s['ms_per_step'], 2)} "
                   f"({fmt(s['cpu_ms_per_step'], 2)}) | {fmt(m['ms_per_step'], 0)} "
                   f"({fmt(m['cpu_ms_per_step'], 0)}) | {row['speedup_per_step']:.0f}× "
                   f"({row['speedup_per_step_cpu']:.0f}×) | {s['reps']} / {m['reps']} | "
                   f"{s['load_before']} → {s['load_after']} |")
    out += ["", "KPIs at the end of the run (mean ± standard error over replications; z of the "
            "difference):", "", "| consumers | KPI | socsim | Mesa | z |", "|---|---|---|---|---|"]
    for row in r["rows"]:
        for k, a in row["socsim"]["kpis"].items():
            b = row["mesa"]["kpis"][k]
            out.append(f"| {row['consumers']:,} | {k} | {fmt(a['mean'])} ± {fmt(a['se'])} | "
                       f"{fmt(b['mean'])} ± {fmt(b['se'])} | {row['z'][k]:+.2f} |")
    return out


def sweep_table(r: dict) -> list[str]:
    out = [f"### Sweep throughput ({r['machine']['date']}, `{r['command']}`)", "",
           f"{r['scenario']}, {r['runs']} runs of a Latin-hypercube sweep through "
           "`sim.sweeps.driver.run_sweep` (Parquet output included).", "",
           "| backend | runs | wall s | runs / s | CPU s per run | rows identical to serial "
           "| load |", "|---|---|---|---|---|---|---|"]
    same = r.get("same_by_backend", {})
    for row in r["rows"]:
        ident = same.get(row["backend"], r["same_results"])
        cpu = (f"{row['cpu_s'] / row['runs']:.3f} ({row['cpu_of']})"
               if row.get("cpu_s") is not None else "—")
        out.append(f"| {row['backend']} | {row['runs']} | {fmt(row['wall_s'])} | "
                   f"{row['runs_per_s']:.2f} | {cpu} | {'yes' if ident else 'NO'} | "
                   f"{row['load_before']} |")
    out += ["", f"Speed-up with all cores: process pool {r['speedup']:.2f}×"
            + (f", TCP Dask cluster {r['cluster_speedup']:.2f}× (the cluster's start-up, "
               f"{r['cluster_startup_s']:.1f} s, not counted)" if "cluster_speedup" in r else "")
            + f"; identical results on every backend: {r['same_results']}."]
    if "control" in r:
        c = r["control"]
        out += ["", f"Control, measured right after: pure-Python CPU work on the same number of "
                f"processes ran {c['speedup']:.2f}× faster than serially (load {c['load']}) — "
                "the most any parallel sweep could gain on the machine at that moment."]
    return out


def workshop_table(r: dict) -> list[str]:
    b, d = r.get("browser_step_click"), r["per_day"]
    out = [f"### Workshop page latency ({r['machine']['date']}, `{r['command']}`)", "",
           f"{r['consumers']:,} consumers per session, {r['shown']:,} drawn, the baseline with "
           "the \"Viral cascade\" preset; headless Chromium at 1280×800. Versions: "
           + ", ".join(f"{k} {v}" for k, v in r["versions"].items()) + ".", "",
           "| measure | median ms | p90 ms | max ms | load |", "|---|---|---|---|---|"]
    if b:
        out.append(f"| Step click → new day and frame on screen ({b['clicks']} clicks; target "
                   f"p90 ≤ 400) | {fmt(b['median_ms'], 0)} | {fmt(b['p90_ms'], 0)} | "
                   f"{fmt(b['max_ms'], 0)} | {b['load_before']} → {b['load_after']} |")
    for key, label in (("step", "one simulated day"), ("network", "network frame"),
                       ("charts", "charts frame"), ("total", "day + both frames, wall"),
                       ("total_cpu", "day + both frames, CPU")):
        out.append(f"| {label} ({r['days']} days, in process) | {fmt(d[key]['median_ms'], 0)} | "
                   f"{fmt(d[key]['p90_ms'], 0)} | {fmt(d[key]['max_ms'], 0)} | "
                   f"{r['load_before']} → {r['load_after']} |")
    if b:
        cpu = b.get("server_cpu_ms_per_click")
        out += ["", (f"Server CPU per Step click (the page's process, Solara included): "
                     f"{fmt(cpu, 0)} ms. " if cpu else "")
                + f"Play: {b['play_days_per_s']:.1f} days per second."]
    return out


def _status(ok: bool | None) -> str:
    return "not measurable (see the row)" if ok is None else ("met" if ok else "**not met**")


def targets_table() -> list[str]:
    """One row per target, from whatever result files exist."""
    rows = []
    if (r := read("replications")) is not None:
        if "ic" in r:
            ic = r["ic"]
            rows.append(("IC, extra replications on the 100k BA edge list ≤ 2× cynetdiff",
                         f"{ic['ratio']:,.2f}× ({fmt(ic['socsim_extra_rep_ms'], 2)} vs "
                         f"{fmt(ic['cynetdiff_ms'], 2)} ms, R = {ic['reps']})", ic["ratio"] <= 2))
        if (sm := r.get("small")) is not None:
            cpu = f"; CPU {sm['cpu_ratio']:.2f}×" if "cpu_ratio" in sm else ""
            rows.append((f"ns / consumer-day, 10k extra replications ≤ 1.5× one {sm['big']:,} run",
                         f"{sm['ratio']:.2f}× ({fmt(sm['ns_small'], 0)} vs {fmt(sm['ns_big'], 0)} ns)"
                         f"{cpu}", sm["ratio"] <= 1.5))
    if (r := read("sweep")) is not None and "cluster_speedup" in r:
        ok = r["cluster_speedup"] >= 1.4 and r["same_results"]
        workers = r["rows"][-1]["workers"]
        if r["same_results"] and (r["control"]["speedup"] < 1.4
                                  or r["cluster_speedup"] > 1.05 * workers):
            ok = None  # the machine could not give (or the passes met different loads)
        rows.append(("TCP Dask cluster sweep: identical rows, ≥ 1.4× serial",
                     f"{r['cluster_speedup']:.2f}×, identical: {r['same_results']} "
                     f"(machine control {r['control']['speedup']:.2f}×)", ok))
    if (r := read("scaling_10m")) is not None:
        big = r["rows"][-1]
        rows.append((f"{big['consumers']:,} × 90 days ≤ 100 s and ≤ 10 GB",
                     f"{fmt(big['total_s'])} s wall at load {big['load_before']} "
                     f"({fmt(big['total_cpu_s'])} s CPU), {big['peak_rss_gb']:.2f} GB",
                     big["total_s"] <= 100 and big["peak_rss_gb"] <= 10))
        if (s := read("scaling")) is not None:
            one = next((x for x in s["rows"] if x["consumers"] == 1_000_000), None)
            if one is not None:  # CPU time: the two runs may have met different loads
                a = 1e9 * one["steps_cpu_s"] / (one["consumers"] * one["days"])
                b = 1e9 * big["steps_cpu_s"] / (big["consumers"] * big["days"])
                rows.append(("steps CPU ns / consumer-day flat 1M → 10M (≤ 1.15×)",
                             f"{a:.1f} → {b:.1f} ns ({b / a:.2f}×)", b / a <= 1.15))
    if (r := read("scaling")) is not None:
        one = next((x for x in r["rows"] if x["consumers"] == 1_000_000), None)
        if one is not None:
            rows.append(("1M × 90 days ≤ 60 s and ≤ 4 GB",
                         f"{fmt(one['total_s'])} s, {one['peak_rss_gb']:.2f} GB",
                         one["total_s"] <= 60 and one["peak_rss_gb"] <= 4))
    if (r := read("mesa")) is not None:
        hk = next((x for x in r["rows"] if x["consumers"] == 100_000), None)
        if hk is not None:
            rows.append(("≥ 100× idiomatic Mesa per step at 100k", f"{hk['speedup_per_step']:.0f}×",
                         hk["speedup_per_step"] >= 100))
    if (r := read("workshop")) is not None and r.get("browser_step_click"):
        p90 = r["browser_step_click"]["p90_ms"]
        rows.append(("workshop Step → frame, p90 ≤ 400 ms", f"{fmt(p90, 0)} ms", p90 <= 400))
    if (r := read("cascade")) is not None:
        soc = next((x for x in r["rows"] if x["tool"] == "socsim" and x["p"] == 0.05), None)
        if soc is not None:
            rows.append(("IC kernel ≤ 1.5× cynetdiff per cascade (p = 0.05)",
                         f"{soc['ratio_to_cynetdiff']:.2f}×", soc["ratio_to_cynetdiff"] <= 1.5))
    out = ["### Targets", "", "Each figure from the tables above (its date and load are there).", "",
           "| target | measured | status |", "|---|---|---|"]
    out += [f"| {t} | {m} | {_status(ok)} |" for t, m, ok in rows]
    return out


def render() -> None:
    blocks = []
    for name, fn in (("cascade", cascade_table), ("scaling", scaling_table),
                     ("scaling_10m", scale10m_table), ("replications", replications_table),
                     ("mesa", mesa_table), ("sweep", sweep_table), ("workshop", workshop_table)):
        r = read(name)
        if r is not None:
            blocks.append("\n".join(fn(r)))
    blocks.append("\n".join(targets_table()))
    first = next((read(n) for n in BENCHES if read(n) is not None), None)
    head = []
    if first is not None:
        m = first["machine"]
        head = [f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, {m['os']}; "
                f"revision {m['revision']}.", ""]
    text = "\n".join([BEGIN, "", *head, "\n\n".join(blocks), "", END])
    md = RESULTS_MD.read_text() if RESULTS_MD.exists() else f"# Benchmark results\n\n{BEGIN}\n{END}\n"
    if BEGIN in md and END in md:
        md = md[: md.index(BEGIN)] + text + md[md.index(END) + len(END):]
    else:
        md = md.rstrip() + "\n\n" + text + "\n"
    RESULTS_MD.write_text(md)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small versions of every benchmark")
    ap.add_argument("--only", default=None, help="comma-separated subset of " + ",".join(BENCHES))
    ap.add_argument("--render-only", action="store_true", help="only rewrite RESULTS.md tables")
    args = ap.parse_args()
    if not args.render_only:
        names = args.only.split(",") if args.only else list(BENCHES)
        for name in names:
            if name not in BENCHES:
                raise SystemExit(f"--only: unknown benchmark {name!r}; choose from {list(BENCHES)}")
            if name in MIN_FREE_GB and free_gb() < MIN_FREE_GB[name]:
                print(f"== {name}: skipped, {free_gb():.1f} GB available < "
                      f"{MIN_FREE_GB[name]} GB needed", flush=True)
                continue
            if args.quick:
                cmd = [sys.executable, *QUICK.get(name, [*BENCHES[name], "--quick"])]
            else:
                cmd = [sys.executable, *BENCHES[name]]
            print(f"== {name}: {' '.join(Path(c).name if i < 2 else c for i, c in enumerate(cmd))}",
                  flush=True)
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=HERE, check=True)
            print(f"== {name} done in {time.perf_counter() - t0:.0f} s", flush=True)
    render()
    print(f"tables written to {RESULTS_MD}")


if __name__ == "__main__":
    main()
