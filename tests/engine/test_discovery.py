"""Discovery feeds (sim/engine/discovery.py, ``platforms.<p>.discovery_reach``): a platform
shows a creator's live post to interested non-followers in proportion to its follower
impressions; off by default without a random draw."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import SocialCommerceModel
from sim.config.scenario import ScenarioError, load_scenario
from sim.config.world_schema import PlatformSection
from sim.engine import discovery
from sim.engine.discovery import discover, discovery_count

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"
SMALL = {"run.consumers": 3000, "run.days": 12}


def test_count_is_reach_times_follower_impressions():
    assert discovery_count(0.0, 500) == 0
    assert discovery_count(4.0, 0) == 0
    assert discovery_count(4.0, 37) == 148
    assert discovery_count(0.5, 3) == 2  # rounded


def _recorded_run(sets: dict, monkeypatch) -> tuple[SocialCommerceModel, list]:
    calls = []

    def recording(ctx, organic):
        state = ctx.rng.bit_generator.state
        shown = discover(ctx, organic)
        calls.append((organic, shown, state, ctx.rng.bit_generator.state))
        return shown

    monkeypatch.setattr(discovery, "discover", recording)
    model = SocialCommerceModel(load_scenario(BASELINE, {**SMALL, **sets}), seed=2)
    while model.running:
        model.step()
    return model, calls


def test_off_by_default_draws_nothing(monkeypatch):
    assert PlatformSection().discovery_reach == 0.0
    _, calls = _recorded_run({"platforms.notes.discovery_reach": 0.0}, monkeypatch)
    assert calls and any(organic for organic, *_ in calls)
    for _, shown, before, after in calls:
        assert len(shown) == 0 and before == after  # no exposure, no random number used


def test_notes_posts_reach_interested_non_followers(monkeypatch):
    model, calls = _recorded_run({"platforms.notes.discovery_reach": 4.0}, monkeypatch)
    ctx = model.ctx
    beh = ctx.beh
    circles = ctx.posts["circle"]
    notes_posts = strangers = shown_total = 0
    for organic, shown, *_ in calls:
        for inf, post, reached in organic:
            mine = shown.consumer[shown.post == post]
            if inf.platform.name != "notes":
                assert len(mine) == 0  # the feed has no discovery reach here
                continue
            notes_posts += 1
            assert len(mine) == round(4.0 * len(reached))
            circle = circles[post] if circles[post] >= 0 else inf.home_circle
            assert np.all(ctx.population.circle[mine] == circle)  # the post's interest circle
            strangers += int((~np.isin(mine, inf.followers)).sum())
            shown_total += len(mine)
        if len(shown):
            assert np.allclose(shown.trust, beh.stranger_trust * beh.follower_trust)
    assert notes_posts > 20
    # drawn from the whole circle, followers or not: mostly people who do not follow the
    # creator (a creator's followers are a minority of its home circle)
    assert strangers / shown_total > 0.6


def test_discovery_multiplies_notes_impressions_not_feed_ones():
    """Same seed, discovery reach 4 on the notes platform: the waist tier (posting on notes)
    gets about five times the impressions, at the same view rate; the head tier (feed) keeps
    the order of magnitude of its impressions."""
    k = {}
    for reach in (0.0, 4.0):
        model = SocialCommerceModel(load_scenario(
            BASELINE, {**SMALL, "platforms.notes.discovery_reach": reach,
                       "platforms.notes.view_rate": 0.3}), seed=3)
        while model.running:
            model.step()
        k[reach] = model.kpis
    ratio = k[4.0]["impressions_waist"] / k[0.0]["impressions_waist"]
    assert 3.5 < ratio < 6.5
    for kp in k.values():
        assert kp["views_waist"] / kp["impressions_waist"] == pytest.approx(0.3, abs=0.03)
    assert 0.6 < k[4.0]["impressions_head"] / k[0.0]["impressions_head"] < 1.6


def test_bad_discovery_reach_names_the_field():
    with pytest.raises(ScenarioError, match="discovery_reach"):
        load_scenario(BASELINE, {"platforms.notes.discovery_reach": -1.0})
