"""Run every benchmark and write their tables into ``benchmarks/RESULTS.md``.

    python benchmarks/run_all.py [--quick] [--only cascade,scaling,mesa,sweep,workshop] [--render-only]

Each benchmark runs in its own process, one after the other (never two at once: they would
slow each other down), and leaves ``benchmarks/results/<name>.json``. The tables between the
``<!-- results:begin -->`` and ``<!-- results:end -->`` markers of RESULTS.md are then
regenerated from those files; the prose around them is kept. ``--quick`` runs smaller
versions of every benchmark (a few minutes in all) for checking that they work; the recorded
results come from the full run (about 4 minutes on an idle 2-core machine).
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
    "cascade": "bench_cascade.py",
    "scaling": "bench_scaling.py",
    "mesa": "bench_mesa.py",
    "sweep": "bench_sweep.py",
    "workshop": "bench_workshop.py",
}


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


def scaling_table(r: dict) -> list[str]:
    out = [f"### Full model scaling ({r['machine']['date']}, `{r['command']}`)", "",
           f"`{r['scenario']}`, {r['days']} days, seed {r['seed']}, mean degree 15; each size in "
           "a fresh process. *total* = process wall time, imports included; *steps* = the "
           f"{r['days']} daily steps; ns per consumer-day = steps ÷ (consumers × days). "
           "Versions: " + ", ".join(f"{k} {v}" for k, v in r["versions"].items()) + ".", "",
           "| consumers | edges | total s | graph s | rest of build s | steps s | steps CPU s "
           "| ns / consumer-day | peak RSS GB | load before → after |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for row in r["rows"]:
        out.append(f"| {row['consumers']:,} | {row['edges']:,} | {fmt(row['total_s'])} | "
                   f"{fmt(row['graph_s'])} | {fmt(row['build_other_s'])} | {fmt(row['steps_s'])} | "
                   f"{fmt(row['steps_cpu_s'])} | {fmt(row['ns_per_consumer_day'])} | "
                   f"{row['peak_rss_gb']:.2f} | {row['load_before']} → {row['load_after']} |")
    if "cli" in r:
        c = r["cli"]
        out += ["", f"`{c['command']}` end to end: {fmt(c['wall_s'])} s wall "
                f"(load {c['load_before']} → {c['load_after']})."]
    return out


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
           "| backend | runs | wall s | runs / s | load |", "|---|---|---|---|---|"]
    for row in r["rows"]:
        out.append(f"| {row['backend']} | {row['runs']} | {fmt(row['wall_s'])} | "
                   f"{row['runs_per_s']:.2f} | {row['load_before']} |")
    out += ["", f"Speed-up with all cores: {r['speedup']:.2f}×; identical results on both "
            f"backends: {r['same_results']}."]
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


def render() -> None:
    blocks = []
    for name, fn in (("cascade", cascade_table), ("scaling", scaling_table),
                     ("mesa", mesa_table), ("sweep", sweep_table), ("workshop", workshop_table)):
        r = read(name)
        if r is not None:
            blocks.append("\n".join(fn(r)))
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
            cmd = [sys.executable, BENCHES[name]] + (["--quick"] if args.quick else [])
            print(f"== {name}: {' '.join(Path(c).name if i < 2 else c for i, c in enumerate(cmd))}",
                  flush=True)
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=HERE, check=True)
            print(f"== {name} done in {time.perf_counter() - t0:.0f} s", flush=True)
    render()
    print(f"tables written to {RESULTS_MD}")


if __name__ == "__main__":
    main()
