"""Within-tier follower counts (sim/world/builder.py, ``influencers.<tier>.followers_tail``):
off by default without a random draw; on, a bounded power law that keeps the tier's mean and
puts most followers with a few creators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.config.scenario import ScenarioError, load_scenario
from sim.world.builder import build_world, follower_counts

ROOT = Path(__file__).resolve().parents[2]


def test_no_tail_gives_every_creator_the_mean_without_a_draw():
    rng = np.random.default_rng(3)
    state = rng.bit_generator.state
    assert follower_counts(25.4, 4, 0.0, 10.0, 1000, rng) == [25] * 4
    assert follower_counts(0.2, 2, 0.0, 10.0, 1000, rng) == [1, 1]  # at least one follower
    assert rng.bit_generator.state == state


def test_power_law_keeps_the_mean_and_concentrates_followers():
    k = np.array(follower_counts(200.0, 5000, 1.0, 100.0, 10**6, np.random.default_rng(4)))
    assert abs(k.mean() - 200.0) < 1.0  # rescaled to the tier's mean (up to rounding)
    assert k.max() / k.min() == pytest.approx(100.0, rel=0.1)  # the allowed range
    top = np.sort(k)[::-1][: len(k) // 5]
    # bounded Pareto α = 1 on [1, 100]: the top fifth holds 1 − ln(5) / ln(100) ≈ 65 %
    assert top.sum() / k.sum() == pytest.approx(1 - np.log(5) / np.log(100), abs=0.02)
    # the survival function falls as x^−α: ten times the followers, a tenth of the creators
    lo = np.quantile(k, 0.5)
    assert (k > 10 * lo).mean() == pytest.approx((k > lo).mean() / 10, rel=0.25)


def test_heavier_tail_concentrates_more_and_counts_stay_inside_the_population():
    def top_fifth(alpha: float) -> float:
        k = np.sort(follower_counts(50.0, 2000, alpha, 100.0, 400, np.random.default_rng(5)))
        return k[-400:].sum() / k.sum()
    assert top_fifth(0.5) > top_fifth(1.0) > top_fifth(2.0)
    k = follower_counts(300.0, 50, 0.3, 1000.0, 400, np.random.default_rng(6))
    assert max(k) <= 400 and min(k) >= 1


def test_world_draws_power_law_followers_for_the_tier_that_asks():
    sets = {"run.consumers": 4000}
    base = load_scenario(ROOT / "scenarios/baseline.toml",
                         {**sets, "influencers.tail.followers_tail": 0.0})
    tailed = base.with_overrides({"influencers.tail.followers_tail": 0.7,
                                  "influencers.tail.followers_range": 100.0})
    plain, heavy = build_world(base, 1), build_world(tailed, 1)
    sizes = {w: [len(s.followers) for s in world.creators["tail"]]
             for w, world in (("plain", plain), ("heavy", heavy))}
    mean = base.influencers["tail"].followers_share * 4000
    assert set(sizes["plain"]) == {round(mean)}
    assert abs(np.mean(sizes["heavy"]) - mean) < 0.1 * mean
    assert max(sizes["heavy"]) > 5 * np.median(sizes["heavy"])
    # tiers drawn before the tail keep their creators
    for s, t in zip(plain.creators["head"], heavy.creators["head"]):
        assert np.array_equal(s.followers, t.followers)


@pytest.mark.parametrize("key,value", [("influencers.tail.followers_tail", -1.0),
                                       ("influencers.tail.followers_range", 0.5)])
def test_bad_follower_spread_names_the_field(key, value):
    with pytest.raises(ScenarioError, match=key.rsplit(".", 1)[1]):
        load_scenario(ROOT / "scenarios/baseline.toml", {key: value})
