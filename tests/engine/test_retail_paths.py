"""The retail side's compiled paths give what the previous numpy / per-post code gave on the
same draws: commissioning (the previous code is kept here as the reference), publishing,
the community's joins and the search credit; the generator's state afterwards included."""

from __future__ import annotations

import copy
from bisect import bisect_right

import numpy as np

from sim.engine.agents.influencer import Commission
from sim.engine.model import SocialCommerceModel
from sim.world.content import KIND


def _commission_reference(ret, rng, creators, day, tier):
    """The previous ``Retailer._commission`` + ``commission_posts``: numpy blocks and a
    per-post loop over Python floats; returns the posts as tuples and the yuan spent."""
    fees = np.array([c.fee for c in creators], dtype=np.float64)
    cheapest = max(float(fees.min()), 1e-9)
    allowance = ret.allowance.get(tier, 0.0) + ret.lines.get(tier, 0.0) / max(
        1, ret.end_day - day + 1)
    budget = min(allowance, ret.lines.get(tier, 0.0) + 1e-9)
    cap = 16 * len(creators)
    picked, spent, count = [], 0.0, 0
    while count < cap:
        k = min(cap - count, int(max(0.0, budget - spent) // cheapest) + 1)
        draw = rng.integers(len(creators), size=k)
        cum = fees[draw].cumsum()
        cum += spent
        n = int(cum.searchsorted(budget, side="right"))
        if n:
            picked.append(draw[:n])
            spent = float(cum[n - 1])
            count += n
        if n < k:
            break
    if not picked:
        return [], 0.0
    picks = np.concatenate(picked)
    cfg = ret.cfg
    cdf, kinds = ret._kind_cdf.tolist(), ret._kinds.tolist()
    posts = []
    for c, (u0, u1, u2, u3) in zip(picks.tolist(), rng.random((len(picks), 4)).tolist()):
        kind = kinds[min(bisect_right(cdf, u0), len(kinds) - 1)]
        circle = creators[c].home_circle if u1 < cfg.circle_tagged else -1
        posts.append((c, (ret.index, int(kind), circle, u2 < cfg.content_reuse,
                          u3 < cfg.guanxi_framing)))
    return posts, spent


def test_commissioning_equals_the_per_post_reference(small_baseline):
    scn = small_baseline.with_overrides({"retailers.brand.circle_tagged": 0.5,
                                         "retailers.brand.content_reuse": 0.3,
                                         "retailers.brand.guanxi_framing": 0.4})
    model = SocialCommerceModel(scn, seed=11)
    ret = model.ctx.retailers[0]
    checked = 0
    for day in range(1, 6):
        for tier, creators in model.ctx.creators_by_tier.items():
            if tier not in ret.lines:
                continue
            rng = np.random.default_rng(100 * day + len(tier))
            ref_rng = copy.deepcopy(rng)
            expected, spent = _commission_reference(ret, ref_rng, creators, day, tier)
            line = ret.lines[tier]
            book = model.ctx.commissions  # the model stages commissioned posts there
            book.discard()
            ret._commission(rng, tier, creators, day)
            index = {id(c): i for i, c in enumerate(creators)}
            got = [(index[id(c)], tuple(order)) for c, order in book.staged()]
            assert got == expected  # in commissioning order
            assert all(isinstance(order, Commission) for _, order in book.staged())
            assert ret.lines[tier] == max(0.0, line - spent)
            assert rng.bit_generator.state == ref_rng.bit_generator.state
            checked += len(expected)
    assert checked > 20  # several posts of several tiers were compared


def test_publishing_writes_the_rows_context_publish_writes(small_baseline):
    model = SocialCommerceModel(small_baseline.with_overrides(
        {"behaviour.reuse_fatigue": 0.25}), seed=3)
    ctx = model.ctx
    creator = next(iter(ctx.creators_by_tier.values()))[0]
    orders = [Commission(0, int(KIND["scene"]), creator.home_circle, True, False),
              Commission(0, int(KIND["promo"]), -1, False, True)]
    start = len(ctx.posts)
    for order in orders:  # the reference: one Context.publish call per post
        ctx.publish(retailer=order.retailer, platform=creator.platform.index,
                    channel=creator.channel, kind=order.kind, circle=order.circle,
                    credibility=creator.credibility, b0=creator.b0, author=creator.unique_id,
                    reused=order.reused, framed=order.framed)
    for order in orders:
        creator.commission(order)
    creator.publish(ctx)
    cols = ctx.posts.cols
    for field, col in cols.items():
        np.testing.assert_array_equal(col[start + 2:start + 4], col[start:start + 2], field)
    assert creator.live_posts[-2:] == [(start + 2, creator.platform.cfg.content_lifetime),
                                      (start + 3, creator.platform.cfg.content_lifetime)]
    assert creator.queue == [] and creator.posts_published == 2
    scene = float(ctx.beh.homogeneity[KIND["scene"]])
    assert cols["homogeneity"][start + 2] == np.float32(scene + 0.25)  # reused copy adds fatigue


def test_runs_are_unchanged_by_the_compiled_paths(small_baseline):
    """Two runs of one seed agree; communities admit members and searches are credited."""
    a = SocialCommerceModel(small_baseline, seed=5)
    for _ in range(20):
        a.step()
    b = SocialCommerceModel(small_baseline, seed=5)
    for _ in range(20):
        b.step()
    pa, pb = a.ctx.population, b.ctx.population
    assert pa.member.any() and (pa.last_click == a.ctx.code["search"]).any()
    np.testing.assert_array_equal(pa.member, pb.member)
    np.testing.assert_array_equal(pa.stage, pb.stage)


def test_scale_unvisited_equals_the_isin_mask():
    from sim.engine.funnel import _scale_unvisited, in_sorted
    rng = np.random.default_rng(4)
    rows = np.flatnonzero(rng.random(5000) < 0.2)
    visits = np.flatnonzero(rng.random(6000) < 0.1)
    p = rng.random(len(rows))
    want = p.copy()
    want[~np.isin(rows, visits)] *= 0.35
    _scale_unvisited(p, rows, visits, 0.35)
    np.testing.assert_array_equal(p, want)
    assert in_sorted(rows, visits).any() and not in_sorted(rows, visits).all()


def test_post_log_views_follow_appends_and_single_batches_are_not_copied():
    from sim.world.content import Exposures, PostLog
    log = PostLog()
    row = dict(retailer=0, platform=1, channel=2, kind=3, circle=-1, credibility=0.5, b0=-2.0,
               negative=False, author=7, day=1, homogeneity=0.1)
    log.append(*row.values())
    first = log["author"]
    assert log["author"] is first and first.tolist() == [7]
    for k in range(100):  # grows past the first buffer
        log.append(**{**row, "author": k})
    assert log["author"].tolist() == [7, *range(100)] and len(first) == 1
    ids = log.add(**{**row, "author": np.array([5, 6])})
    assert log["author"][ids].tolist() == [5, 6]
    b = Exposures(np.array([1, 2]), np.array([0, 1]), np.array([0.5, 0.4], np.float32),
                  np.array([1, 1], np.int8))
    joined = Exposures.concat([Exposures.empty(), b])
    assert joined.consumer is b.consumer and joined.trust is b.trust
    both = Exposures.concat([b, b])
    assert both.consumer.tolist() == [1, 2, 1, 2] and both.trust.dtype == np.float32


def test_buyers_split_from_one_call_equals_three_calls():
    """after_purchase's draws: one call of 2·n uniforms split as the three calls were."""
    from sim.kernels.rowscan import split_buyers
    for seed in range(5):
        rows = np.sort(np.random.default_rng(seed).choice(400, size=60 + seed, replace=False))
        negative, ref_negative = np.zeros((400, 2), bool), np.zeros((400, 2), bool)
        rng, ref = np.random.default_rng(seed), np.random.default_rng(seed)
        satisfied = ref.random(len(rows)) < 0.7  # the previous three calls
        unhappy = rows[~satisfied]
        ref_negative[unhappy, 1] = True
        posters = unhappy[ref.random(len(unhappy)) < 0.4]
        happy, u_happy = rows[satisfied], ref.random(int(satisfied.sum()))
        got = split_buyers(rows, rng.random(2 * len(rows)), 0.7, 0.4, negative, 1)
        for a, b in zip(got, (happy, u_happy, unhappy, posters)):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(negative, ref_negative)
        assert rng.bit_generator.state == ref.bit_generator.state
        assert 0 < len(posters) < len(unhappy)


def test_deal_exponent_equals_the_numpy_expression():
    from sim.engine.order_value import _deal_exponent
    rng = np.random.default_rng(8)
    sensitivity = rng.random(3000).astype(np.float32)
    buyers = np.sort(rng.choice(3000, size=400, replace=False))
    coupon = rng.random(400) < 0.3
    for cut in (0.0, 12.5):
        deal = max(0.0, cut) + 8.0 * coupon
        want = 1.7 * sensitivity[buyers] * deal / 85.0
        got = _deal_exponent(buyers, sensitivity, coupon, np.float32(1.7), cut, 8.0, 85.0)
        np.testing.assert_array_equal(got, want)
        assert want.dtype == got.dtype == np.float64
