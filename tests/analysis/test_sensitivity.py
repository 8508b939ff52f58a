"""Sobol and Morris indices from finished sweeps, on functions with known answers."""

from __future__ import annotations

import math

import pytest
import sweep_toys
from sweep_toys import write_sweep

from sim.analysis.sensitivity import analyze, plot_indices
from sim.sweeps.driver import SweepError, run_sweep

PI = math.pi
ISHIGAMI = [{"name": f"x.{k}", "low": -PI, "high": PI} for k in "abc"]


def _run(tmp_path, **fields):
    path = write_sweep(tmp_path, parameters=ISHIGAMI, **fields)
    run_sweep(path, tmp_path / "out", workers=1, progress=False, run_fn=sweep_toys.ishigami_run)
    return tmp_path / "out"


def test_sobol_recovers_ishigami_indices(tmp_path):
    out = _run(tmp_path, design="sobol", samples=512, replications=2, seed=1)
    df = analyze(out, kpis=["y"]).set_index("parameter")
    assert list(df.columns) == ["method", "kpi", "S1", "S1_conf", "ST", "ST_conf"]
    assert df.loc["x.a", "S1"] == pytest.approx(0.314, abs=0.06)
    assert df.loc["x.b", "S1"] == pytest.approx(0.442, abs=0.06)
    assert df.loc["x.c", "S1"] == pytest.approx(0.0, abs=0.06)
    assert df.loc["x.c", "ST"] == pytest.approx(0.244, abs=0.06)
    assert (df["S1_conf"] > 0).all()
    png = plot_indices(analyze(out), tmp_path / "fig" / "sobol.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_morris_ranks_a_linear_kpi(tmp_path):
    out = _run(tmp_path, design="morris", samples=20, seed=2)
    df = analyze(out, kpis=["linear"]).set_index("parameter")
    assert df.loc["x.a", "mu_star"] > df.loc["x.b", "mu_star"] > df.loc["x.c", "mu_star"]
    assert df.loc["x.c", "mu_star"] == pytest.approx(0.0, abs=1e-9)
    assert df.loc["x.a", "sigma"] == pytest.approx(0.0, abs=1e-9)  # linear: no interactions
    png = plot_indices(analyze(out), tmp_path / "morris.png")
    assert png.stat().st_size > 1000


def test_analyze_needs_a_complete_sobol_or_morris_sweep(tmp_path):
    out = _run(tmp_path / "g", design="latin_hypercube", samples=8)
    with pytest.raises(SweepError, match="needs design 'sobol' or 'morris'"):
        analyze(out)
    out = _run(tmp_path / "s", design="sobol", samples=8)
    next((out / "runs").glob("chunk-*.parquet")).unlink()
    with pytest.raises(SweepError, match="design points have results"):
        analyze(out)
    with pytest.raises(SweepError, match="unknown KPI"):
        analyze(out, kpis=["nope"])
