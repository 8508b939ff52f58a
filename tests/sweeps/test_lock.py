"""One writer per sweep folder (OS lock), repair after crashes and duplicate chunks."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import sweep_toys
from sweep_toys import CONSUMERS, S0, write_sweep
from typer.testing import CliRunner

from sim.cli import app
from sim.sweeps.driver import SweepError, query, repair_sweep, run_sweep, sweep_status
from sim.sweeps.lock import SweepLock, SweepLocked
from sim.sweeps.store import chunk_ids

ROOT = Path(__file__).resolve().parents[2]
TOY = sweep_toys.toy_run
DRIVE = """
import sys
sys.path.insert(0, {tests!r})
import sweep_toys
from sim.sweeps.driver import run_sweep
if __name__ == "__main__":
    run_sweep({path!r}, {out!r}, workers=1, progress=False, chunk_size=2,
              resume={resume!r}, run_fn=sweep_toys.slow_toy_run)
"""


def _sweep(tmp_path, **kw):
    fields = dict(design="latin_hypercube", samples=12, replications=1, seed=5,
                  parameters=[S0, CONSUMERS])
    fields.update(kw)
    return write_sweep(tmp_path, **fields)


def _start(tmp_path, path, out, resume=False, sleep="0.1"):
    script = tmp_path / f"drive{time.monotonic_ns()}.py"
    script.write_text(DRIVE.format(tests=str(ROOT / "tests"), path=str(path), out=str(out),
                                   resume=resume))
    return subprocess.Popen([sys.executable, str(script)], env={**os.environ, "TOY_SLEEP": sleep},
                            stderr=subprocess.PIPE, text=True)


def _wait_for_chunks(proc, out, n, timeout=30.0):
    deadline = time.time() + timeout
    while len(chunk_ids(out / "runs")) < n and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep ended before the test could act"


def test_second_writer_is_refused_naming_the_holder(tmp_path):
    out = tmp_path / "out"
    with SweepLock(out):
        with pytest.raises(SweepLocked, match=f"pid {os.getpid()}"):
            SweepLock(out).acquire()
    SweepLock(out).acquire()  # released


REAL = """base = "{base}"
design = "grid"
[[parameters]]
name = "behaviour.s0"
values = [0.1, 0.2]
[set]
run.consumers = 200
run.days = 3
"""


def test_concurrent_sweeps_one_runs_the_other_exits_2(tmp_path):
    path = _sweep(tmp_path)
    out = tmp_path / "out"
    real = tmp_path / "real.toml"
    real.write_text(REAL.format(base=(ROOT / "scenarios" / "baseline.toml").as_posix()))
    first = _start(tmp_path, path, out)
    try:
        _wait_for_chunks(first, out, 1)
        res = CliRunner().invoke(app, ["sweep", str(real), "--out", str(out), "--workers", "1"])
        assert res.exit_code == 2 and "being written by another sweep" in res.output
        assert f"pid {first.pid}" in res.output
        res = CliRunner().invoke(app, ["sweep", str(real), "--out", str(out), "--resume",
                                       "--workers", "1"])
        assert res.exit_code == 2 and "being written" in res.output
    finally:
        assert first.wait(timeout=60) == 0, first.stderr.read()
    status = sweep_status(out)
    assert status["complete"] and not status["duplicates"]  # nothing corrupt


def test_lock_is_released_when_the_writer_is_killed(tmp_path):
    path = _sweep(tmp_path)
    out = tmp_path / "out"
    proc = _start(tmp_path, path, out)
    try:
        _wait_for_chunks(proc, out, 2)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    res = run_sweep(path, out, workers=1, progress=False, resume=True, run_fn=TOY)
    assert sweep_status(out)["complete"] and res.ran == 12 - res.already_done


def test_duplicate_chunks_refuse_resume_and_repair_drops_them(tmp_path):
    path = _sweep(tmp_path, timeseries=True)
    out = tmp_path / "out"
    run_sweep(path, out, workers=1, progress=False, chunk_size=4, run_fn=TOY)
    ref = query(out, "SELECT * FROM runs ORDER BY run_id")
    chunks = chunk_ids(out / "runs")
    # a second writer that duplicated work: one chunk copied whole, one partly overlapping
    shutil.copy(chunks[0], out / "runs" / "chunk-00010.parquet")
    shutil.copy(out / "timeseries" / chunks[0].name, out / "timeseries" / "chunk-00010.parquet")
    mixed = pd.concat([pd.read_parquet(chunks[1]).iloc[:2], pd.read_parquet(chunks[2]).iloc[:1]])
    mixed.to_parquet(out / "runs" / "chunk-00011.parquet", index=False)
    with pytest.raises(SweepError, match="--repair"):
        run_sweep(path, out, workers=1, progress=False, resume=True, run_fn=TOY)
    res = CliRunner().invoke(app, ["sweep", "--repair", str(out)])
    assert res.exit_code == 0, res.output
    assert "chunk-00010" in res.output and "chunk-00011" in res.output
    assert sweep_status(out)["duplicates"] == []
    pd.testing.assert_frame_equal(query(out, "SELECT * FROM runs ORDER BY run_id"), ref)
    ts = query(out, "SELECT run_id, count(*) AS n FROM timeseries GROUP BY 1")
    assert (ts["n"] == 5).all()
    assert run_sweep(path, out, workers=1, progress=False, resume=True, run_fn=TOY).ran == 0


def test_leftovers_of_a_start_on_a_full_disk_do_not_block_a_new_start(tmp_path):
    out = tmp_path / "out"
    (out / "runs").mkdir(parents=True)
    (out / "manifest.json.tmp").write_bytes(b'{"format": "socsim-sw')  # disk was full
    (out / ".lock").write_text("")
    res = run_sweep(_sweep(tmp_path), out, workers=1, progress=False, run_fn=TOY)
    assert res.ran == 12 and not (out / "manifest.json.tmp").exists()


def test_repair_of_a_folder_held_by_a_writer_exits_2(tmp_path):
    out = tmp_path / "out"
    with SweepLock(out):
        res = CliRunner().invoke(app, ["sweep", "--repair", str(out)])
    assert res.exit_code == 2 and "being written" in res.output
    assert repair_sweep(out) == []


def test_refused_sweep_leaves_no_folder(tmp_path):
    path = _sweep(tmp_path, parameters=[{"name": "run.nonsense", "low": 1, "high": 2}])
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["sweep", str(path), "--out", str(out), "--workers", "1"])
    assert res.exit_code == 2 and not out.exists()


def test_sweep_bombs_and_bad_out_exit_2_before_running(tmp_path):
    base = (ROOT / "scenarios" / "baseline.toml").as_posix()
    bomb = tmp_path / "bomb.toml"
    bomb.write_text(REAL.format(base=base).replace(
        'name = "behaviour.s0"\nvalues = [0.1, 0.2]',
        'name = "platforms.feed.ad_cpm"\nvalues = [1e-300, 60.0]'))
    res = CliRunner().invoke(app, ["sweep", str(bomb), "--out", str(tmp_path / "o"),
                                   "--workers", "1"])
    assert res.exit_code == 2 and "pre-flight estimate" in res.output
    assert not (tmp_path / "o").exists()
    real = tmp_path / "real.toml"
    real.write_text(REAL.format(base=base))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = CliRunner().invoke(app, ["sweep", str(real), "--out", str(blocker), "--workers", "1"])
    assert res.exit_code == 2 and "cannot write" in res.output


def test_sweep_on_a_full_disk_can_be_repaired_and_resumed(tmp_path):
    """A real full disk (a small tmpfs; needs root and mount, skipped elsewhere)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs",
                                            str(mnt)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    path = _sweep(tmp_path, samples=200, timeseries=True)
    try:
        with pytest.raises(OSError):
            run_sweep(path, mnt / "out", workers=1, progress=False, chunk_size=5, run_fn=TOY)
        kept = sweep_status(mnt / "out")["done"]
        moved = tmp_path / "moved"
        shutil.copytree(mnt / "out", moved)  # the user frees space: here, moves the folder
    finally:
        subprocess.run(["umount", str(mnt)], check=False)
    repair_sweep(moved)
    assert not list(moved.rglob("*.tmp"))
    res = run_sweep(path, moved, workers=1, progress=False, resume=True, run_fn=TOY)
    assert res.already_done == kept and sweep_status(moved)["complete"]
