"""Reference modes against textbook closed forms (docs/model.md).

Bass: we compare the simulated adoption share with (a) the exact discrete-time recursion the
model implements, F_{k+1} = F_k + (1 − F_k)(1 − exp(−(p + q F_k)·dt)), and (b) the continuous
Bass curve F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t}) with a step of dt = 0.1, where
the discretisation error is below 0.01. Tolerances allow for sampling error at N = 20,000
(sd of a share ≤ 0.0035, averaged over 4 runs).

Independent cascade: final size on an Erdős–Rényi graph equals bond percolation's giant
component S = 1 − exp(−zTS) (z = 10, T = 0.2: S ≈ 0.797); below threshold (zT < 1) the
outbreak from s seeds has expected size s / (1 − zT).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq

from sim.execution.runner import run_single
from sim.config.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def bass_closed(t: np.ndarray, p: float, q: float) -> np.ndarray:
    e = np.exp(-(p + q) * t)
    return (1 - e) / (1 + (q / p) * e)


def bass_discrete(steps: int, p: float, q: float, dt: float) -> np.ndarray:
    f = [0.0]
    for _ in range(steps):
        x = f[-1]
        f.append(x + (1 - x) * (1 - np.exp(-(p + q * x) * dt)))
    return np.array(f)


def simulated_share(path, overrides, seeds, column="buyers"):
    scn = load_scenario(path, overrides)
    runs = [run_single(scn, seed=s).timeseries[column].to_numpy() / scn.run.consumers
            for s in seeds]
    return scn, np.mean(runs, axis=0)


def test_bass_matches_its_discrete_recursion():
    scn, f = simulated_share(SCENARIOS / "reference/bass.toml", {"run.days": 30}, range(4))
    expected = bass_discrete(30, 0.03, 0.38, 1.0)
    assert np.abs(f - expected).max() < 0.012


def test_bass_tracks_the_closed_form_curve():
    scn, f = simulated_share(SCENARIOS / "reference/bass.toml",
                             {"run.days": 250, "reference.dt": 0.1}, range(4))
    t = np.arange(len(f)) * 0.1
    assert np.abs(f - bass_closed(t, 0.03, 0.38)).max() < 0.02
    # the adoption rate peaks at t* = ln(q/p)/(p+q), when F = 1/2 − p/(2q)
    f_star = 0.5 - 0.03 / (2 * 0.38)
    t_cross = np.interp(f_star, f, t)
    assert t_cross == pytest.approx(np.log(0.38 / 0.03) / 0.41, abs=0.25)


def percolation_size(z: float, T: float) -> float:
    return brentq(lambda s: s - (1 - np.exp(-z * T * s)), 1e-6, 1.0)


def test_independent_cascade_reaches_percolation_size():
    s_theory = percolation_size(10, 0.2)
    assert s_theory == pytest.approx(0.797, abs=0.001)
    scn = load_scenario(SCENARIOS / "reference/independent_cascade.toml")
    finals = np.array([run_single(scn, seed=s, keep_timeseries=False).summary["engaged"]
                       for s in range(5)]) / scn.run.consumers
    # 10 seeds on a supercritical graph: every run takes off; sampling sd ≈ 0.003
    assert np.abs(finals.mean() - s_theory) < 0.01


def test_independent_cascade_below_threshold_stays_small():
    scn = load_scenario(SCENARIOS / "reference/independent_cascade.toml",
                        {"reference.transmissibility": 0.05})
    finals = np.array([run_single(scn, seed=s, keep_timeseries=False).summary["engaged"]
                       for s in range(10)])
    expected = 10 / (1 - 10 * 0.05)  # 20 consumers on average
    assert finals.max() < 0.01 * scn.run.consumers
    assert finals.mean() == pytest.approx(expected, rel=0.35)


def test_threshold_mode_cascades_inside_watts_window_only():
    path = SCENARIOS / "reference/threshold.toml"
    inside = run_single(load_scenario(path, {"run.consumers": 5000}), seed=1,
                        keep_timeseries=False).summary["engaged"]
    dense = run_single(load_scenario(path, {"run.consumers": 5000, "graph.mean_degree": 20}),
                       seed=1, keep_timeseries=False).summary["engaged"]
    assert inside > 0.8 * 5000  # global cascade at z = 5, phi = 0.18
    assert dense < 0.05 * 5000  # too many ties: one engaged neighbour is never enough
