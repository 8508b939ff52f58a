"""A sweep's design: its sample points (grid, or SALib's Latin hypercube, Sobol' (Saltelli) and
Morris samplers, seeded by ``sweep.seed``) and the runs they expand to (run_id order)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.sweeps.spec import Sweep
from sim.sweeps.tasks import RunSpec, run_seed


@dataclass(frozen=True)
class Design:
    """The sample points of a sweep.

    ``samples`` is the (n_points, D) matrix in SALib's sampling space (what its analysers
    expect); ``points`` holds the parameter values given to the scenario, point by point.
    """

    names: list[str]
    problem: dict[str, Any]
    samples: np.ndarray
    points: list[list[Any]]

    @property
    def n_points(self) -> int:
        return len(self.points)


def generate_design(sweep: Sweep) -> Design:
    """Sample the design (deterministic given ``sweep.seed``)."""
    params = sweep.parameters
    problem = {
        "num_vars": len(params),
        "names": sweep.names,
        "bounds": [p.sampling_bounds() for p in params],
    }
    if sweep.design == "grid":
        axes = [p.grid_values() for p in params]
        points = [list(combo) for combo in itertools.product(*axes)]
        coords = [
            [float(p.values.index(v)) if p.values is not None else float(v) for p, v in zip(params, pt, strict=True)]
            for pt in points
        ]
        X = np.asarray(coords, dtype=float).reshape(len(points), len(params))
        return Design(sweep.names, problem, X, points)
    N = int(sweep.samples)  # type: ignore[arg-type]
    if sweep.design == "latin_hypercube":
        from SALib.sample import latin

        X = latin.sample(problem, N, seed=sweep.seed)
    elif sweep.design == "sobol":
        from SALib.sample import sobol

        X = sobol.sample(problem, N, calc_second_order=sweep.second_order, seed=sweep.seed)
    else:
        from SALib.sample import morris

        X = morris.sample(problem, N, num_levels=sweep.morris_levels, seed=sweep.seed)
    X = np.asarray(X, dtype=float)
    points = [[p.from_sample(x) for p, x in zip(params, row, strict=True)] for row in X]
    return Design(sweep.names, problem, X, points)


def run_specs(names: list[str], points: list[list[Any]], replications: int, seed: int) -> list[RunSpec]:
    """Every run of a sweep, in run_id order (``run_id = point * replications + rep``)."""
    specs = []
    for i, pt in enumerate(points):
        params = dict(zip(names, pt, strict=True))
        for r in range(replications):
            rid = i * replications + r
            specs.append(RunSpec(rid, i, r, run_seed(seed, rid), params))
    return specs
