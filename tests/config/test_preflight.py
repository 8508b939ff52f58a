"""Pre-flight estimates: they grow with the job, refuse bombs, and stay above what a run uses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.config.preflight import check_job, estimate
from sim.config.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def _scn(baseline_path, **sets):
    return load_scenario(baseline_path, {"run.consumers": 2000, "run.days": 30, **sets})


def test_estimate_grows_with_consumers_days_and_cheap_impressions(baseline_path):
    small = estimate(_scn(baseline_path))
    assert estimate(_scn(baseline_path, **{"run.consumers": 200_000})).memory > small.memory
    assert estimate(_scn(baseline_path, **{"run.days": 300})).seconds > small.seconds
    cheap = estimate(_scn(baseline_path, **{"platforms.feed.ad_cpm": 0.001}))
    assert cheap.daily_exposures > 1000 * small.daily_exposures


@pytest.mark.parametrize("sets", [
    {"platforms.feed.ad_cpm": 1e-5},          # tried to allocate 127 GiB
    {"run.consumers": 50_000_000, "run.days": 3650},
    {"run.reference_consumers": 1},           # money × consumers: a huge ads budget
])
def test_bombs_are_refused_with_numbers(baseline_path, sets):
    problem, _ = check_job([_scn(baseline_path, **sets)], runs=1)
    assert problem.startswith("pre-flight estimate: this job")


def test_workers_and_runs_scale_the_job(baseline_path, monkeypatch):
    scn = _scn(baseline_path)
    per_run = estimate(scn).memory
    monkeypatch.setenv("SOCSIM_MAX_MEMORY_MB", str(per_run * 1.5 / 1e6))
    assert check_job([scn], runs=4, workers=1)[0] == ""
    assert "memory" in check_job([scn], runs=4, workers=2)[0]
    monkeypatch.setenv("SOCSIM_MAX_SECONDS", str(estimate(scn).seconds * 10))
    assert "would take" in check_job([scn], runs=100, workers=1)[0]


def test_memory_estimate_is_above_a_measured_run(tmp_path):
    """One real run with expensive paid reach (CPM 0.05): peak RSS below the estimate."""
    code = (
        "import json, resource\n"
        "from sim.config.scenario import load_scenario\n"
        "from sim.config.preflight import estimate\n"
        "from sim.execution.runner import run_single\n"
        f"scn = load_scenario({str(ROOT / 'scenarios' / 'baseline.toml')!r}, "
        "{'run.consumers': 2000, 'run.days': 3, 'platforms.feed.ad_cpm': 0.05})\n"
        "run_single(scn, keep_timeseries=False)\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
        "print(json.dumps([rss, estimate(scn).memory]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    rss, est = json.loads(proc.stdout.splitlines()[-1])
    assert rss < est, f"measured {rss / 1e6:.0f} MB, estimated {est / 1e6:.0f} MB"
