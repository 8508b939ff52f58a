"""The world builder and world reuse: a run on a cached world equals a run that built its own."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import sim.world.graph as graph_mod
from sim.analysis.comparison import compare
from sim.config.scenario import load_scenario
from sim.engine.model import SocialCommerceModel
from sim.execution.runner import replicate, run_single
from sim.world import builder
from sim.world.builder import WORLDS, WorldCache, build_world, world_key

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"run.consumers": 1500, "run.days": 20}


def _timeseries(model: SocialCommerceModel):
    while model.running:
        model.step()
    return model.datacollector.get_model_vars_dataframe()


@pytest.fixture(autouse=True)
def _fresh_cache():
    WORLDS.clear()
    yield
    WORLDS.clear()


@pytest.mark.parametrize("name", ["baseline", "crisis_fast", "community_push", "price_war",
                                  "reference/independent_cascade", "reference/bass"])
def test_a_reused_world_gives_the_run_of_a_fresh_one(name):
    overrides = dict(SMALL) if "reference" not in name else {"run.days": 15,
                                                              "run.consumers": 3000}
    scn = load_scenario(ROOT / f"scenarios/{name}.toml", overrides)
    fresh = _timeseries(SocialCommerceModel(scn, seed=5, world=build_world(scn, 5)))
    world = build_world(scn, 5)
    first = _timeseries(SocialCommerceModel(scn, seed=5, world=world))
    second = _timeseries(SocialCommerceModel(scn, seed=5, world=world))  # same world again
    assert fresh["orders"].iloc[-1] > 0 or fresh["engagements"].iloc[-1] > 0
    assert first.equals(fresh)
    assert second.equals(fresh)


def test_arms_of_a_compare_share_one_world_and_keep_their_results(monkeypatch):
    base = load_scenario(ROOT / "scenarios/baseline.toml", SMALL)
    other = base.with_overrides({"retailers.0.budget": 60_000.0, "behaviour.c0": -3.5})
    assert world_key(base, 3) == world_key(other, 3)  # only non-world keys differ
    cache = WorldCache(size=0)  # no reuse: every model builds its own world
    expected = {}
    for scn in (base, other):
        world = cache.get(scn, 3)
        expected[scn.retailers[0].budget] = _timeseries(
            SocialCommerceModel(scn, seed=3, world=world))
    seeds = []
    build = builder.build_world
    monkeypatch.setattr(builder, "build_world",
                        lambda c, s, g=None: seeds.append(s) or build(c, s, g))
    result = compare([base, other], reps=1, seed=3)
    assert seeds.count(3) == 1  # one world for both arms
    for scn in (base, other):
        got = _timeseries(SocialCommerceModel(scn, seed=3))
        assert got.equals(expected[scn.retailers[0].budget])
    finals = [result.results[k][0].summary["orders"] for k in result.results]
    assert finals[0] != finals[1]  # the arms differ, on the same world


def test_world_keys_change_with_every_world_input():
    scn = load_scenario(ROOT / "scenarios/baseline.toml", SMALL)
    key = world_key(scn, 1)
    for change in ({"population.need_mean": 0.5}, {"graph.mean_degree": 12.0},
                   {"run.consumers": 1600}, {"platforms.feed.attention": 2.0},
                   {"influencers.head.count": 5}, {"influencers.tail.followers_tail": 1.0},
                   {"influencers.tail.followers_range": 50.0}):
        assert world_key(scn.with_overrides(change), 1) != key, change
    assert world_key(scn, 2) != key
    for same in ({"retailers.0.budget": 1.0}, {"behaviour.b_fatigue": 1.0}, {"run.days": 5},
                 {"influencers.head.fee": 1.0}, {"platforms.feed.organic_reach": 0.9}):
        assert world_key(scn.with_overrides(same), 1) == key, same


def test_world_arrays_are_read_only_and_runs_get_fresh_dynamic_arrays():
    scn = load_scenario(ROOT / "scenarios/baseline.toml", SMALL)
    world = build_world(scn, 1)
    a, b = world.population(1), world.population(1)
    assert a.need is b.need and not a.need.flags.writeable
    a.stage[0, 0] = 3
    assert b.stage[0, 0] == 0
    with pytest.raises(ValueError):
        world.creators["head"][0].followers[0] = 0


def test_cache_is_bounded_and_least_recently_used():
    scn = load_scenario(ROOT / "scenarios/baseline.toml", {"run.consumers": 500})
    cache = WorldCache(size=2)
    w1 = cache.get(scn, 1)
    cache.get(scn, 2)
    assert cache.get(scn, 1) is w1  # hit, now most recent
    cache.get(scn, 3)  # evicts seed 2
    assert len(cache) == 2 and cache.builds == 3
    assert cache.get(scn, 1) is w1
    cache.get(scn, 2)
    assert cache.builds == 4
    small = WorldCache(size=2, max_mb=0.01)
    assert small.get(scn, 1).nbytes() > 0.01 * 2**20
    assert len(small) == 0  # too big to keep
    two = WorldCache(size=4, max_mb=2.5 * cache.get(scn, 1).nbytes() / 2**20)
    for seed in (1, 2, 3):
        two.get(scn, seed)
    assert len(two) == 2 and two.nbytes() <= two.max_bytes  # bounded by memory


def test_an_edge_list_is_read_once_for_many_replications(tmp_path, monkeypatch):
    g = nx.barabasi_albert_graph(800, 3, seed=1)
    path = tmp_path / "ba.txt"
    nx.write_edgelist(g, path, data=False)
    reads = []
    parse = graph_mod._parse_edgelist
    monkeypatch.setattr(graph_mod, "_parse_edgelist", lambda p: reads.append(p) or parse(p))
    graph_mod._EDGELISTS.clear()
    scn = load_scenario(ROOT / "scenarios/reference/independent_cascade.toml",
                        {"run.days": 10, "graph.kind": "edgelist", "graph.path": str(path)})
    runs = replicate(scn, reps=6, keep_timeseries=False)
    assert len(reads) == 1
    assert len({r.summary["engaged"] for r in runs}) > 1  # replications differ
    # the same replication without the edge-list cache
    graph_mod._EDGELISTS.clear()
    WORLDS.clear()
    again = run_single(scn, runs[3].seed, keep_timeseries=False)
    assert again.summary == runs[3].summary
    assert len(reads) == 2
    path.write_text(path.read_text() + "0 799\n")  # a changed file is read again
    run_single(scn.with_overrides({}), 1, keep_timeseries=False)
    assert len(reads) == 3


def test_a_given_graph_builds_its_own_world():
    scn = load_scenario(ROOT / "scenarios/baseline.toml", SMALL)
    g = nx.watts_strogatz_graph(900, 6, 0.1, seed=2)
    model = SocialCommerceModel(scn, seed=1, graph=g)
    assert model.population.n == 900 and model.graph.n == 900
    assert len(WORLDS) == 0
    assert np.isfinite(_timeseries(model)["orders"].iloc[-1])
