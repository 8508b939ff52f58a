"""Scenario loading: schema, extends, overrides and error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config.scenario import ScenarioError, load_scenario


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_baseline_loads_with_documented_defaults(baseline_path):
    scn = load_scenario(baseline_path)
    assert scn.run.days == 90 and scn.run.consumers == 10_000
    assert set(scn.influencers) >= {"head", "waist", "tail"}
    assert scn.retailers and scn.retailers[0].budget > 0
    assert scn.money_scale == pytest.approx(scn.run.consumers / scn.run.reference_consumers)


def test_extends_merges_tables_and_replaces_values(tmp_path, baseline_path):
    child = write(tmp_path, "child.toml", f"""
extends = "{baseline_path}"
[run]
days = 12
[behaviour]
s0 = 0.5
""")
    scn = load_scenario(child)
    base = load_scenario(baseline_path)
    assert scn.run.days == 12 and scn.behaviour.s0 == 0.5
    assert scn.run.consumers == base.run.consumers  # untouched keys survive the merge
    assert scn.behaviour.b_cred == base.behaviour.b_cred


def test_extends_cycle_is_reported(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.toml")


@pytest.mark.parametrize(
    "override, field, allowed",
    [
        ({"graph.mixing": 1.5}, "graph.mixing", "less than or equal to 1"),
        ({"run.days": "ninety"}, "run.days", "valid integer"),
        ({"run.dayz": 3}, "run.dayz", "unknown key"),
        ({"graph.kind": "small_world"}, "graph.kind", "erdos_renyi"),
        ({"influencers.head.platform": "tv"}, "platform", "allowed"),
        ({"retailers.0.allocation.celebs": 0.2}, "allocation", "unknown channel 'celebs'"),
    ],
)
def test_bad_values_name_field_value_and_what_is_allowed(baseline_path, override, field, allowed):
    with pytest.raises(ScenarioError) as info:
        load_scenario(baseline_path, override)
    msg = str(info.value)
    assert str(baseline_path) in msg
    assert field in msg
    assert allowed in msg


def test_missing_edgelist_file_is_reported(baseline_path):
    with pytest.raises(ScenarioError, match="edge-list file not found"):
        load_scenario(baseline_path, {"graph.kind": "edgelist", "graph.path": "/no/such/file"})


def test_string_overrides_parse_toml_values(baseline_path):
    scn = load_scenario(baseline_path, ["run.consumers=2000", "behaviour.s0=0.4",
                                        "retailers.0.policy=adaptive"])
    assert scn.run.consumers == 2000 and scn.behaviour.s0 == 0.4
    assert scn.retailers[0].policy == "adaptive"


def test_with_overrides_returns_validated_copy(small_baseline):
    other = small_baseline.with_overrides({"behaviour.s0": 0.1})
    assert other.behaviour.s0 == 0.1 and small_baseline.behaviour.s0 != 0.1
    with pytest.raises(ScenarioError):
        small_baseline.with_overrides({"behaviour.s0": -1})


def test_bad_toml_is_reported(tmp_path):
    p = write(tmp_path, "bad.toml", "[run\ndays = 3\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(p)


def test_retailers_are_keyed_tables_kept_in_file_order():
    from sim.config.scenario import validate_scenario

    ads = {"ads": 1.0}
    scn = validate_scenario({"retailers": {"zeta": {"budget": 1.0, "allocation": ads},
                                           "alpha": {"price": 9.0, "allocation": ads}}})
    assert [r.name for r in scn.retailers] == ["zeta", "alpha"]  # file order, not sorted
    assert scn.retailers[0].budget == 1.0 and scn.retailers[1].price == 9.0
    listed = validate_scenario({"retailers": [{"name": "zeta", "allocation": ads}]})
    assert listed.retailers[0].name == "zeta"  # the list form (Python callers) still validates
    with pytest.raises(ScenarioError, match=r"retailers\.zeta\.price: .*\(got -1\)"):
        validate_scenario({"retailers": {"zeta": {"price": -1, "allocation": ads}}})
