"""Sweep files, designs, chunked execution, resume and querying (toy run function)."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sweep_toys
from sweep_toys import CONSUMERS, S0, write_sweep

from sim.sweeps.driver import (
    SweepError,
    generate_design,
    load_sweep,
    query,
    run_specs,
    run_sweep,
    sweep_status,
)
from sim.sweeps.store import chunk_ids
from sim.sweeps.tasks import run_seed

ROOT = Path(__file__).resolve().parents[2]
TOY = sweep_toys.toy_run


def runs_frame(out: Path) -> pd.DataFrame:
    return query(out, "SELECT * FROM runs ORDER BY run_id")


# --------------------------------------------------------------------------- designs


def test_grid_is_the_product_of_levels_and_values(tmp_path):
    sw = load_sweep(write_sweep(tmp_path, design="grid", parameters=[
        {**S0, "levels": 3}, {"name": "retailers.0.policy", "values": ["static", "weekly"]},
    ]))
    d = generate_design(sw)
    assert d.n_points == 6 and d.samples.shape == (6, 2)
    assert d.points == [[a, b] for a in (0.05, 0.225, 0.4) for b in ("static", "weekly")]


def test_grid_integer_levels_are_whole_and_unique(tmp_path):
    sw = load_sweep(write_sweep(tmp_path, design="grid", parameters=[{**CONSUMERS, "levels": 4}]))
    assert [p[0] for p in generate_design(sw).points] == [100, 400, 700, 1000]


@pytest.mark.parametrize(
    ("design", "extra", "n_points"),
    [
        ("latin_hypercube", {}, 16),
        ("sobol", {}, 16 * (3 + 2)),
        ("sobol", {"second_order": True}, 16 * (2 * 3 + 2)),
        ("morris", {}, 16 * (3 + 1)),
    ],
)
def test_sampled_designs_shapes_and_ranges(tmp_path, design, extra, n_points):
    params = [S0, CONSUMERS, {"name": "platforms.douyin.organic_reach", "values": [0.1, 0.2, 0.4]}]
    sw = load_sweep(write_sweep(tmp_path, design=design, samples=16, seed=3, parameters=params, **extra))
    d = generate_design(sw)
    assert d.samples.shape == (n_points, 3) and len(d.points) == n_points
    s0 = np.array([p[0] for p in d.points])
    assert s0.min() >= 0.05 and s0.max() <= 0.4
    cons = [p[1] for p in d.points]
    assert all(type(c) is int and 100 <= c <= 1000 for c in cons)
    assert {p[2] for p in d.points} <= {0.1, 0.2, 0.4}
    if design == "latin_hypercube":  # one sample per stratum
        strata = np.floor((s0 - 0.05) / (0.35 / 16)).clip(0, 15)
        assert sorted(strata) == list(range(16))
    again = generate_design(sw)
    assert again.points == d.points  # deterministic given the seed


def test_log_scale_stays_in_range(tmp_path):
    sw = load_sweep(write_sweep(tmp_path, design="latin_hypercube", samples=50, parameters=[
        {"name": "retailers.0.budget", "low": 1e3, "high": 1e6, "scale": "log"},
    ]))
    vals = np.array([p[0] for p in generate_design(sw).points])
    assert vals.min() >= 1e3 and vals.max() <= 1e6
    assert (vals < 3.2e4).sum() > 10  # log-uniform: about half below the geometric middle


def test_run_ids_and_seeds():
    specs = run_specs(["a"], [[1.0], [2.0], [3.0]], replications=4, seed=11)
    assert [s.run_id for s in specs] == list(range(12))
    assert all(s.run_id == s.point * 4 + s.replication for s in specs)
    assert all(type(s.seed) is int and 0 <= s.seed < 2**63 for s in specs)
    assert len({s.seed for s in specs}) == 12
    assert specs[5].seed == run_seed(11, 5) != run_seed(12, 5)


# --------------------------------------------------------------------------- bad files


def _error(tmp_path, text: str) -> str:
    (tmp_path / "base.toml").write_text('name = "toy"\n')
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SweepError) as info:
        load_sweep(path)
    assert isinstance(info.value, ValueError)
    return str(info.value)


GOOD_PARAM = '[[parameters]]\nname = "behaviour.s0"\nlow = 0.1\nhigh = 0.3\n'


def test_unknown_key_is_named_with_allowed_keys(tmp_path):
    msg = _error(tmp_path, 'base = "base.toml"\ndesign = "grid"\nreplicatoins = 3\n'
                 '[[parameters]]\nname = "behaviour.s0"\nvalues = [0.1]\n')
    assert "bad.toml" in msg and "replicatoins" in msg and "allowed:" in msg and "replications" in msg


def test_unknown_key_inside_parameter(tmp_path):
    msg = _error(tmp_path, 'base = "base.toml"\ndesign = "sobol"\nsamples = 8\n' + GOOD_PARAM + "step = 0.1\n")
    assert "parameters[0].step" in msg and "allowed:" in msg and "levels" in msg


def test_low_above_high(tmp_path):
    msg = _error(tmp_path, 'base = "base.toml"\ndesign = "latin_hypercube"\nsamples = 8\n'
                 '[[parameters]]\nname = "behaviour.s0"\nlow = 0.5\nhigh = 0.2\n')
    assert "parameters[0]" in msg and "low must be < high" in msg and "low=0.5" in msg and "high=0.2" in msg


def test_unknown_design(tmp_path):
    msg = _error(tmp_path, 'base = "base.toml"\ndesign = "montecarlo"\nsamples = 8\n' + GOOD_PARAM)
    assert "design" in msg and "'montecarlo'" in msg and "latin_hypercube" in msg and "morris" in msg


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('design = "sobol"\nsamples = 10\n' + GOOD_PARAM, "power of 2"),
        ('design = "grid"\n' + GOOD_PARAM, "needs values"),
        ('design = "morris"\n' + GOOD_PARAM, "needs samples"),
        ('design = "grid"\nsamples = 4\n[[parameters]]\nname = "a.b"\nvalues = [1]\n', "not used by design 'grid'"),
        ('design = "sobol"\nsamples = 8\n' + GOOD_PARAM + GOOD_PARAM, "duplicate"),
        ('design = "sobol"\nsamples = 8\n[[parameters]]\nname = "a.b"\nvalues = [1, "x"]\n', "must all be numbers"),
        ('design = "sobol"\nsamples = 8\nreplications = 0\n' + GOOD_PARAM, "replications"),
        ('design = "sobol"\nsamples = 8\n[[parameters]]\nname = "a..b"\nlow = 0\nhigh = 1\n', "name"),
    ],
)
def test_other_bad_sweeps(tmp_path, body, expected):
    assert expected in _error(tmp_path, 'base = "base.toml"\n' + body)


def test_invalid_toml_names_the_file(tmp_path):
    assert "invalid TOML" in _error(tmp_path, "design = \n")


def test_missing_base_file(tmp_path):
    path = write_sweep(tmp_path, design="grid", parameters=[{**S0, "levels": 2}], base="nope.toml")
    with pytest.raises(SweepError, match="nope.toml not found"):
        run_sweep(path, tmp_path / "out", workers=1, progress=False, run_fn=TOY)


# --------------------------------------------------------------------------- execution


def _sweep(tmp_path, **kw):
    fields = dict(design="latin_hypercube", samples=15, replications=2, seed=5, parameters=[S0, CONSUMERS])
    fields.update(kw)
    return write_sweep(tmp_path, **fields)


def test_chunks_columns_and_manifest(tmp_path):
    path = _sweep(tmp_path, kpis=["gmv", "reach"])
    res = run_sweep(path, tmp_path / "out", workers=1, progress=False, chunk_size=4, run_fn=TOY)
    out = tmp_path / "out"
    assert res.total_runs == 30 and res.ran == 30 and res.chunks == math.ceil(30 / 4)
    assert sorted(chunk_ids(out / "runs")) == list(range(8))
    df = runs_frame(out)
    ids = ["run_id", "point", "replication", "seed"]
    assert list(df.columns) == [*ids, "behaviour.s0", "run.consumers", "gmv", "reach"]
    assert df["run_id"].tolist() == list(range(30))
    assert (df["run_id"] == df["point"] * 2 + df["replication"]).all()
    assert df["run.consumers"].dtype == np.int64 and df["seed"].dtype == np.int64
    assert df["seed"].tolist() == [run_seed(5, r) for r in range(30)]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["total_runs"] == 30 and manifest["design"] == "latin_hypercube"
    assert len(manifest["samples"]) == 15 and manifest["kpis"] == ["gmv", "reach"]
    assert manifest["base"]["path"].endswith("base.toml") and manifest["base"]["scenario"] == {"name": "toy"}
    assert sweep_status(out)["complete"]
    # a replication pair shares parameters but not noise
    assert df.loc[0, "behaviour.s0"] == df.loc[1, "behaviour.s0"] and df.loc[0, "gmv"] != df.loc[1, "gmv"]


def test_timeseries_and_query(tmp_path):
    path = _sweep(tmp_path, timeseries=True, kpis=["gmv"])
    run_sweep(path, tmp_path / "out", workers=1, progress=False, chunk_size=7, run_fn=TOY)
    ts = query(tmp_path / "out", "SELECT * FROM timeseries ORDER BY run_id, step")
    assert list(ts.columns) == ["run_id", "step", "gmv"] and len(ts) == 30 * 5
    joined = query(tmp_path / "out", """
        SELECT r.run_id, r.gmv AS final, t.gmv AS last FROM runs r
        JOIN timeseries t ON t.run_id = r.run_id AND t.step = 4 ORDER BY r.run_id""")
    np.testing.assert_allclose(joined["final"], joined["last"])
    sql = 'SELECT point, avg("behaviour.s0") AS s0, count(*) AS n FROM runs GROUP BY point'
    by_point = query(tmp_path / "out", sql)
    assert len(by_point) == 15 and (by_point["n"] == 2).all()


def test_refuses_non_empty_out_dir(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(SweepError, match="not empty.*resume"):
        run_sweep(_sweep(tmp_path), out, workers=1, progress=False, run_fn=TOY)
    with pytest.raises(SweepError, match="no manifest.json"):
        run_sweep(_sweep(tmp_path), out, workers=1, progress=False, resume=True, run_fn=TOY)


def test_resume_refuses_a_changed_sweep(tmp_path):
    run_sweep(_sweep(tmp_path), tmp_path / "out", workers=1, progress=False, run_fn=TOY)
    with pytest.raises(SweepError, match="cannot resume: the sweep definition"):
        run_sweep(_sweep(tmp_path, seed=6), tmp_path / "out", workers=1, progress=False, resume=True, run_fn=TOY)


def test_resume_after_deleted_chunks_and_failure(tmp_path):
    path = _sweep(tmp_path, timeseries=True)
    ref = tmp_path / "ref"
    run_sweep(path, ref, workers=1, progress=False, chunk_size=4, run_fn=TOY)
    expected = runs_frame(ref)

    # a run that crashes half-way through the sweep: finished chunks are kept
    bad_seed = run_seed(5, 17)
    base_text = f'name = "toy"\nfail_seeds = [{bad_seed}]\n'
    path = _sweep(tmp_path / "b", timeseries=True, base_text=base_text)
    out = tmp_path / "out"
    with pytest.raises(Exception, match="run 17 .*simulated crash"):
        run_sweep(path, out, workers=1, progress=False, chunk_size=4, run_fn=sweep_toys.failing_toy_run)
    partial = sweep_status(out)
    assert 0 < partial["done"] < 30 and 17 in partial["missing"]

    # also lose two finished chunks and leave a half-written temp file behind
    files = sorted(chunk_ids(out / "runs").items())
    files[0][1].unlink()
    (out / "runs" / "chunk-00099.parquet.tmp").write_bytes(b"PAR1 half written")
    (out / "timeseries" / "chunk-00098.parquet.tmp").write_bytes(b"PAR1")
    res = run_sweep(path, out, workers=1, progress=False, resume=True, chunk_size=3, run_fn=sweep_toys.toy_run)
    assert res.already_done == partial["done"] - 4 and res.ran == 30 - res.already_done
    assert not list(out.rglob("*.tmp"))
    got = runs_frame(out)
    assert got["run_id"].tolist() == list(range(30))  # none lost, none duplicated
    pd.testing.assert_frame_equal(got, expected)
    ts = query(out, "SELECT run_id, count(*) AS n FROM timeseries GROUP BY run_id ORDER BY run_id")
    assert ts["run_id"].tolist() == list(range(30)) and (ts["n"] == 5).all()
    # resuming a finished sweep does nothing
    again = run_sweep(path, out, workers=1, progress=False, resume=True, run_fn=TOY)
    assert again.ran == 0 and again.chunks == 0


KILL_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
import sweep_toys
from sim.sweeps.driver import run_sweep
if __name__ == "__main__":
    run_sweep({path!r}, {out!r}, workers=1, progress=False, chunk_size=2, run_fn=sweep_toys.slow_toy_run)
"""


