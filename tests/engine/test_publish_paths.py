"""Publishing the day's creator posts at once (:class:`CommissionBook`) gives what each queued
creator's own publishing gave: same post rows and ids, live posts, counts, KPIs and draws.

The previous path is kept here as the reference: retailers queue a :class:`Commission` per post
at its creator, and the model publishes the queued creators one by one in unique-id order.
"""

from __future__ import annotations

from operator import attrgetter
from pathlib import Path

import numpy as np
import pytest

from sim.config.scenario import load_scenario, validate_scenario
from sim.engine.agents.influencer import Commission
from sim.engine.model import SocialCommerceModel
from sim.kernels.commission import post_traits, stable_order, stage_posts
from sim.world.content import KIND

SAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "rosters" / "sample_roster.csv"


def _publish_one_reference(creator, ctx) -> None:
    """The previous ``Influencer.publish``: one post-log row per queued order."""
    if creator.withheld:
        creator.queue.clear()
        return
    lifetime = creator.platform.cfg.content_lifetime
    beh = ctx.beh
    homogeneity = beh.homogeneity.tolist()
    for retailer, kind, circle, reused, framed in creator.queue:
        post_id = ctx.posts.append(
            retailer, creator.platform.index, creator.channel, kind, circle,
            creator.credibility, creator.b0, False, creator.unique_id, ctx.state.day,
            homogeneity[kind] + (beh.reuse_fatigue if reused else 0.0), framed, reused)
        creator.live_posts.append((post_id, lifetime))
    creator.posts_published += len(creator.queue)
    creator.queue.clear()


def _publish_reference(ctx, queued: list) -> list:
    """The previous publishing phase: queued creators in unique-id order."""
    queued.sort(key=attrgetter("unique_id"))
    for creator in queued:
        if creator.queue:
            _publish_one_reference(creator, ctx)
    return queued


def _reference_model(scn, seed, **kw) -> SocialCommerceModel:
    """A model whose retailers queue orders at creators and which publishes per creator."""
    model = SocialCommerceModel(scn, seed=seed, **kw)
    for ret in model.ctx.retailers:
        ret._book = False  # no book: a Commission per post at its creator
    model.ctx.commissions.publish = lambda ctx, queued: _publish_reference(ctx, queued)
    return model


def _same_runs(scn, seed=5, days=None, **kw) -> int:
    """Step a model and its reference side by side; returns the creator posts compared."""
    fast = SocialCommerceModel(scn, seed=seed, **kw)
    ref = _reference_model(scn, seed, **kw)
    days = days or scn.run.days
    for _ in range(days):
        fast.step()
        ref.step()
        a, b = fast.ctx.posts.cols, ref.ctx.posts.cols
        for field in a:
            np.testing.assert_array_equal(a[field], b[field], field)
        assert fast.kpis == ref.kpis
        assert fast.ctx.rng.bit_generator.state == ref.ctx.rng.bit_generator.state
        assert (fast.ctx.agent_rng.bit_generator.state
                == ref.ctx.agent_rng.bit_generator.state)
        for tier, cs in fast.ctx.creators_by_tier.items():
            for c, r in zip(cs, ref.ctx.creators_by_tier[tier]):
                assert c.live_posts == r.live_posts
                assert c.posts_published == r.posts_published
                assert c.queue == [] and r.queue == []
        assert [r.targeted_circles for r in fast.ctx.retailers] == [
            r.targeted_circles for r in ref.ctx.retailers]
    return sum(c.posts_published for cs in fast.ctx.creators_by_tier.values() for c in cs)


def test_publishing_at_once_equals_per_creator_publishing(small_baseline):
    scn = small_baseline.with_overrides({"retailers.brand.circle_tagged": 0.5,
                                         "retailers.brand.content_reuse": 0.3,
                                         "retailers.brand.guanxi_framing": 0.4,
                                         "behaviour.reuse_fatigue": 0.25,
                                         "run.days": 15})
    assert _same_runs(scn) > 100


def test_two_retailers_and_withheld_creators(small_baseline):
    data = small_baseline.model_dump(exclude_none=True)
    data["retailers"].append(dict(data["retailers"][0], name="rival", price=70.0))
    data["run"]["days"] = 12
    scn = validate_scenario(data)
    probe = SocialCommerceModel(scn, seed=9)
    cs = [c for tier in probe.ctx.creators_by_tier.values() for c in tier]
    withheld = tuple(c.unique_id for c in cs[::7])
    assert _same_runs(scn, seed=9, withheld=withheld) > 50


def test_named_bookings_queued_at_creators_are_published_in_order(small_baseline):
    """A roster's named booking queues its order at the creator (Influencer.commission); it is
    published with the retailers' staged posts, in commissioning order."""
    scn = load_scenario(SAMPLE.parents[1] / "baseline.toml",
                        {"run.consumers": 2000, "run.days": 6,
                         "influencers.roster": str(SAMPLE), "influencers.book": ["c01", "c03"]})
    assert _same_runs(scn, seed=4) > 10


def test_a_creators_staged_and_queued_orders_keep_their_order(small_baseline):
    fast = SocialCommerceModel(small_baseline, seed=2)
    ref = _reference_model(small_baseline, 2)
    for model in (fast, ref):
        model.ctx.state.day = 1
        ret = model.ctx.retailers[0]
        creators = next(iter(model.ctx.creators_by_tier.values()))
        rng = np.random.default_rng(8)
        ret.commission_posts(rng, creators, np.array([3, 1, 3], dtype=np.int64))
        creators[3].commission(Commission(0, int(KIND["scene"]), -1, True, True))
        creators[1].commission(Commission(0, int(KIND["promo"]), 7, False, False))
        ret.commission_posts(rng, creators, np.array([1, 3, 0], dtype=np.int64))
        queued, model.queued_creators = model.queued_creators, []
        published = model.ctx.commissions.publish(model.ctx, queued)
        assert {id(c) for c in published} == {id(creators[k]) for k in (0, 1, 3)}
    a, b = fast.ctx.posts.cols, ref.ctx.posts.cols
    assert len(a["kind"]) == 8
    for field in a:
        np.testing.assert_array_equal(a[field], b[field], field)
    for c, r in zip(next(iter(fast.ctx.creators_by_tier.values())),
                    next(iter(ref.ctx.creators_by_tier.values()))):
        assert c.live_posts == r.live_posts and c.posts_published == r.posts_published


