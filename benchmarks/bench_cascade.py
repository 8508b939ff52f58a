"""Independent cascade: socsim's compiled kernel against cynetdiff and ndlib on the same graph.

    python benchmarks/bench_cascade.py [--quick] [--runs 500] [--ndlib-runs 10]

Graph: Barabási–Albert, n = 100,000, m = 5 (networkx, seed 1), converted once to the CSR
arrays every tool runs on (graph building is excluded for all tools). Seeds: 50 nodes drawn
once at random and used by every run of every tool. Uniform activation probability p = 0.05
and p = 0.01.

Per run we time exactly one cascade to extinction:

* socsim: ``sim.kernels.cascade.independent_cascade(graph, seeds, p, rng)`` (what the model's
  ``independent_cascade`` mode calls one generation a day);
* cynetdiff: ``reset_model(); advance_until_completion(); get_num_activated_nodes()`` on an
  ``IndependentCascadeModel`` built once;
* ndlib: ``reset(seeds)`` and ``iteration()`` until no node is infected, on an
  ``IndependentCascadesModel`` whose per-edge thresholds were configured once. ndlib takes
  seconds per run, so it gets fewer runs (``--ndlib-runs``).

Reported: median time per run, mean final size ± standard error, the z score of the
difference of mean final sizes against cynetdiff, and a two-sample Kolmogorov–Smirnov p-value
against cynetdiff's final sizes (the sizes are skewed and heavy-tailed near the epidemic
threshold, so a handful of ndlib runs can sit far from the mean: the KS test is the fairer
check for ndlib's 20 runs).
"""

from __future__ import annotations

import argparse
import math
import time

import networkx as nx
import numpy as np
from common import Timer, load, save, versions
from scipy.stats import ks_2samp

N, M, SEEDS = 100_000, 5, 50
PROBS = (0.05, 0.01)


def build_graph():
    g = nx.barabasi_albert_graph(N, M, seed=1)
    a = nx.to_scipy_sparse_array(g, nodelist=range(N), format="csr")
    a.sort_indices()
    return g, a.indptr.astype(np.int64), a.indices.astype(np.int32)


def summarise(times: list[float], sizes: list[int]) -> dict:
    s = np.asarray(sizes, dtype=float)
    return {
        "runs": len(times),
        "median_ms": 1000 * float(np.median(times)),
        "mean_ms": 1000 * float(np.mean(times)),
        "mean_size": float(s.mean()),
        "se_size": float(s.std(ddof=1) / math.sqrt(len(s))) if len(s) > 1 else float("nan"),
        "sizes": [int(x) for x in sizes],
    }


def run_socsim(indptr, indices, seeds, p, runs):
    from sim.kernels.cascade import independent_cascade
    from sim.world.graph import SocialGraph

    graph = SocialGraph(indptr, indices, np.ones(len(indices), np.float32),
                        np.zeros(len(indices), bool))
    rng = np.random.default_rng(12345)
    independent_cascade(graph, seeds, p, rng)  # compile / load the cached machine code
    times, sizes = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        k = len(independent_cascade(graph, seeds, p, rng))
        times.append(time.perf_counter() - t0)
        sizes.append(k)
    return summarise(times, sizes)


def run_cynetdiff(indptr, indices, seeds, p, runs):
    from cynetdiff.models import IndependentCascadeModel

    model = IndependentCascadeModel(indptr[:-1].astype(np.uint32), indices.astype(np.uint32),
                                    activation_prob=p, rng=np.random.default_rng(12345))
    model.set_seeds(seeds.tolist())
    times, sizes = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        model.reset_model()
        model.advance_until_completion()
        k = model.get_num_activated_nodes()
        times.append(time.perf_counter() - t0)
        sizes.append(k)
    return summarise(times, sizes)