def test_resume_after_sigkill(tmp_path):
    path = _sweep(tmp_path, samples=20, replications=1)
    out = tmp_path / "out"
    script = tmp_path / "drive.py"
    script.write_text(KILL_SCRIPT.format(tests=str(ROOT / "tests"), path=str(path), out=str(out)))
    env = {**os.environ, "TOY_SLEEP": "0.1"}
    proc = subprocess.Popen([sys.executable, str(script)], env=env)
    try:
        deadline = time.time() + 30
        while len(chunk_ids(out / "runs")) < 3 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert proc.poll() is None, "the sweep finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    done = sweep_status(out)["done"]
    assert 6 <= done < 20
    res = run_sweep(path, out, workers=1, progress=False, resume=True, run_fn=TOY)
    assert res.ran == 20 - done
    ref = tmp_path / "ref"
    run_sweep(path, ref, workers=1, progress=False, run_fn=TOY)
    pd.testing.assert_frame_equal(runs_frame(out), runs_frame(ref))


def test_fixed_overrides_reach_the_base(tmp_path):
    path = _sweep(tmp_path, set={"run.days": 7, "population.circles": 3})
    sw = load_sweep(path)
    assert sw.fixed_overrides == {"run.days": 7, "population.circles": 3}
    run_sweep(path, tmp_path / "out", workers=1, progress=False, run_fn=TOY)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["base"]["scenario"] == {"name": "toy", "run": {"days": 7}, "population": {"circles": 3}}
    (tmp_path / "bad").mkdir()
    assert "also swept" in _error(tmp_path / "bad", 'base = "base.toml"\ndesign = "sobol"\nsamples = 8\n'
                                  '[set]\nbehaviour.s0 = 0.2\n' + GOOD_PARAM)


