"""Bundled scenario names resolve in one place, from any folder; a local file wins."""

from __future__ import annotations

import pytest

from sim.config.bundled import bundled_dir, bundled_scenarios, not_found_message, resolve_scenario
from sim.config.scenario import ScenarioError, load_scenario


@pytest.mark.parametrize("name, file", [
    ("baseline", "baseline.toml"), ("baseline.toml", "baseline.toml"),
    ("reference/bass", "reference/bass.toml"), ("bass", "reference/bass.toml"),
])
def test_names_resolve_to_bundled_files(tmp_path, monkeypatch, name, file):
    monkeypatch.chdir(tmp_path)
    assert resolve_scenario(name) == bundled_dir() / file
    assert load_scenario(name).name == (bundled_dir() / file).stem


def test_a_local_file_wins_over_a_bundled_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "baseline.toml").write_text(
        'extends = "kol_pyramid"\nname = "mine"\n[run]\ndays = 5\n')
    scn = load_scenario("baseline.toml")  # the local file, extending a bundled scenario
    assert scn.name == "mine" and scn.run.days == 5
    assert scn.retailers[0].allocation == load_scenario("kol_pyramid").retailers[0].allocation
    assert load_scenario("baseline").name == "baseline"  # the bare name is still the bundled one


def test_unknown_name_lists_the_bundled_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as info:
        load_scenario("basline")
    assert str(info.value) == not_found_message("basline")
    assert "baseline" in str(info.value) and "reference/bass" in str(info.value)


def test_listing_holds_campaigns_and_reference_modes_not_sweeps():
    names = bundled_scenarios()
    assert {"baseline", "kol_pyramid", "price_war", "reference/threshold"} <= set(names)
    assert not any("sweep" in n for n in names)
    assert all(p.is_file() for p in names.values())
