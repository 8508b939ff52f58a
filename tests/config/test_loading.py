"""Reading scenario files: keyed retailers, schema-aware ``extends`` merging, the old array form,
dotted overrides by retailer name or position, and the TOML round trip of ``socsim show``."""

from __future__ import annotations

import re
import tomllib
import warnings
from pathlib import Path

import pytest

from sim.config.bundled import bundled_dir, bundled_scenarios
from sim.config.loading import (ScenarioDeprecationWarning, load_with_notes, read_scenario_dict,
                                scenario_dict, to_toml)
from sim.config.scenario import ScenarioError, load_scenario, validate_scenario
from sim.engine.model import SocialCommerceModel

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_variant_changing_one_retailer_field_keeps_every_other_base_value(tmp_path):
    child = write(tmp_path, "child.toml", 'extends = "baseline.toml"\n'
                  "[retailers.brand]\nquality = 0.5\n")
    got = scenario_dict(load_scenario(child))["retailers"]["brand"]
    want = scenario_dict(load_scenario("baseline"))["retailers"]["brand"]
    assert got.pop("quality") == 0.5 and want.pop("quality") != 0.5
    assert got == want  # budget, allocation, community, ... all inherited
    assert got["budget"] == 2_000_000.0


def test_sections_and_keyed_tables_merge_share_maps_replace(tmp_path):
    child = write(tmp_path, "child.toml", 'extends = "baseline.toml"\n'
                  "[influencers.tail]\ncount = 7\n"
                  "[influencers.micro]\ncount = 3\nplatform = \"notes\"\n"
                  "[retailers.brand]\nallocation = { tail = 1.0 }\n"
                  "[retailers.brand.community]\njoin_prob = 0.1\n")
    scn, base = load_scenario(child), load_scenario("baseline")
    assert scn.influencers["tail"].count == 7
    assert scn.influencers["tail"].fee == base.influencers["tail"].fee  # tier merged
    assert list(scn.influencers) == [*base.influencers, "micro"]  # base order, new keys after
    assert scn.retailers[0].allocation == {"tail": 1.0}  # a share map replaces whole
    assert scn.retailers[0].community.join_prob == 0.1
    assert scn.retailers[0].community.platform == base.retailers[0].community.platform


def test_old_retailer_array_is_read_by_name_with_a_note(tmp_path):
    text = (ROOT / "scenarios" / "baseline.toml").read_text(encoding="utf-8")
    old = text.replace("[retailers.brand]\n", '[[retailers]]\nname = "brand"\n').replace(
        "[retailers.brand.community]", "[retailers.community]")
    path = write(tmp_path, "old.toml", old)
    with pytest.warns(ScenarioDeprecationWarning, match=r"\[retailers\.brand\]"):
        scn = load_scenario(path)
    assert scn == load_scenario("baseline")
    _, notes = load_with_notes(path)
    assert len(notes) == 1 and "deprecated" in notes[0]


def test_old_retailer_array_under_extends_still_replaces_the_base_retailers(tmp_path):
    child = write(tmp_path, "child.toml", 'extends = "baseline.toml"\n'
                  '[[retailers]]\nname = "solo"\nbudget = 1000.0\n')
    with pytest.warns(ScenarioDeprecationWarning):
        scn = load_scenario(child)
    assert [r.name for r in scn.retailers] == ["solo"]
    assert scn.retailers[0].quality == 0.7  # the schema default, not the base's 0.8


def test_retailer_name_conflicting_with_its_key_is_refused(tmp_path):
    bad = write(tmp_path, "bad.toml", 'extends = "baseline.toml"\n'
                '[retailers.brand]\nname = "other"\n')
    with pytest.raises(ScenarioError, match="retailers.brand.name: 'other' differs"):
        load_scenario(bad)


def test_errors_name_the_retailer_by_key():
    with pytest.raises(ScenarioError, match=r"retailers\.brand\.budget: .*\(got -1\)"):
        load_scenario("baseline", {"retailers.brand.budget": -1})