def test_kpi_not_in_summary_fails_clearly(tmp_path):
    with pytest.raises(Exception, match=r"KPI\(s\) \['roas'\] not in the run summary; available"):
        run_sweep(_sweep(tmp_path, kpis=["roas"]), tmp_path / "out", workers=1, progress=False, run_fn=TOY)


# --------------------------------------------------------------------------- the real engine


def _engine_available() -> bool:
    try:
        import sim.execution.runner  # noqa: F401
        import sim.config.scenario  # noqa: F401
    except Exception:
        return False
    return (ROOT / "scenarios" / "baseline.toml").is_file()


engine = pytest.mark.skipif(not _engine_available(), reason="engine or scenarios/baseline.toml not there yet")


@engine
def test_unknown_parameter_rejected_by_the_scenario(tmp_path):
    path = write_sweep(tmp_path, design="grid", base=str(ROOT / "scenarios" / "baseline.toml"),
                       parameters=[{"name": "behaviour.nonexistent_knob", "values": [0.1, 0.2]}])
    with pytest.raises(SweepError, match=r"parameters\[0\].*behaviour.nonexistent_knob"):
        run_sweep(path, tmp_path / "out", workers=1, progress=False)
    assert not (tmp_path / "out").exists()


@engine
def test_real_engine_tiny_sweep(tmp_path):
    path = write_sweep(tmp_path, design="grid", base=str(ROOT / "scenarios" / "baseline.toml"), replications=2, seed=1,
                       timeseries=True, set={"run.consumers": 500, "run.days": 10}, parameters=[
                           {"name": "behaviour.s0", "low": 0.05, "high": 0.3, "levels": 2},
                       ])
    res = run_sweep(path, tmp_path / "out", workers=1, progress=False)
    assert res.ran == 4
    df = runs_frame(tmp_path / "out")
    assert df["run_id"].tolist() == [0, 1, 2, 3]
    not_kpis = ("run_id", "point", "replication", "seed", "behaviour.s0")
    kpis = [c for c in df.columns if c not in not_kpis]
    assert kpis and df[kpis].notna().any().all()
    ts = query(tmp_path / "out", "SELECT max(step) AS last, count(DISTINCT run_id) AS n FROM timeseries")
    assert ts.loc[0, "n"] == 4 and ts.loc[0, "last"] == 10
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["base"]["scenario"]["run"]["consumers"] == 500
    # the same numbers from a process pool (seeds are per run, not per worker)
    run_sweep(path, tmp_path / "pool", workers=2, chunk_size=1, progress=False)
    pd.testing.assert_frame_equal(runs_frame(tmp_path / "pool"), df)
