"""Calibration conditioned on the brand's booked creators (--roster booking log) and on one
market (run.world_seed): every simulated campaign uses them, and the outputs say so."""

from __future__ import annotations

import html
import json
import shutil
import tomllib
from pathlib import Path

import pytest
from grounded_scenario import GROUNDED

from sim.analysis.calibration import CalibrationError
from sim.analysis.calibration_run import calibrate
from sim.config.scenario import load_scenario
from sim.engine.model import SocialCommerceModel
from sim.engine.roster_export import roster_csv, roster_rows
from sim.execution.runner import run_single
from sim.io.calibration_report import render_calibration

SMALL = ["run.consumers=600", "run.days=8"]
FIT = ["behaviour.c0=-6.5:-4.0"]


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> tuple[Path, Path]:
    """A small grounded campaign: observed KPIs and its booking log."""
    d = tmp_path_factory.mktemp("campaign")
    scn = load_scenario(GROUNDED, SMALL)
    model = SocialCommerceModel(scn, 99)
    while model.running:
        model.step()
    (d / "log.csv").write_text(roster_csv(roster_rows(model.ctx)))
    ts = run_single(scn, 99).timeseries.rename(columns={"step": "day"})
    ts[["day", "reach", "orders"]].iloc[1:].to_csv(d / "obs.csv", index=False)
    return d / "obs.csv", d / "log.csv"


@pytest.mark.slow
def test_fit_on_a_booking_log_runs_on_it_and_says_so(campaign, tmp_path):
    obs, log = campaign
    res = calibrate(GROUNDED, obs, FIT, tmp_path / "out", trials=12, reps=1,
                    overrides=[*SMALL, "run.world_seed=5"], predictive=2, roster=log)
    cond = json.loads((tmp_path / "out" / "fit.json").read_text())["conditioning"]
    assert cond["booking_log"] and cond["creators"] == len(log.read_text().splitlines()) - 1
    assert cond["world_seed"] == 5 and "log.csv" in cond["holds"]
    assert "not part of the interval" in cond["holds"]
    page = html.unescape(render_calibration(res))
    assert cond["holds"] in page  # the report says which uncertainty the interval holds
    assert res.problem.scenario.roster is not None
    # the calibrated scenario keeps the conditioning: roster (relative to DIR) and world seed
    text = (tmp_path / "out" / "calibrated.toml").read_text()
    assert not Path(tomllib.loads(text)["influencers"]["roster"]).is_absolute()
    scn = load_scenario(tmp_path / "out" / "calibrated.toml")
    assert scn.roster.path.resolve() == log.resolve() and scn.run.world_seed == 5
    plain = calibrate(GROUNDED, obs, FIT, tmp_path / "plain", trials=12, reps=1,
                      overrides=SMALL, predictive=2)
    assert not plain.fit["conditioning"]["booking_log"]
    assert "drawn at random in every run" in plain.fit["conditioning"]["holds"]
    assert plain.fit["distance"] != res.fit["distance"]  # the campaigns differ


@pytest.mark.slow
def test_a_changed_roster_is_a_different_problem(campaign, tmp_path):
    obs, log = campaign
    mine = tmp_path / "log.csv"
    shutil.copy(log, mine)
    calibrate(GROUNDED, obs, FIT, tmp_path / "out", trials=12, reps=1, overrides=SMALL,
              predictive=2, roster=mine)
    mine.write_text(log.read_text().replace("head-000,", "head-00x,", 1))  # same file, edited
    with pytest.raises(CalibrationError, match="different problem"):
        calibrate(GROUNDED, obs, FIT, tmp_path / "out", trials=12, reps=1, overrides=SMALL,
                  predictive=2, roster=mine)
