"""socsim calibrate --roster: a bad roster exits 2 naming the field and the value."""

from __future__ import annotations

from pathlib import Path

from grounded_scenario import GROUNDED
from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()
HEAD = "creator_id,platform,tier,followers,fee,engagement_rate,post_days\n"


def _calibrate(tmp_path: Path, roster: Path):
    obs = tmp_path / "obs.csv"
    obs.write_text("day,reach\n1,10\n")
    return runner.invoke(app, ["calibrate", str(GROUNDED), "--observed", str(obs), "--fit",
                               "behaviour.follower_trust=0.2:0.9", "--roster", str(roster),
                               "--out", str(tmp_path / "out"), "--set", "run.consumers=500",
                               "--set", "run.days=5"])


def test_bad_rosters_exit_2_naming_field_and_value(tmp_path):
    cases = {
        "missing.csv": None,
        "extra.csv": HEAD.strip() + ",audience\na,feed,head,1000,10,0.02,3,x\n",
        "tier.csv": HEAD + "a,feed,mega,1000,10,0.02,3\n",
        "days.csv": HEAD + "a,feed,head,1000,10,0.02,3;soon\n",
        "rate.csv": HEAD + "a,feed,head,1000,10,1.5,3\n",
    }
    expected = {
        "missing.csv": "--roster: file not found:",
        "extra.csv": "unknown column 'audience'",
        "tier.csv": "column tier: 'mega' is not an influencer tier",
        "days.csv": "column post_days: 'soon' is not a number",
        "rate.csv": "column engagement_rate: '1.5' not in (0, 1)",
    }
    for name, text in cases.items():
        path = tmp_path / name
        if text is not None:
            path.write_text(text)
        res = _calibrate(tmp_path, path)
        flat = " ".join(res.output.split())
        assert res.exit_code == 2, (name, res.output)
        assert expected[name] in flat and "Traceback" not in flat, (name, res.output)
        assert not (tmp_path / "out" / "fit.json").exists()
