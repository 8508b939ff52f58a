"""The cheaper world-building paths draw what the plain ones draw: consumers' categorical
attributes without ``Generator.choice``'s validation, and creators' real fans from each tier's
follower block (the same draws and the same generator state afterwards)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.engine import creators
from sim.engine.model import SocialCommerceModel
from sim.world.builder import WORLDS, build_world
from sim.world.population import _choice, zipf_shares

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("count", [1, 2, 4, 20, 37])
def test_choice_is_generator_choice(count):
    for seed in range(6):
        p = np.random.default_rng(seed + 50).random(count)
        if count > 2:
            p[seed % count] = 0.0  # a zero share is never drawn
        p /= p.sum()
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        want = a.choice(count, size=999 + seed, p=p)
        got = _choice(b, count, 999 + seed, p)
        assert got.dtype == want.dtype and np.array_equal(got, want)
        assert a.bit_generator.state == b.bit_generator.state
    a, b = np.random.default_rng(1), np.random.default_rng(1)
    z = zipf_shares(20, 1.0)
    assert np.array_equal(_choice(a, 20, 10_000, z), b.choice(20, size=10_000, p=z))
    with pytest.raises(ValueError, match="3 probabilities for 4 choices"):
        _choice(a, 4, 5, np.ones(3) / 3)


def _block(seed, count=40):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 30, count)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    flat = np.sort(rng.integers(0, 10_000, offsets[-1]))
    return flat, offsets


@pytest.mark.parametrize("seed", range(4))
def test_block_real_followers_equal_the_per_creator_path(seed):
    flat, offsets = _block(seed)
    shares = np.random.default_rng(seed + 9).random(len(offsets) - 1)
    followers = [flat[offsets[i]:offsets[i + 1]] for i in range(len(shares))]
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    want = creators.tier_real_followers(followers, shares, a)
    got = creators.block_real_followers(flat, offsets, shares, b)
    assert len(got) == len(want)
    for x, y in zip(got, want):
        assert np.array_equal(x, y) and x.dtype == y.dtype
    assert a.bit_generator.state == b.bit_generator.state
    # a creator whose share is 1 draws nothing: the per-creator path, the same stream
    shares[3] = 1.0
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    want = creators.tier_real_followers(followers, shares, a)
    got = creators.block_real_followers(flat, offsets, shares, b)
    assert all(np.array_equal(x, y) for x, y in zip(got, want))
    assert a.bit_generator.state == b.bit_generator.state
    with pytest.raises(ValueError, match="one share per creator"):
        creators.block_real_followers(flat, offsets, shares[:-1], b)


def test_world_keeps_each_generated_tier_as_one_read_only_block():
    scn = load_scenario(ROOT / "scenarios/baseline.toml", {"run.consumers": 3000})
    world = build_world(scn, 4)
    assert set(world.follower_blocks) == set(world.creators)
    for tier, seats in world.creators.items():
        flat, offsets = world.follower_blocks[tier]
        assert not flat.flags.writeable and not offsets.flags.writeable
        assert len(offsets) == len(seats) + 1 and offsets[-1] == len(flat)
        for c, seat in enumerate(seats):
            assert not seat.followers.flags.writeable
            assert np.shares_memory(seat.followers, flat)
            assert np.array_equal(seat.followers, flat[offsets[c]:offsets[c + 1]])
            with pytest.raises(ValueError):
                seat.followers[:1] = 0


def test_a_model_on_the_blocks_has_the_creators_of_the_per_creator_path():
    WORLDS.clear()
    scn = load_scenario(ROOT / "scenarios/baseline.toml", {"run.consumers": 3000, "run.days": 5})
    world = build_world(scn, 11)
    plain = build_world(scn, 11)
    plain.follower_blocks.clear()  # the per-creator path
    a = SocialCommerceModel(scn, seed=11, world=world)
    b = SocialCommerceModel(scn, seed=11, world=plain)
    for tier in a.ctx.creators_by_tier:
        for x, y in zip(a.ctx.creators_by_tier[tier], b.ctx.creators_by_tier[tier]):
            assert np.array_equal(x.followers, y.followers)
            assert (x.real_fans, x.fit, x.quality) == (y.real_fans, y.fit, y.quality)
    assert a._creator_rng.bit_generator.state == b._creator_rng.bit_generator.state
    for _ in range(5):
        a.step()
        b.step()
    assert a.kpis == b.kpis


def test_copy_stream_is_a_deep_copy():
    import copy

    from sim.world.builder import copy_stream

    for root in (np.random.default_rng(7).spawn(4)[2], np.random.default_rng(123)):
        root.random(17)
        root.spawn(2)  # a seed sequence that has spawned children already
        a, b = copy.deepcopy(root), copy_stream(root)
        assert a.bit_generator.state == b.bit_generator.state
        assert np.array_equal(a.random(100), b.random(100))
        assert np.array_equal(a.integers(0, 10**9, 50), b.integers(0, 10**9, 50))
        for x, y in zip(a.spawn(3), b.spawn(3)):
            assert np.array_equal(x.random(20), y.random(20))
        before = root.bit_generator.state
        b.random(5)
        b.spawn(1)
        assert root.bit_generator.state == before  # independent of the original
        assert root.bit_generator.seed_seq.n_children_spawned == 2


def test_model_and_world_streams_are_the_spawned_ones():
    """The streams seeded from the seed sequence's children are those of ``spawn``: the
    same entropy and spawn keys (graph 0, population 1, agents 2, dynamics 3, funnel 4,
    traits 5), so the same draws."""
    WORLDS.clear()
    scn = load_scenario(ROOT / "scenarios/baseline.toml", {"run.consumers": 1000, "run.days": 3})
    model = SocialCommerceModel(scn, seed=31)
    root = np.random.default_rng(31)
    _, _, agents, dyn = root.spawn(4)
    funnel, traits = root.spawn(2)
    for got, want in ((model.ctx.rng, dyn), (model._creator_rng, traits)):
        seq, ref = got.bit_generator.seed_seq, want.bit_generator.seed_seq
        assert (seq.entropy, seq.spawn_key, seq.pool_size) == (ref.entropy, ref.spawn_key,
                                                               ref.pool_size)
    assert model.rng.bit_generator.seed_seq.n_children_spawned == 6
    fresh = np.random.default_rng(31).spawn(4)[3]  # nothing drawn from the dynamics yet
    assert model.ctx.rng.bit_generator.state == fresh.bit_generator.state
    fixed = scn.with_overrides({"run.world_seed": 5})
    shared = SocialCommerceModel(fixed, seed=31)
    assert shared.ctx.agent_rng.bit_generator.state == agents.bit_generator.state
    world = build_world(scn, 31)
    assert world.agent_stream.bit_generator.seed_seq.spawn_key == (2,)
    assert world.agent_stream.bit_generator.seed_seq.entropy == 31
