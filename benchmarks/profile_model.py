"""Profile one baseline run with pyinstrument (the profiles in ``benchmarks/profiles/``).

    python benchmarks/profile_model.py [consumers] [days] [--out profiles/after_1m.txt]

Builds the model from ``scenarios/baseline.toml`` with ``run.consumers`` overridden and steps
it; prints build and step times and writes pyinstrument's call tree (build and steps).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import ROOT, load
from pyinstrument import Profiler


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("consumers", type=int, nargs="?", default=1_000_000)
    ap.add_argument("days", type=int, nargs="?", default=90)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    before = load()
    prof = Profiler()
    prof.start()
    from sim.engine.model import SocialCommerceModel
    from sim.config.scenario import load_scenario

    scn = load_scenario(ROOT / "scenarios" / "baseline.toml",
                        {"run.consumers": args.consumers, "run.days": args.days})
    t0 = time.perf_counter()
    model = SocialCommerceModel(scn, seed=1)
    t1 = time.perf_counter()
    while model.running:
        model.step()
    t2 = time.perf_counter()
    prof.stop()
    head = (f"# baseline, {args.consumers:,} consumers x {args.days} days: build {t1 - t0:.1f} s, "
            f"steps {t2 - t1:.1f} s; load {before} -> {load()}\n")
    text = head + prof.output_text(unicode=True, color=False)
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