def run_ndlib(g, seeds, p, runs):
    import ndlib.models.epidemics as ep
    import ndlib.models.ModelConfig as mc

    np.random.seed(12345)  # ndlib draws from numpy's global generator
    model = ep.IndependentCascadesModel(g)
    cfg = mc.Configuration()
    cfg.add_model_initial_configuration("Infected", seeds.tolist())
    for e in g.edges():
        cfg.add_edge_configuration("threshold", e, p)
    model.set_initial_status(cfg)
    times, sizes = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        model.reset(seeds.tolist())
        while True:
            it = model.iteration(node_status=False)
            if it["iteration"] > 0 and it["node_count"][1] == 0:
                break
        k = it["node_count"][2] + it["node_count"][1]
        times.append(time.perf_counter() - t0)
        sizes.append(k)
    return summarise(times, sizes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100 runs, 2 ndlib runs")
    ap.add_argument("--runs", type=int, default=None, help="runs for socsim and cynetdiff (≥ 100)")
    ap.add_argument("--ndlib-runs", type=int, default=None)
    args = ap.parse_args()
    runs = args.runs or (100 if args.quick else 500)
    ndlib_runs = args.ndlib_runs or (2 if args.quick else 20)

    t0 = time.perf_counter()
    g, indptr, indices = build_graph()
    print(f"BA graph n={N} m={M}: {len(indices) // 2} edges, built in "
          f"{time.perf_counter() - t0:.1f} s (excluded from all timings)")
    seeds = np.random.default_rng(7).choice(N, size=SEEDS, replace=False).astype(np.int64)

    rows = []
    for p in PROBS:
        for tool in ("socsim", "cynetdiff", "ndlib"):
            with Timer() as t:
                if tool == "socsim":
                    res = run_socsim(indptr, indices, seeds, p, runs)
                elif tool == "cynetdiff":
                    res = run_cynetdiff(indptr, indices, seeds, p, runs)
                else:
                    res = run_ndlib(g, seeds, p, ndlib_runs)
            res.update(tool=tool, p=p, load_before=t.load_before, load_after=t.load_after)
            rows.append(res)
            print(f"p={p:<5} {tool:10} runs={res['runs']:4d} median {res['median_ms']:9.3f} ms  "
                  f"size {res['mean_size']:8.1f} ± {res['se_size']:6.1f}   load {t.load_before}")
    for p in PROBS:
        ref = next(r for r in rows if r["p"] == p and r["tool"] == "cynetdiff")
        for r in rows:
            if r["p"] != p:
                continue
            r["ratio_to_cynetdiff"] = r["median_ms"] / ref["median_ms"]
            se = math.hypot(r["se_size"], ref["se_size"])
            r["z_vs_cynetdiff"] = (r["mean_size"] - ref["mean_size"]) / se if se > 0 else 0.0
            # final sizes are skewed: also a distribution test (two-sample Kolmogorov–Smirnov)
            r["ks_p_vs_cynetdiff"] = float(ks_2samp(r["sizes"], ref["sizes"]).pvalue)
        soc = next(r for r in rows if r["p"] == p and r["tool"] == "socsim")
        nd = next(r for r in rows if r["p"] == p and r["tool"] == "ndlib")
        soc["speedup_vs_ndlib"] = nd["median_ms"] / soc["median_ms"]
        print(f"p={p}: socsim/cynetdiff time = {soc['ratio_to_cynetdiff']:.2f}, "
              f"ndlib/socsim = {soc['speedup_vs_ndlib']:.0f}x, "
              f"size z(socsim vs cynetdiff) = {soc['z_vs_cynetdiff']:+.2f} "
              f"(KS p {soc['ks_p_vs_cynetdiff']:.2f}), z(ndlib vs cynetdiff) = "
              f"{nd['z_vs_cynetdiff']:+.2f} (KS p {nd['ks_p_vs_cynetdiff']:.2f})")
    for r in rows:
        r.pop("sizes")
    save("cascade", {
        "graph": {"kind": "barabasi_albert", "n": N, "m": M, "edges": int(len(indices) // 2),
                  "seeds": SEEDS},
        "runs": runs, "ndlib_runs": ndlib_runs, "rows": rows, "load_end": load(),
        "versions": versions("numpy", "numba", "cynetdiff", "ndlib", "networkx"),
    })


if __name__ == "__main__":
    main()