def test_stage_posts_writes_the_traits_post_traits_gives():
    rng = np.random.default_rng(3)
    u = rng.random((40, 4))
    cdf, kinds = np.array([0.2, 0.7, 1.0]), np.array([2, 0, 1], dtype=np.int64)
    picks = rng.integers(5, size=40)
    slots, homes = np.arange(10, 15, dtype=np.int64), np.arange(100, 105, dtype=np.int64)
    cols = [np.zeros(45, np.int64) for _ in range(4)] + [np.zeros(45, bool) for _ in range(2)]
    stage_posts(u, cdf, kinds, 0.5, 0.3, 0.4, picks, slots, homes, 2, 5, *cols)
    kind, tagged, reused, framed = post_traits(u, cdf, kinds, 0.5, 0.3, 0.4)
    slot, retailer, k, circle, r, f = (col[5:] for col in cols)
    np.testing.assert_array_equal(slot, slots[picks])
    assert (retailer == 2).all()
    np.testing.assert_array_equal(k, kind)
    np.testing.assert_array_equal(circle, np.where(tagged, homes[picks], -1))
    np.testing.assert_array_equal(r, reused)
    np.testing.assert_array_equal(f, framed)


def test_platform_by_name_is_kept_per_platform_list(small_baseline):
    ctx = SocialCommerceModel(small_baseline, seed=1).ctx
    first = ctx.platform_by_name
    assert first is ctx.platform_by_name
    assert first == {p.name: p for p in ctx.platforms}
    ctx.platforms = ctx.platforms[:1]
    assert ctx.platform_by_name == {ctx.platforms[0].name: ctx.platforms[0]}


@pytest.mark.parametrize("empty", [True, False])
def test_a_day_without_posts_publishes_nothing(small_baseline, empty):
    model = SocialCommerceModel(small_baseline, seed=1)
    n = len(model.ctx.posts)
    queued = [] if empty else [next(iter(model.ctx.creators_by_tier.values()))[0]]
    assert model.ctx.commissions.publish(model.ctx, queued) == []
    assert len(model.ctx.posts) == n


def test_stable_order_is_numpys_stable_argsort():
    rng = np.random.default_rng(4)
    for n in (0, 1, 2, 7, 40):
        keys = rng.integers(5, size=n)
        np.testing.assert_array_equal(stable_order(keys), np.argsort(keys, kind="stable"))


def _ad_plan_reference(ret, ctx):
    """The previous ``Retailer._ad_plan``: built on every call."""
    split = ret.cfg.ad_split or {ret.cfg.ad_platform: 1.0}
    total = sum(split.values())
    return [(ctx.platform_by_name[name], share / total)
            for name, share in split.items() if share > 0]


def test_the_kept_ad_plan_follows_a_revised_plan(small_baseline):
    model = SocialCommerceModel(small_baseline, seed=1)
    ctx, ret = model.ctx, model.ctx.retailers[0]
    assert ret._ad_plan(ctx) == _ad_plan_reference(ret, ctx)
    assert ret._ad_plan(ctx) is ret._ad_plan(ctx)
    names = [p.name for p in ctx.platforms]
    split = {names[0]: 1.0, names[-1]: 3.0}
    ret.replan(ret.cfg.model_copy(update={"ad_split": split}), ctx.money_scale)
    assert ret._ad_plan(ctx) == _ad_plan_reference(ret, ctx)
    assert sum(share for _, share in ret._ad_plan(ctx)) == pytest.approx(1.0)


def test_retailers_act_in_the_agent_sets_order(small_baseline):
    """The model runs the retailers' day over ``ctx.retailers``: the agent set's order."""
    from sim.engine.agents import Retailer

    data = small_baseline.model_dump(exclude_none=True)
    data["retailers"].append(dict(data["retailers"][0], name="rival", price=70.0))
    model = SocialCommerceModel(validate_scenario(data), seed=1)
    assert list(model.agents_by_type[Retailer]) == model.ctx.retailers
    assert [r.index for r in model.ctx.retailers] == [0, 1]


def test_a_creator_withheld_mid_run_stops_publishing(small_baseline):
    """``withheld`` is read when the day's posts are published, as each creator read it."""
    scn = small_baseline.with_overrides({"run.days": 8})
    fast, ref = SocialCommerceModel(scn, seed=6), _reference_model(scn, 6)
    for day in range(8):
        if day == 3:
            for model in (fast, ref):
                for tier in model.ctx.creators_by_tier.values():
                    for c in tier[::3]:
                        c.withheld = True
        fast.step()
        ref.step()
        a, b = fast.ctx.posts.cols, ref.ctx.posts.cols
        for field in a:
            np.testing.assert_array_equal(a[field], b[field], field)
        for cs, rs in zip(fast.ctx.creators_by_tier.values(), ref.ctx.creators_by_tier.values()):
            assert [c.live_posts for c in cs] == [r.live_posts for r in rs]
            assert [c.posts_published for c in cs] == [r.posts_published for r in rs]
    assert fast.kpis == ref.kpis
