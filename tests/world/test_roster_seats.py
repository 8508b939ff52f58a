"""Roster creators in the world: follower counts, circle mixes, overlap, and the model's
influencers taking the roster's values."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.config.loading import load_scenario
from sim.config.roster import RosterCreator
from sim.engine.model import SocialCommerceModel
from sim.world.roster_seats import follower_count, seat

SAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "rosters" / "sample_roster.csv"


def _circles(n=2000, c=10, seed=0):
    circle = np.random.default_rng(seed).integers(0, c, n)
    order = np.argsort(circle, kind="stable")
    return circle, order, np.searchsorted(circle[order], np.arange(c + 1))


def test_follower_count_scales_with_real_fans_and_market():
    c = RosterCreator(1, "a", "feed", "head", 1_500_000, 100.0, 0.02, real_fan_share=0.5)
    assert follower_count(c, 0.1, 10_000, 1_000_000) == 750
    assert follower_count(c, 0.1, 10, 1_000_000) == 1  # at least one
    big = RosterCreator(1, "b", "feed", "head", 10**9, 1.0, 0.02)
    assert follower_count(big, 1.0, 500, 1_000) == 500  # at most everyone


def test_circle_mix_puts_followers_where_the_roster_says():
    circle, order, starts = _circles()
    c = RosterCreator(1, "a", "feed", "head", 1, 1.0, 0.02, circle_mix=((3, 0.6), (7, 0.3)))
    home, f = seat(c, 300, 0.7, order, starts, np.random.default_rng(1))
    share = np.bincount(circle[f], minlength=10) / len(f)
    assert home == 3 and share[3] > 0.55 and share[7] > 0.27
    assert len(np.unique(f)) == len(f) and np.all(np.diff(f) > 0)


def test_model_uses_roster_creators_and_same_circle_creators_overlap():
    scn = load_scenario("baseline", {"run.consumers": 2000, "run.days": 5,
                                     "influencers.roster": str(SAMPLE)})
    model = SocialCommerceModel(scn, seed=3)
    head = model.influencers_by_tier["head"]
    assert [c.creator_id for c in head] == ["c01", "c02", "c03", "c04", "c05", "c06"]
    assert head[0].fee == 3260.0 * scn.money_scale
    assert len(model.influencers_by_tier["nano"]) == scn.influencers["nano"].count  # generated
    by = {c.creator_id: c for cs in model.influencers_by_tier.values() for c in cs}
    same = [i for i, c in by.items() if c.home_circle == 0]
    other = [i for i, c in by.items() if c.home_circle not in (0, 1, 2, 3)]

    def overlap(a, b):
        fa, fb = by[a].followers, by[b].followers
        return len(np.intersect1d(fa, fb)) / max(1, min(len(fa), len(fb)))

    same_pairs = [overlap(a, b) for a in same for b in same if a < b]
    cross = [overlap(a, b) for a in same for b in other]
    assert np.mean(same_pairs) > 2 * np.mean(cross)
