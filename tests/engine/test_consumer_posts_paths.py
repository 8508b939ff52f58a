"""Buyers' posts go to their ties as they did through ``sharing.probability`` and
``diffusion.share_to_ties`` (kept here as the reference): same posts, exposures, draws and
KPIs, step by step, with the crisis authors' same-day posts too."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.engine import consumer_posts, diffusion, sharing
from sim.engine.model import SocialCommerceModel
from sim.world.content import KIND, POST_FIELDS


def reference_publish(ctx, r, authors, negative, queue_today=False) -> None:
    """The former ``consumer_posts.publish``."""
    if len(authors) == 0:
        return
    pop, beh = ctx.population, ctx.beh
    kind = KIND["negative"] if negative else KIND["ugc"]
    ids = ctx.posts.add(
        retailer=r, platform=np.argmax(pop.attention[authors], axis=1), channel=ctx.code["ugc"],
        kind=kind, circle=pop.circle[authors], credibility=beh.ugc_credibility, b0=beh.b0,
        negative=negative, author=authors, day=ctx.day, homogeneity=beh.homogeneity[kind],
    )
    ctx.metrics.consumer_posts += len(authors)
    if ctx.graph is None:
        return
    prob = sharing.probability(ctx, authors, ids)
    exp = diffusion.share_to_ties(ctx.graph, authors, ids, prob, ctx.code["ugc"], ctx.rng,
                                  guanxi=beh.guanxi)
    (ctx.state.today if queue_today else ctx.state.pending).append(exp)


def _exposures(batches) -> list[tuple]:
    return [(e.consumer.tolist(), e.post.tolist(), e.trust.tolist(), e.channel.tolist())
            for e in batches]


@pytest.mark.parametrize("name,guanxi", [("baseline", None), ("crisis_fast", 1.7)])
def test_publish_equals_the_former_path(name, guanxi, monkeypatch):
    over = {"run.consumers": 1500, "run.days": 25}
    if guanxi is not None:
        over["behaviour.guanxi"] = guanxi
    scn = load_scenario(f"scenarios/{name}.toml", over)
    fast, ref = SocialCommerceModel(scn, seed=3), SocialCommerceModel(scn, seed=3)
    published = []
    real = consumer_posts.publish

    def counted(ctx, r, authors, negative, queue_today=False):
        published.append(len(authors))
        return real(ctx, r, authors, negative, queue_today)

    for _ in range(25):
        with monkeypatch.context() as mp:
            mp.setattr(consumer_posts, "publish", counted)
            fast.step()
        with monkeypatch.context() as mp:
            mp.setattr(consumer_posts, "publish", reference_publish)
            ref.step()
        a, b = fast.ctx, ref.ctx
        assert len(a.posts) == len(b.posts)
        for k in POST_FIELDS:
            np.testing.assert_array_equal(a.posts[k], b.posts[k], err_msg=k)
        assert _exposures(a.state.pending) == _exposures(b.state.pending)
        assert a.rng.bit_generator.state == b.rng.bit_generator.state
        assert a.metrics.consumer_posts == b.metrics.consumer_posts
        assert repr(fast.kpis) == repr(ref.kpis)
    assert sum(published) > 0  # buyers posted
