"""run.world_seed: every replication shares one world (graph, consumers, creators and their
traits); only the agents' choices and the daily dynamics follow the run's seed."""

from __future__ import annotations

import numpy as np
from grounded_scenario import GROUNDED

from sim.config.scenario import load_scenario
from sim.engine.model import SocialCommerceModel

SMALL = ["run.consumers=1200", "run.days=12"]


def _run(scn, seed):
    model = SocialCommerceModel(scn, seed)
    while model.running:
        model.step()
    return model


def _traits(model):
    return [(c.real_fans, c.fit, c.quality, c.followers.tolist())
            for cs in model.ctx.creators_by_tier.values() for c in cs]


def test_replications_share_the_world_and_differ_in_dynamics():
    scn = load_scenario(GROUNDED, [*SMALL, "run.world_seed=7"])
    a, b = _run(scn, 1), _run(scn, 2)
    assert a.ctx.world is b.ctx.world or np.array_equal(a.ctx.world.graph.indices,
                                                        b.ctx.world.graph.indices)
    assert _traits(a) == _traits(b)
    assert a.kpis != b.kpis  # the dynamics still follow the run's seed
    plain = _run(load_scenario(GROUNDED, SMALL), 7)  # the world a run seeded 7 draws
    assert _traits(plain) == _traits(a)
    assert np.array_equal(plain.ctx.world.graph.indices, a.ctx.world.graph.indices)


def test_without_world_seed_each_seed_draws_its_world():
    scn = load_scenario(GROUNDED, SMALL)
    assert _traits(_run(scn, 1)) != _traits(_run(scn, 2))
