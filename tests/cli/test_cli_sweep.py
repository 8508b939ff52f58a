"""The sweep commands of the CLI on the real engine: sweep, resume, query, analyze, bad input.

Sweeps here are tiny (300 consumers, 10 days, 4–8 runs) and run serially in-process.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.sweeps.driver import query, sweep_status

ROOT = Path(__file__).resolve().parents[2]
BASELINE = (ROOT / "scenarios" / "baseline.toml").as_posix()
runner = CliRunner()

SMALL = """
[set]
run.consumers = 300
run.days = 10
"""


def write(tmp: Path, name: str, body: str) -> Path:
    path = tmp / name
    path.write_text(f'base = "{BASELINE}"\nkpis = ["reach", "orders", "gmv", "roi"]\n' + body + SMALL)
    return path


GRID = """
design = "grid"
replications = 2
seed = 11
[[parameters]]
name = "behaviour.s0"
values = [0.05, 0.4]
"""

MORRIS = """
design = "morris"
samples = 2
seed = 5
[[parameters]]
name = "behaviour.s0"
low = 0.05
high = 0.4
[[parameters]]
name = "graph.mixing"
low = 0.05
high = 0.5
"""

SOBOL = MORRIS.replace('design = "morris"', 'design = "sobol"')  # N=2, D=2 -> 8 runs


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("grid")
    out = tmp / "out"
    res = runner.invoke(app, ["sweep", str(write(tmp, "grid.toml", GRID)), "--out", str(out),
                              "--workers", "1", "--chunk-size", "1"])
    assert res.exit_code == 0, res.output
    assert "4 runs in" in res.output and "runs/s" in res.output and "serial" in res.output
    return out


def test_sweep_writes_one_row_per_run(grid_sweep):
    runs = query(grid_sweep, "SELECT * FROM runs ORDER BY run_id")
    assert list(runs.run_id) == [0, 1, 2, 3]
    assert list(runs["behaviour.s0"]) == [0.05, 0.05, 0.4, 0.4]
    assert list(runs.replication) == [0, 1, 0, 1]
    assert runs.seed.nunique() == 4  # one seed per run
    assert (runs.reach > 0).all() and (runs.reach <= 300).all()
    assert {"reach", "orders", "gmv", "roi"} <= set(runs.columns)
    assert len(list((grid_sweep / "runs").glob("chunk-*.parquet"))) == 4
    assert sweep_status(grid_sweep)["complete"]


def test_resume_after_losing_a_chunk_reruns_only_the_missing_runs(grid_sweep, tmp_path):
    out = tmp_path / "copy"
    import shutil

    shutil.copytree(grid_sweep, out)
    before = query(out, "SELECT * FROM runs ORDER BY run_id")
    lost = pd.read_parquet(out / "runs" / "chunk-00002.parquet").run_id.tolist()
    (out / "runs" / "chunk-00002.parquet").unlink()
    assert sweep_status(out)["missing"] == lost
    sweep_file = out.parent / "grid2.toml"
    sweep_file.write_text((grid_sweep.parent / "grid.toml").read_text())

    res = runner.invoke(app, ["sweep", str(sweep_file), "--out", str(out), "--workers", "1"])
    assert res.exit_code == 2 and "--resume" in res.output  # non-empty dir needs --resume

    res = runner.invoke(app, ["sweep", str(sweep_file), "--out", str(out), "--workers", "1", "--resume"])
    assert res.exit_code == 0, res.output
    assert f"{len(lost)} runs in" in res.output and "4/4 runs done" in res.output
    after = query(out, "SELECT * FROM runs ORDER BY run_id")
    assert after.run_id.is_unique and list(after.run_id) == [0, 1, 2, 3]
    pd.testing.assert_frame_equal(before, after)  # same seeds -> the same numbers

    res = runner.invoke(app, ["sweep", str(sweep_file), "--out", str(out), "--resume"])
    assert res.exit_code == 0 and "nothing to do" in res.output


def test_query_prints_rows_and_saves_csv(grid_sweep, tmp_path):
    csv = tmp_path / "q.csv"
    sql = 'SELECT "behaviour.s0" AS s0, count(*) AS n, avg(reach) AS reach FROM runs GROUP BY 1 ORDER BY 1'
    res = runner.invoke(app, ["query", str(grid_sweep), sql, "--csv", str(csv)])
    assert res.exit_code == 0, res.output
    assert "2 row(s)" in res.output and "0.05" in res.output and "0.4" in res.output
    df = pd.read_csv(csv)
    assert list(df.s0) == [0.05, 0.4] and list(df.n) == [2, 2]
    runs = query(grid_sweep, "SELECT * FROM runs")
    assert df.reach.tolist() == pytest.approx(runs.groupby("behaviour.s0").reach.mean().tolist())


@pytest.mark.parametrize(("body", "method", "columns"), [
    (MORRIS, "morris", ["mu_star", "sigma"]),
    (SOBOL, "sobol", ["S1", "ST"]),
])
def test_analyze_prints_indices_and_writes_figure(tmp_path, body, method, columns):
    out = tmp_path / "out"
    res = runner.invoke(app, ["sweep", str(write(tmp_path, "s.toml", body)), "--out", str(out),
                              "--workers", "1"])
    assert res.exit_code == 0, res.output
    figs = tmp_path / "figs"
    res = runner.invoke(app, ["analyze", str(out), "--kpi", "reach", "--kpi", "gmv", "--out", str(figs)])
    assert res.exit_code == 0, res.output
    assert f"{method} sensitivity" in res.output
    for col in columns:
        assert col in res.output
    assert "behaviour.s0" in res.output and "graph.mixing" in res.output and "±" in res.output
    png = figs / "sensitivity.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    table = pd.read_csv(figs / "sensitivity.csv")
    assert sorted(set(table.kpi)) == ["gmv", "reach"] and len(table) == 4
    assert table[columns].notna().all().all()


@pytest.mark.parametrize(("body", "message"), [
    (GRID + "colour = 'red'\n", "unknown key 'colour'"),
    (GRID.replace("behaviour.s0", "behaviour.nonexistent"), "behaviour.nonexistent"),
    (GRID.replace("[0.05, 0.4]", "[0.05, 7.0]"), "behaviour.s0 = 7.0"),
    (MORRIS.replace('design = "morris"', 'design = "sobol"').replace("samples = 2", "samples = 3"),
     "power of 2"),
    ("design = [", "invalid TOML"),
])
def test_bad_sweep_file_exits_2_with_one_message(tmp_path, body, message):
    res = runner.invoke(app, ["sweep", str(write(tmp_path, "bad.toml", body)), "--out",
                              str(tmp_path / "out"), "--workers", "1"])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output
    assert not (tmp_path / "out" / "runs").exists()


def test_bad_arguments_exit_2(grid_sweep, tmp_path):
    cases = [
        ["sweep", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "o")],
        ["sweep", str(write(tmp_path, "g.toml", GRID)), "--out", str(tmp_path / "o"), "--scheduler", "nonsense"],
        ["sweep", str(write(tmp_path, "g.toml", GRID)), "--out", str(tmp_path / "o"), "--workers", "0"],
        ["query", str(tmp_path / "nowhere"), "SELECT 1"],
        ["query", str(grid_sweep), "SELECT no_such_column FROM runs"],
        ["analyze", str(tmp_path / "nowhere")],
        ["analyze", str(grid_sweep)],  # a grid sweep has no sensitivity indices
        ["analyze", str(grid_sweep.parent)],  # not a sweep directory
    ]
    for args in cases:
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert "error:" in res.output and "Traceback" not in res.output, (args, res.output)
