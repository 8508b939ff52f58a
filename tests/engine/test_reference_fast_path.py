"""Reference modes skip what their rules never read (sim.world.deferred) and carry the KPIs
over on days that change nothing (sim.engine.metrics.carry_kpis): same outputs as the eager
world with every day's KPIs recomputed."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.engine.model import SocialCommerceModel
from sim.world.builder import STATIC_FIELDS, build_world
from sim.world.graph import DeferredGraph
from sim.world.population import DeferredPopulation

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "reference"
DYNAMIC = ("stage", "orders", "ever_exposed", "exposures", "source_trust", "first_touch",
           "last_touch", "last_platform")


@pytest.fixture(scope="module")
def edgelist(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ba") / "ba_2000.txt"
    g = nx.barabasi_albert_graph(2000, 3, seed=7)
    np.savetxt(path, np.array(g.edges(), dtype=np.int64), fmt="%d")
    return path


def scenario(mode: str, path: Path):
    return load_scenario(SCENARIOS / f"{mode}.toml", {
        "graph.kind": "edgelist", "graph.path": str(path), "run.days": 30,
        "reference.seeds": 5} | ({"reference.transmissibility": 0.15}
                                 if mode == "independent_cascade" else {}))


def run(config, seed: int, fast: bool, monkeypatch) -> SocialCommerceModel:
    monkeypatch.setattr(SocialCommerceModel, "carry_idle_kpis", fast)
    model = SocialCommerceModel(config, seed=seed, world=build_world(config, seed, deferred=fast))
    for _ in range(config.run.days):
        model.step()
    return model


@pytest.mark.parametrize("mode", ["independent_cascade", "threshold", "bass"])
def test_fast_path_gives_the_eager_outputs(mode, edgelist, monkeypatch):
    config = scenario(mode, edgelist)
    for seed in (3, 11):
        fast, eager = run(config, seed, True, monkeypatch), run(config, seed, False, monkeypatch)
        assert isinstance(fast.world.template, DeferredPopulation)
        assert isinstance(fast.graph, DeferredGraph)
        assert not fast.world.template._deferred.drawn  # the rule never read the attributes
        assert not fast.graph._deferred.drawn  # nor the ties' trust
        a = fast.datacollector.get_model_vars_dataframe()
        b = eager.datacollector.get_model_vars_dataframe()
        assert len(a) == config.run.days + 1
        assert a.equals(b)
        for name in DYNAMIC:
            np.testing.assert_array_equal(getattr(fast.population, name),
                                          getattr(eager.population, name))
    if mode == "independent_cascade":  # the cascade died out: later rows were carried over
        assert a["daily_engagements"].iloc[-1] == 0 and a["engaged"].iloc[-1] > 5


def test_deferred_draws_equal_the_eager_ones(edgelist):
    config = scenario("independent_cascade", edgelist)
    lazy, eager = build_world(config, 5, deferred=True), build_world(config, 5, deferred=False)
    for name in STATIC_FIELDS:
        np.testing.assert_array_equal(getattr(lazy.template, name), getattr(eager.template, name))
    np.testing.assert_array_equal(lazy.graph.trust, eager.graph.trust)
    np.testing.assert_array_equal(lazy.graph.strong, eager.graph.strong)
    np.testing.assert_array_equal(lazy.circle_members(0), eager.circle_members(0))
    assert not lazy.template.need.flags.writeable  # shared by runs: read-only once drawn
    # a population of the deferred world reads the same attributes as the template
    np.testing.assert_array_equal(lazy.population(1).attention, eager.template.attention)
