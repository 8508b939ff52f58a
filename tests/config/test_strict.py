"""Strict scenario input: no bool/str as numbers, no NaN/inf, nesting, encoding, names."""

from __future__ import annotations

import pytest

from sim.config.scenario import ScenarioError, load_scenario
from sim.config.strict import CHANNEL_WORDS, KPI_WORDS, MAX_DEPTH



@pytest.mark.parametrize("override, field", [
    ({"population.circles": True}, "population.circles"),
    ({"behaviour.b_atm": True}, "behaviour.b_atm"),
    ({"run.days": True}, "run.days"),
    ({"run.days": "3"}, "run.days"),
    ({"retailers.0.budget": "30000"}, "budget"),
    ({"retailers.0.allocation.ads": False}, "allocation"),
    ({"retailers.0.festival_days": [3, True]}, "festival_days"),
])
def test_booleans_and_quoted_numbers_are_not_numbers(baseline_path, override, field):
    with pytest.raises(ScenarioError) as info:
        load_scenario(baseline_path, override)
    assert field in str(info.value) and "not taken as numbers" in str(info.value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_nan_and_inf_are_refused(baseline_path, value):
    with pytest.raises(ScenarioError, match="finite number"):
        load_scenario(baseline_path, {"retailers.0.budget": value})


@pytest.mark.parametrize("value", [1e308, 10**400, -1e13])
def test_absurd_magnitudes_are_refused(baseline_path, value):
    with pytest.raises(ScenarioError, match="at most 1e\\+12"):
        load_scenario(baseline_path, {"behaviour.b0": value, "retailers.0.budget": value})


def test_integers_and_floats_still_load(baseline_path):
    scn = load_scenario(baseline_path, {"retailers.0.budget": 5000, "run.days": 7})
    assert scn.retailers[0].budget == 5000.0 and scn.run.days == 7


def test_set_values_that_are_absurd_fail_cleanly(baseline_path):
    with pytest.raises(ScenarioError, match="run.days"):
        load_scenario(baseline_path, ["run.days=" + "9" * 5000])
    with pytest.raises(ScenarioError, match="--set run.days"):
        load_scenario(baseline_path, ["run.days=" + "[" * 3000])


def test_set_error_names_the_set_and_file_error_names_the_file(baseline_path, tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(baseline_path, ["graph.mixing=2"])
    assert str(info.value).startswith("--set graph.mixing=2")
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{baseline_path.as_posix()}"\n[graph]\nmixing = 2\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad, ["run.days=5"])
    assert str(info.value).startswith(str(bad)) and "--set" not in str(info.value)


def test_missing_extends_base_names_the_referencing_file(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text('extends = "nowhere.toml"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert str(child) in str(info.value) and "nowhere.toml" in str(info.value)


@pytest.mark.parametrize("raw, message", [
    (b"name = \"\xff\xfe\"\n", "not UTF-8"),
    (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested"),
    (b"[run]\ndays = " + b"9" * 5000 + b"\n", "not valid TOML"),
])
def test_unreadable_files_fail_naming_the_file(tmp_path, raw, message):
    path = tmp_path / "s.toml"
    path.write_bytes(raw)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_nesting_depth_is_bounded(baseline_path):
    deep: object = 1
    for _ in range(MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(ScenarioError, match="nested"):
        load_scenario(baseline_path, {"retailers.0.festival_days": deep})


@pytest.mark.parametrize("override, message", [
    ({"influencers.ads": {"count": 1}}, "reserved"),
    ({"platforms.gmv": {}}, "reserved"),
])
def test_names_that_would_make_kpis_ambiguous_are_refused(baseline_path, override, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(baseline_path, override)


def _with_retailer(tmp_path, baseline_path, name: str):
    path = tmp_path / "two.toml"
    path.write_text(f'extends = "{baseline_path.as_posix()}"\n[retailers."{name}"]\nprice = 70.0\n')
    return path


@pytest.mark.parametrize("name, message", [
    ("orders", "reserved"), ("platform_hhi", "reserved"), ("=cmd()", "must start with a letter"),
    ("feed", "also used in platforms"), ("[/]", "must start with a letter")])
def test_retailer_names_that_would_make_kpis_ambiguous(tmp_path, baseline_path, name, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(_with_retailer(tmp_path, baseline_path, name))


def test_reserved_words_cover_every_kpi_and_channel(tmp_path, baseline_path):
    """Every word of every KPI name a run reports (apart from the scenario's own tier,
    platform and retailer names) is reserved, so no name can mimic another KPI."""
    from sim.config.kpis import kpi_names

    scn = load_scenario(_with_retailer(tmp_path, baseline_path, "rival"))
    own = set(scn.influencers) | set(scn.platforms) | {r.name for r in scn.retailers}
    words = {w for k in kpi_names(scn) for w in k.split("_")} - own
    assert len(scn.retailers) == 2 and words <= KPI_WORDS | CHANNEL_WORDS
