"""``socsim show``: the resolved scenario as TOML, overrides included; bad input exits 2."""

from __future__ import annotations

import tomllib

from typer.testing import CliRunner

from sim.cli import app
from sim.config.scenario import load_scenario, validate_scenario

runner = CliRunner()


def test_show_prints_the_merged_scenario_that_reads_back(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a bundled name, from a folder outside the repository
    res = runner.invoke(app, ["show", "kol_koc_swarm", "--set", "retailers.brand.budget=1e6"])
    assert res.exit_code == 0, res.output
    shown = validate_scenario(tomllib.loads(res.stdout))
    assert shown == load_scenario("kol_koc_swarm", {"retailers.brand.budget": 1e6})
    data = tomllib.loads(res.stdout)
    brand = data["retailers"]["brand"]
    assert brand["budget"] == 1e6 and brand["allocation"]["nano"] == 0.3  # variant + override
    assert brand["community"]["platform"] == "chat"  # inherited from the baseline
    assert data["influencers"]["tail"]["count"] == 300


def test_show_refuses_unknown_scenarios_and_keys(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["show", "no_such_plan"])
    assert res.exit_code == 2 and "not a bundled scenario" in res.output
    res = runner.invoke(app, ["show", "baseline", "--set", "retailers.rival.budget=1"])
    assert res.exit_code == 2 and "no retailer 'rival'" in res.output


def test_old_array_files_load_with_a_note(tmp_path):
    old = tmp_path / "old.toml"
    old.write_text('extends = "baseline.toml"\n[[retailers]]\nname = "brand"\nbudget = 9.0\n')
    res = runner.invoke(app, ["validate", str(old)])
    assert res.exit_code == 0, res.output
    assert "note:" in res.output and "[retailers.brand]" in res.output