@pytest.mark.parametrize("key", ["retailers.brand.budget", "retailers.0.budget"])
def test_overrides_reach_a_retailer_by_name_or_position(key):
    scn = load_scenario("price_war", {key: 5e5})
    assert [r.budget for r in scn.retailers] == [5e5, 2e6]
    again = scn.with_overrides({key.replace("budget", "policy"): "adaptive"})
    assert again.retailers[0].policy == "adaptive" and again.retailers[1].policy == "static"


def test_overrides_reach_the_second_retailer_and_refuse_unknown_ones():
    scn = load_scenario("price_war", ["retailers.rival.community.join_prob=0.2"])
    assert scn.retailers[1].community.join_prob == 0.2
    assert scn.retailers[0].community.join_prob == 0.4
    for key in ("retailers.brnad.budget", "retailers.2.budget"):
        with pytest.raises(ScenarioError, match="no retailer") as info:
            load_scenario("price_war", {key: 1.0})
        assert "brand, rival" in str(info.value)


def test_extends_finds_a_bundled_base_from_any_folder(tmp_path):
    child = write(tmp_path, "mine.toml", 'extends = "kol_pyramid"\n[run]\ndays = 9\n')
    scn = load_scenario(child)
    assert scn.run.days == 9
    assert scn.retailers[0].allocation == load_scenario("kol_pyramid").retailers[0].allocation
    missing = write(tmp_path, "missing.toml", 'extends = "no_such_base.toml"\n')
    with pytest.raises(ScenarioError, match="no_such_base.toml.*neither a file"):
        load_scenario(missing)


@pytest.mark.parametrize("name", list(bundled_scenarios()))
def test_show_output_reads_back_to_the_same_scenario(name):
    scn = load_scenario(name)
    text = to_toml(scn)
    assert validate_scenario(tomllib.loads(text)) == scn


def _variants() -> list[Path]:
    return [p for p in sorted(bundled_dir().glob("*.toml")) if p.stem != "baseline"]


@pytest.mark.parametrize("path", _variants(), ids=lambda p: p.stem)
def test_bundled_variants_state_only_their_differences(path):
    """Every value a variant file writes differs from what it would inherit from its base."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert "extends" in raw and not isinstance(raw.get("retailers"), list)
    base = scenario_dict(load_scenario(path.parent / raw["extends"]))

    def restated(table: dict, inherited: dict, where: str) -> list[str]:
        out = []
        for key, value in table.items():
            if key not in inherited:
                continue  # a new tier, retailer or key: nothing to inherit
            old = inherited[key]
            # weight tables are replaced whole on loading (sim/config/loading.py), so a
            # variant restates every weight of the one it changes
            if isinstance(value, dict) and isinstance(old, dict) and key not in (
                    "allocation", "content_mix", "ad_split", "segments", "engagement_mix"):
                out += restated(value, old, f"{where}{key}.")
            elif value == old:
                out.append(f"{where}{key}")
        return out

    body = {k: v for k, v in raw.items() if k not in ("extends", "name", "question", "shocks")}
    assert restated(body, base, "") == []


def test_readme_minimal_example_keeps_the_base_budget(tmp_path):
    """The docs' minimal variant changes the allocation only: budget and the rest are the
    baseline's, and a run spends on the order of the baseline (not a default 30,000 yuan)."""
    doc = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    example = re.search(r"Minimal example:\s*```toml\n(.*?)```", doc, re.S).group(1)
    scn = load_scenario(write(tmp_path, "koc_swarm.toml", example),
                        {"run.consumers": 1000, "run.days": 10})
    base = load_scenario("baseline", {"run.consumers": 1000, "run.days": 10})
    assert scn.retailers[0].budget == base.retailers[0].budget
    assert scn.retailers[0].allocation == tomllib.loads(example)["retailers"]["brand"]["allocation"]
    spent = []
    for s in (scn, base):
        model = SocialCommerceModel(s, seed=4)
        for _ in range(s.run.days):
            model.step()
        spent.append(model.kpis["spend"])
    assert spent[0] > 0.5 * spent[1]


def test_no_bundled_file_uses_the_deprecated_form():
    paths = list(bundled_scenarios().values())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScenarioDeprecationWarning)
        for path in paths:
            read_scenario_dict(path)
    deprecated = [str(w.message) for w in caught
                  if issubclass(w.category, ScenarioDeprecationWarning)]
    assert len(paths) >= 30 and deprecated == []
