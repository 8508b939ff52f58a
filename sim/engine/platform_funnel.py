"""The platform funnel: impressions → views → engagements → clicks → orders, as platforms
report it, per channel, per platform and per creator.

Rules of the day (draws from the funnel's own random stream, so that turning a rate to 1 or 0
never shifts the other mechanisms' draws):

* **impression → view**: every delivered exposure is an *impression* (a post shown in a feed,
  a note card, a group message). It is *viewed* (video played, note opened, message read) with
  probability ``platforms.<p>.view_rate`` (0–1) — except what ties send (word of mouth, buyers'
  posts), which is always looked at; only views reach the response pass, so an
  engagement (like, comment, save, share) is always an engagement with a view, and the
  engagement rate of a tier is engagements / views as a creator dashboard shows it.
* **engagement → click**: an engaged view of a non-negative post clicks through to the product
  page with probability ``platforms.<p>.click_rate`` (0–1). A click is a visit to the product
  page: the consumer has a purchase session today whatever its activity draw
  (:func:`sim.engine.funnel.decide_purchases`, ``extra_sessions``).
* **click → order**: an order is *click-attributed* when its buyer clicked on that retailer's
  content in the last :data:`CLICK_WINDOW` days (the 7-day click window of ad platforms).

KPIs (:mod:`sim.config.kpis`): ``impressions``, ``views``, ``clicks``, ``ctr`` = clicks /
impressions, ``cvr`` = click-attributed orders / clicks, ``cpm`` = paid media spend / paid
impressions × 1000, ``cpc`` = paid media spend / paid clicks, ``cpe`` = paid media spend / paid
engagements (paid media: the creator tiers, ads and search), ``aov`` = GMV / orders; per channel
``impressions_<ch>``, ``views_<ch>``, ``clicks_<ch>``, ``engagement_rate_<ch>`` (engagements /
views of the channel, the realised engagement of a tier) and per platform
``impressions_on_<p>``, ``clicks_on_<p>``. Per creator: impressions, views, engagements, clicks
and orders (buyer's last engagement with that creator), the rows of ``creators.csv``.
Engaged views are split into likes, comments, saves and shares by
:mod:`sim.engine.engagement_kinds` (KPIs ``likes``, ``comments``, ``saves``, ``shares``), in
:func:`sim.engine.response.respond`, which every response pass (formats' included) goes through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.config.channels import ORGANIC_CHANNELS
from sim.engine.engagement_kinds import COLUMNS as KIND_COLUMNS
from sim.engine.engagement_kinds import EngagementKinds
from sim.kernels.funnel import count_clicks, count_engagements, count_views
from sim.kernels.orders import credit_orders
from sim.world.content import Exposures
from sim.kernels.arrayops import sorted_unique

if TYPE_CHECKING:
    from sim.engine.response import ResponseResult
    from sim.engine.state import Context

CLICK_WINDOW = 7
"""Days after a click in which an order is credited to it (ad platforms' 7-day click window)."""

_VIEW_COLUMNS = ("platform", "author")  # the post columns view reads
_NEVER = -(10**6)
_NO_DRAWS = np.empty(0, np.float64)


class FunnelBook:
    """The funnel's counters and per-consumer click state.

    Args:
        n: consumers; n_retailers: retailers R; channels: channel names (code order);
        n_platforms: platforms; rng: the funnel's random stream.

    Attributes (cumulative): ``impressions``, ``views``, ``engagements``, ``clicks`` per channel
    (int64); ``impressions_on``, ``views_on``, ``clicks_on`` per platform; ``click_orders``;
    per creator (index in :attr:`creators`) ``creator_counts`` int64 C×5 (impressions, views,
    engagements, clicks, orders); ``last_click_day`` int32 N×R; ``last_creator`` int32 N×R
    (creator index of the consumer's last engagement with the retailer, −1 none).
    """

    COLUMNS = ("impressions", "views", "engagements", "clicks", "orders")

    def __init__(self, n: int, n_retailers: int, channels: list[str], n_platforms: int,
                 rng: np.random.Generator) -> None:
        k = len(channels)
        self.channels = list(channels)
        self.rng = rng
        self.from_ties = np.array([ch in ORGANIC_CHANNELS for ch in channels], dtype=bool)
        self.impressions = np.zeros(k, np.int64)
        self.views = np.zeros(k, np.int64)
        self.engagements = np.zeros(k, np.int64)
        self.clicks = np.zeros(k, np.int64)
        self.impressions_on = np.zeros(n_platforms, np.int64)
        self.views_on = np.zeros(n_platforms, np.int64)
        self.clicks_on = np.zeros(n_platforms, np.int64)
        self.click_orders = 0
        self.searches = 0
        self.last_click_day = np.full((n, n_retailers), _NEVER, dtype=np.int32)
        self.last_creator = np.full((n, n_retailers), -1, dtype=np.int32)
        self.clicked_today: list[np.ndarray] = []
        self.creators: list = []
        self.n_tiers = 0
        self._creator_of_author = np.full(0, -1, np.int64)
        self.creator_counts = np.zeros((0, 5), np.int64)
        self.kinds: EngagementKinds | None = None  # set by the model (full and reference)
        self._rate_cache: dict[str, tuple] = {}  # see _rate_entry

    def set_creators(self, creators: list, n_tiers: int) -> None:
        """Register the run's creators (Influencer agents; their posts' authors are their ids)
        and the number of tier channels (codes 0..n_tiers − 1)."""
        self.creators = list(creators)
        self.n_tiers = n_tiers
        top = max((c.unique_id for c in creators), default=-1)
        self._creator_of_author = np.full(top + 2, -1, np.int64)
        for k, c in enumerate(creators):
            self._creator_of_author[c.unique_id] = k
        self.creator_counts = np.zeros((len(creators), 5), np.int64)
        if self.kinds is not None:
            self.kinds.set_creators(len(creators))

    def creator_of(self, author: np.ndarray, channel: np.ndarray) -> np.ndarray:
        """Creator index of each exposure's post author, for exposures credited to a creator
        tier (−1 otherwise: ads, shares, buyers' posts, whose authors are not creators)."""
        a = np.asarray(author, np.int64)
        out = np.full(len(a), -1, np.int64)
        ok = ((a >= 0) & (a < len(self._creator_of_author))
              & (channel < self.n_tiers))
        out[ok] = self._creator_of_author[a[ok]]
        return out

    def _rate_entry(self, ctx: "Context", key: str) -> tuple:
        """(platform settings, rates, every rate 1, some rate above 0) of ``key``, rebuilt
        when a platform's settings object changes."""
        cfgs = [p.cfg for p in ctx.platforms]
        entry = self._rate_cache.get(key)
        if entry is None or entry[0] != cfgs:
            rate = _rates(ctx, key)
            entry = self._rate_cache[key] = (cfgs, rate, bool((rate >= 1.0).all()),
                                             bool((rate > 0).any()))
        return entry

    def rates(self, ctx: "Context", key: str) -> np.ndarray:
        """``platforms.<p>.<key>`` (``view_rate`` or ``click_rate``, 0–1) per platform,
        float64, read on every batch (kept while the platforms' settings are the same)."""
        return self._rate_entry(ctx, key)[1]

    def all_viewed(self, ctx: "Context") -> bool:
        """Every platform's view rate is 1 (no view draws)."""
        return self._rate_entry(ctx, "view_rate")[2]

    def any_clicks(self, ctx: "Context") -> bool:
        """Some platform's click rate is above 0 (click draws are made)."""
        return self._rate_entry(ctx, "click_rate")[3]

    def start_day(self) -> None:
        self.clicked_today = []

    def sessions_today(self) -> np.ndarray:
        """Consumers who clicked through to a product page today (sorted, unique)."""
        if not self.clicked_today:
            return np.empty(0, np.int64)
        return sorted_unique(np.concatenate(self.clicked_today))


def _rates(ctx: "Context", key: str) -> np.ndarray:
    return np.array([getattr(p.cfg, key) for p in ctx.platforms], dtype=np.float64)


def view(ctx: "Context", exp: Exposures) -> Exposures:
    """Count ``exp`` as impressions and return the viewed ones (see the module docstring)."""
    f = ctx.funnel
    if len(exp) == 0:
        return exp
    posts = ctx.posts
    _, rate, all_viewed, _ = f._rate_entry(ctx, "view_rate")
    # what ties send (shares, buyers' posts) is always looked at; no draw if every rate is 1
    u = _NO_DRAWS if all_viewed else f.rng.random(len(exp))
    platform, author = posts.buffers(_VIEW_COLUMNS)
    n_viewed, consumer, post, trust, channel = count_views(
        exp.consumer, exp.post, exp.trust, exp.channel, platform, author,
        f._creator_of_author, f.n_tiers, u, rate, f.from_ties, f.impressions, f.impressions_on,
        f.views, f.views_on, f.creator_counts)
    return exp if n_viewed == len(exp) else Exposures(consumer, post, trust, channel)


def after_response(ctx: "Context", exp: Exposures, res: "ResponseResult") -> None:
    """Engagements per channel and creator, the last engaged creator, and today's clicks."""
    f = ctx.funnel
    if len(exp) == 0:
        return
    posts = ctx.posts
    author = posts["author"]
    cand = count_engagements(exp.post, exp.channel, exp.consumer, res.retailer, res.engaged,
                             posts["negative"], author, f._creator_of_author, f.n_tiers,
                             f.engagements, f.creator_counts, f.last_creator)
    if len(cand) == 0 or not f.any_clicks(ctx):
        return
    rate = f.rates(ctx, "click_rate")
    hit = count_clicks(cand, f.rng.random(len(cand)), rate, exp.post, exp.channel,
                       exp.consumer, res.retailer, posts["platform"], author,
                       f._creator_of_author, f.n_tiers, ctx.day, f.clicks, f.clicks_on,
                       f.creator_counts, f.last_click_day)
    if len(hit):
        f.clicked_today.append(hit)


def book_orders(ctx: "Context", retailer: int, buyers: np.ndarray) -> None:
    """Credit today's orders of ``retailer`` by ``buyers``: click-attributed orders (a click
    within :data:`CLICK_WINDOW` days) and orders per creator of the last engagement."""
    f = ctx.funnel
    if len(buyers) == 0:
        return
    # one compiled pass: the click window's count and the per-creator orders (column 4)
    f.click_orders += credit_orders(buyers, retailer, f.last_click_day, ctx.day - CLICK_WINDOW,
                                    f.last_creator, f.creator_counts, 4)


def creator_rows(ctx: "Context") -> list[dict]:
    """One row per creator: creator, tier, platform, fee (yuan per post, simulated market),
    posts, impressions, views, engagements, clicks, orders, likes, comments, saves, shares
    (the engagements by kind, :mod:`sim.engine.engagement_kinds`), real-fan share, fit,
    quality."""
    f = ctx.funnel
    rows = []
    for k, (c, counts) in enumerate(zip(f.creators, f.creator_counts.tolist())):
        row = {"creator": c.unique_id, "tier": c.tier, "platform": c.platform.name,
               "fee": c.fee, "posts": c.posts_published}
        row.update(zip(FunnelBook.COLUMNS, counts))
        if f.kinds is not None:
            row.update(zip(KIND_COLUMNS, f.kinds.by_creator[k].tolist()))
        row.update(real_fan_share=c.real_fans, fit=c.fit, quality=c.quality)
        rows.append(row)
    return rows


def creator_frame(ctx: "Context") -> pd.DataFrame:
    """:func:`creator_rows` as a data frame, built column by column: equal to
    ``pd.DataFrame(creator_rows(ctx))`` (same columns, order, dtypes and values) at a fraction
    of the cost of inferring hundreds of row dicts (a few ms a run). Columns whose dtype
    pandas would infer anyway go in as numpy arrays (:func:`_typed`; inferring a list of
    hundreds of numbers costs ~0.1 ms a column)."""
    f = ctx.funnel
    cs = f.creators
    if not cs:
        return pd.DataFrame(creator_rows(ctx))
    cols: dict[str, object] = {
        "creator": _typed([c.unique_id for c in cs]), "tier": [c.tier for c in cs],
        "platform": [c.platform.name for c in cs], "fee": _typed([c.fee for c in cs]),
        "posts": _typed([c.posts_published for c in cs])}
    _counter_columns(cols, f.creator_counts, FunnelBook.COLUMNS)
    if f.kinds is not None:
        _counter_columns(cols, f.kinds.by_creator, KIND_COLUMNS)
    cols.update(real_fan_share=_typed([c.real_fans for c in cs]),
                fit=_typed([c.fit for c in cs]), quality=_typed([c.quality for c in cs]))
    return pd.DataFrame(cols)


def _typed(values: list) -> np.ndarray | list:
    """``values`` as the numpy array pandas would infer from the list: float64 when every
    value is a Python float, int64 when every value is a Python int in int64's range; else
    the list itself (pandas infers its dtype)."""
    kinds = set(map(type, values))
    if kinds == {float}:
        return np.array(values, np.float64)
    if kinds == {int}:
        try:
            return np.array(values, np.int64)
        except OverflowError:
            return values
    return values


def _counter_columns(cols: dict, counts: np.ndarray, names: tuple) -> None:
    """One column per name from the columns of ``counts`` (creators × names): copies of the
    int64 columns (the values of its ``tolist()`` rows, which pandas reads as int64)."""
    if counts.dtype == np.int64:
        for j, name in enumerate(names):
            cols[name] = counts[:, j].copy()
    else:
        rows = counts.tolist()
        for j, name in enumerate(names):
            cols[name] = [row[j] for row in rows]


__all__ = ["CLICK_WINDOW", "FunnelBook", "after_response", "book_orders", "creator_frame",
           "creator_rows", "view"]
