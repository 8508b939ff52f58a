"""Computing the KPIs of a step (their definitions: :mod:`sim.config.kpis`) and the
DataCollector reporters.

:func:`compute_kpis` reports exactly the registry's KPIs for the model's tiers, platforms and
retailers, in registry order, and fails loudly if the two disagree. Every KPI is cumulative from
day 1 unless its name says otherwise. Ratios whose denominator is zero are reported as 0 (never
NaN) so that tables and invariants stay well defined.
"""

from __future__ import annotations

from collections import deque
from functools import lru_cache, partial
from itertools import compress
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
from numba import njit

_B7 = np.uint64(7)

from sim.config.kpis import kpi_names_for
from sim.config.retail import NO_RETAIL
from sim.engine.engagement_kinds import COLUMNS as KIND_COLUMNS
from sim.kernels.bytescan import HIGH, byte_total, byte_words, count_set_bytes
from sim.world.population import AWARE, INTERESTED, STAGES, Population

if TYPE_CHECKING:
    from sim.engine.state import Context


def ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else 0.0


class MetricsBook:
    """Cumulative exposure, engagement and reach counters the mechanisms update during a step
    (spend and orders are in the :class:`sim.engine.ledger.Ledger`)."""

    def __init__(self, channels: list[str], n_circles: int = 1, n_consumers: int = 0,
                 n_tiers: int = 0) -> None:
        self.channels = list(channels)
        self.exposures = 0
        self.engagements = 0
        self.daily_exposures = 0
        self.daily_engagements = 0
        self.consumer_posts = 0  # buyers' own posts (UGC and negative)
        self.exposures_by_circle = np.zeros(n_circles, dtype=np.int64)
        self.engagements_by_circle = np.zeros(n_circles, dtype=np.int64)
        self.exposures_by_channel = np.zeros(len(channels), dtype=np.int64)
        # consumers reached at least once per channel, then by any creator tier (the last
        # entry); counted by the response pass as reach flags flip
        self.reach_counts = np.zeros(len(channels) + 1, dtype=np.int64)
        # unique reach per channel (consumers × channels; column-major, so that counting one
        # channel's reach is one contiguous pass) and by any tier (tiers are channels 0..T-1)
        self.reached_by = np.zeros((n_consumers, len(channels)), dtype=bool, order="F")
        self.reached_by_creator = np.zeros(n_consumers, dtype=bool)
        self.n_tiers = n_tiers
        self.neg_window: deque[tuple[int, int]] = deque(maxlen=7)
        self._neg_today = 0
        self.kpi_plan: KpiPlan | None = None  # the KPI snapshot's constants (kpi_plan())

    def start_day(self) -> None:
        self.daily_exposures = self.daily_engagements = 0
        self._neg_today = 0

    def count_exposures(self, total: int, negative: int, channel: np.ndarray, n_channels: int) -> None:
        self.exposures += total
        self.daily_exposures += total
        self._neg_today += negative
        self.exposures_by_channel += np.bincount(channel, minlength=n_channels)[:n_channels]

    def count_batch(self, total: int, negative: int, engaged: int) -> None:
        """A response pass's batch: ``total`` exposures (``negative`` of them to negative
        posts; the pass counts them per channel itself) and ``engaged`` engagements."""
        self.exposures += total
        self.daily_exposures += total
        self._neg_today += negative
        self.engagements += engaged
        self.daily_engagements += engaged

    def count_engagements(self, k: int) -> None:
        self.engagements += k
        self.daily_engagements += k

    def end_day(self) -> None:
        self.neg_window.append((self._neg_today, self.daily_exposures))

    @property
    def negative_sentiment(self) -> float:
        window = self.neg_window
        if not window:
            return 0.0
        neg, tot = map(sum, zip(*window))  # the same sums, in the same order
        return ratio(neg, tot)


# layout of the array returned by consumer_counts
_STAGE, _BUYERS, _REPEAT, _BREAKOUT, _MEMBERS, _REFERRED, _REACH = 0, 5, 6, 7, 8, 9, 10
_N_COUNTS = 11


@njit(cache=True)
def _stage_at_least(stage, stage_words):
    """Consumers whose furthest stage is ≥ 1, 2, 3, 4 (an int64[5], entry 0 unused)."""
    n, n_ret = stage.shape
    ge = np.zeros(5, dtype=np.int64)
    first = 0
    if n_ret == 1:  # eight consumers per word: byte v ≥ k sets bit 7 of v + 128 − k
        add1, add2 = np.uint64(127 * 0x0101010101010101), np.uint64(126 * 0x0101010101010101)
        add3, add4 = np.uint64(125 * 0x0101010101010101), np.uint64(124 * 0x0101010101010101)
        w = 0
        while w < len(stage_words):  # bytewise sums of ≤ 255 words cannot carry
            chunk = min(len(stage_words), w + 255)
            c1 = c2 = c3 = c4 = np.uint64(0)
            for v in range(w, chunk):
                x = stage_words[v]
                c1 += ((x + add1) & HIGH) >> _B7
                c2 += ((x + add2) & HIGH) >> _B7
                c3 += ((x + add3) & HIGH) >> _B7
                c4 += ((x + add4) & HIGH) >> _B7
            ge[1] += byte_total(c1)
            ge[2] += byte_total(c2)
            ge[3] += byte_total(c3)
            ge[4] += byte_total(c4)
            w = chunk
        first = 8 * len(stage_words)
    for i in range(first, n):
        s = stage[i, 0]
        for r in range(1, n_ret):
            s = max(s, stage[i, r])
        for k in range(1, 5):
            ge[k] += s >= k
    return ge


@njit(cache=True)
def _buyer_counts(orders, order_words, circle, targeted):
    """[buyers, repeat buyers, buyers outside the ``targeted`` circles] (int64[3]); orders
    summed over retailers. With one retailer, ``order_words`` (uint64 view of pairs of int32
    orders) skips 16 consumers without orders at a time (buyers are rare)."""
    n, n_ret = orders.shape
    buyers = repeat = breakout = 0
    if n_ret == 1:
        col = orders.reshape(n)
        w = 0
        while w + 8 <= len(order_words):
            any_order = np.uint64(0)
            for v in range(w, w + 8):
                any_order |= order_words[v]
            if any_order:
                for i in range(2 * w, 2 * w + 16):
                    if col[i] > 0:
                        buyers += 1
                        repeat += col[i] >= 2
                        breakout += not targeted[circle[i]]
            w += 8
        for i in range(2 * w, n):  # the last few consumers
            if col[i] > 0:
                buyers += 1
                repeat += col[i] >= 2
                breakout += not targeted[circle[i]]
    else:
        for i in range(n):
            o = np.int64(0)
            for r in range(n_ret):
                o += orders[i, r]
            if o > 0:
                buyers += 1
                repeat += o >= 2
                breakout += not targeted[circle[i]]
    return np.array([buyers, repeat, breakout], dtype=np.int64)


@njit(cache=True)
def _consumer_counts(stage, stage_words, orders, order_words, circle, targeted, member,
                     referred, exposed):
    """One pass over each consumer array; see :func:`consumer_counts` for the layout."""
    n = stage.shape[0]
    out = np.zeros(_N_COUNTS, dtype=np.int64)
    ge = _stage_at_least(stage, stage_words)
    out[_STAGE] = n - ge[1]
    for k in range(1, 4):
        out[_STAGE + k] = ge[k] - ge[k + 1]
    out[_STAGE + 4] = ge[4]
    out[_BUYERS:_BREAKOUT + 1] = _buyer_counts(orders, order_words, circle, targeted)
    out[_MEMBERS] = count_set_bytes(member, 0, len(member))
    out[_REFERRED] = count_set_bytes(referred, 0, len(referred))
    out[_REACH] = count_set_bytes(exposed, 0, len(exposed))
    return out


def _bytes(a: np.ndarray) -> np.ndarray:
    """Every byte of a contiguous array of 1-byte items, in memory order (a uint8 view)."""
    return a.reshape(-1, order="A").view(np.uint8)


_NOTHING = np.zeros(0, dtype=np.uint8)


@lru_cache(maxsize=4)
def _no_circles(n: int) -> np.ndarray:
    """N zeros (int32, read-only): circles for counts in which no circle is targeted."""
    zeros = np.zeros(n, np.int32)
    zeros.flags.writeable = False
    return zeros


def consumer_counts(pop: Population, targeted: np.ndarray,
                    communities: bool = True) -> np.ndarray:
    """The consumer counts behind the KPIs, in one compiled pass (int64 array):

    ``[0:5]`` consumers per furthest stage over all retailers (``np.bincount(
    pop.overall_stage(), minlength=5)``; stage codes are 0–4), then buyers (orders summed over
    retailers > 0), repeat buyers (≥ 2), breakout buyers (buyers whose circle is not
    ``targeted``, a bool per circle), community memberships (``np.count_nonzero(pop.member)``,
    consumer × retailer entries), referred memberships (likewise) and reach
    (``np.count_nonzero(pop.ever_exposed)``). ``communities=False``: the memberships are
    not scanned and count 0 (the reference modes have no communities).
    """
    stage_words = byte_words(pop.stage)[0]
    orders = pop.orders.reshape(-1)
    order_words = orders[: len(orders) - len(orders) % 2].view(np.uint64)
    # a consumer's circle only matters when some circle is targeted (a reference run's
    # consumers may not even have drawn theirs: sim.world.deferred)
    if targeted.any():
        circle = pop.circle
    else:  # every buyer is outside the (no) targeted circles
        circle, targeted = _no_circles(pop.n), np.zeros(1, dtype=bool)
    member, referred = ((_bytes(pop.member), _bytes(pop.referred)) if communities
                        else (_NOTHING, _NOTHING))
    return _consumer_counts(pop.stage, stage_words, pop.orders, order_words, circle,
                            targeted, member, referred, _bytes(pop.ever_exposed))


class KpiPlan:
    """What the KPI snapshot of one model needs that does not change from day to day: the
    registry's names in order (:func:`sim.config.kpis.kpi_names_for`), the names of the
    per-channel, per-platform, per-stage and per-retailer KPIs, the paid channels, and the
    consumer arrays' word views (:func:`consumer_counts`). Built from the context on its first
    snapshot and kept on the metrics book (:meth:`fits` tells when the context's tiers,
    platforms, retailers, retail systems or formats are other objects than those it was built
    for; a snapshot whose names still disagree with the registry rebuilds it once)."""

    def __init__(self, ctx: "Context") -> None:
        book = ctx.metrics
        self._parts = (ctx.channels, ctx.platforms, ctx.retailers, ctx.retail, ctx.formats)
        self._sizes = (len(ctx.platforms), len(ctx.retailers), len(ctx.formats))
        self.names = kpi_names_for(tuple(ctx.channels.tiers),
                                   tuple(p.name for p in ctx.platforms),
                                   tuple(r.name for r in ctx.retailers),
                                   ctx.retail.shape if ctx.retail is not None else NO_RETAIL,
                                   tuple(ctx.formats))
        self._in_order = itemgetter(*self.names)
        self.stage_keys = tuple(f"stage_{name}" for name in STAGES)
        self.platform_index = [p.index for p in ctx.platforms]
        self.platform_keys = tuple((f"orders_{p.name}", f"organic_{p.name}")
                                   for p in ctx.platforms)
        self.reach_keys = tuple(f"reach_{ch}" for ch in book.channels) + ("reach_creators",)
        self.paid, channel_keys, on_keys = _funnel_names(
            tuple(ctx.channels.tiers), tuple(book.channels), tuple(p.name for p in ctx.platforms))
        self.channel_keys = tuple(k for keys in channel_keys for k in keys)  # 4 per channel
        self.on_keys = tuple(k for keys in on_keys for k in keys)  # 2 per platform
        # the same names column by column: impressions, views, clicks, engagement rate per
        # channel; impressions and clicks on each platform
        self.channel_columns = tuple(zip(*channel_keys)) if channel_keys else ((),) * 4
        self.on_columns = tuple(zip(*on_keys)) if on_keys else ((),) * 2
        self.retailer_keys = tuple((f"{r.name}_orders", f"{r.name}_gmv", f"{r.name}_share",
                                    f"{r.name}_price") for r in ctx.retailers)
        self._spend_keys: dict[str, str] = {}
        self._concentration: tuple[tuple, tuple[float, float]] = ((), (0.0, 0.0))
        self._views: tuple = ()
        self._arrays: tuple = ()
        self._blank: dict[str, float] = {}
        self._blank_names: tuple = ()
        self._targeted: tuple = (None, None, None)

    def targeted(self, ctx: "Context") -> tuple[np.ndarray, list[bool] | None]:
        """:func:`targeted_circle_mask` (not to be written to) and, when some circle is
        targeted, the mask as a list; kept while the number of circles and every retailer's
        targeted circles are the same (retailers add circles as they book creators)."""
        circles = [r.targeted_circles for r in ctx.retailers]
        key, mask, as_list = self._targeted
        if key is None or key[0] != ctx.config.population.circles or key[1] != circles:
            mask = targeted_circle_mask(ctx)
            as_list = mask.tolist() if mask.any() else None
            self._targeted = ((ctx.config.population.circles, [set(c) for c in circles]),
                              mask, as_list)
        return mask, as_list

    def blank(self) -> dict[str, float]:
        """A dict of every registry name, in the registry's order, each :data:`_UNSET`: the
        snapshot fills it in place, so it comes out in the registry's order without building
        a second dict of a hundred KPIs (:func:`_registry_order` checks that every name was
        filled and none added)."""
        if self._blank_names is not self.names:
            self._blank = dict.fromkeys(self.names, _UNSET)
            self._blank_names = self.names
        return self._blank.copy()

    def in_order(self, kpis: dict[str, float]) -> tuple[float, ...]:
        """The values of ``kpis`` in the registry's order (KeyError names a missing KPI)."""
        values = self._in_order(kpis)
        return values if len(self.names) > 1 else (values,)

    def fits(self, ctx: "Context") -> bool:
        """Whether ``ctx`` still has the parts this plan was built for."""
        parts = self._parts
        return (ctx.channels is parts[0] and ctx.platforms is parts[1]
                and ctx.retailers is parts[2] and ctx.retail is parts[3]
                and ctx.formats is parts[4]
                and self._sizes == (len(ctx.platforms), len(ctx.retailers), len(ctx.formats)))

    def spend_key(self, channel: str) -> str:
        """``spend_<channel>`` (built once per channel)."""
        key = self._spend_keys.get(channel)
        if key is None:
            key = self._spend_keys[channel] = f"spend_{channel}"
        return key

    def concentration(self, orders_by_platform: np.ndarray) -> tuple[float, float]:
        """:func:`platform_concentration` of the orders, recomputed only when they changed."""
        orders = tuple(orders_by_platform.tolist())
        last, value = self._concentration
        if orders != last:
            value = platform_concentration(orders_by_platform)
            self._concentration = (orders, value)
        return value

    def counts(self, pop: Population, targeted: np.ndarray, communities: bool) -> list[int]:
        """:func:`consumer_counts` as a list, the arrays' word views made once while the
        population holds the same arrays."""
        arrays = (pop.stage, pop.orders, pop.member, pop.referred, pop.ever_exposed)
        if len(arrays) != len(self._arrays) or any(
                a is not b for a, b in zip(arrays, self._arrays)):
            orders = pop.orders.reshape(-1)
            self._views = (byte_words(pop.stage)[0],
                           orders[: len(orders) - len(orders) % 2].view(np.uint64),
                           _bytes(pop.member), _bytes(pop.referred), _bytes(pop.ever_exposed))
            self._arrays = arrays
        stage_words, order_words, member, referred, exposed = self._views
        if targeted.any():
            circle = pop.circle
        else:
            circle, targeted = _no_circles(pop.n), _NO_TARGET
        if not communities:
            member = referred = _NOTHING
        return _consumer_counts(pop.stage, stage_words, pop.orders, order_words, circle,
                                targeted, member, referred, exposed).tolist()


_NO_TARGET = np.zeros(1, dtype=bool)
_UNSET = float("nan")
"""The value of a registry KPI the snapshot has not filled (:meth:`KpiPlan.blank`)."""


def kpi_plan(ctx: "Context") -> KpiPlan:
    """The metrics book's :class:`KpiPlan` for ``ctx`` (built when missing or stale)."""
    book = ctx.metrics
    plan = getattr(book, "kpi_plan", None)
    if plan is None or not plan.fits(ctx):
        plan = book.kpi_plan = KpiPlan(ctx)
    return plan


def compute_kpis(ctx: "Context") -> dict[str, float]:
    """The KPI snapshot at the end of the current step, from the consumers, the metrics book
    and the ledger of ``ctx``, in the registry's order (raises RuntimeError naming the KPIs
    computed but not registered, or registered but not computed)."""
    plan = kpi_plan(ctx)
    ordered = _registry_order(plan, _snapshot(ctx, plan))
    if ordered is None:  # the context changed under the plan: build it afresh, once
        plan = ctx.metrics.kpi_plan = KpiPlan(ctx)
        kpis = _snapshot(ctx, plan)
        ordered = _registry_order(plan, kpis)
        if ordered is None:
            names = plan.names
            extra = sorted(set(kpis) - set(names))
            missing = sorted(k for k in set(names) if kpis.get(k, _UNSET) is _UNSET)
            raise RuntimeError(f"KPI registry (sim/config/kpis.py) and compute_kpis disagree: "
                               f"computed but not registered {extra}, registered but not "
                               f"computed {missing}")
    return ordered


def _registry_order(plan: KpiPlan, kpis: dict[str, float]) -> dict[str, float] | None:
    """``kpis`` (filled in :meth:`KpiPlan.blank`, so in the registry's order); None unless
    its names are exactly the registry's (as many, and every registered name filled).

    A name left unfilled holds :data:`_UNSET`, a NaN, so a sum of the values that is not NaN
    shows in one C-level pass that none is; only when it is NaN (a NaN KPI, or values that
    do not add up) are the values looked at one by one."""
    if len(kpis) != len(plan.names):
        return None
    try:
        total = sum(kpis.values())
    except (TypeError, OverflowError):
        total = _UNSET
    if total != total and any(v is _UNSET for v in kpis.values()):
        return None
    return kpis


def _snapshot(ctx: "Context", plan: KpiPlan) -> dict[str, float]:
    """The KPIs of the day, keyed by name: :meth:`KpiPlan.blank` filled in (so in the
    registry's order; :func:`_registry_order` checks that every name was filled)."""
    pop, book, ledger = ctx.population, ctx.metrics, ctx.ledger
    targeted, tmask = plan.targeted(ctx)
    counts = plan.counts(pop, targeted,  # one compiled pass over the consumers
                         ctx.config.run.mode == "full")
    stage_counts = counts[_STAGE:_STAGE + len(STAGES)]
    buyers, repeat, breakout_buyers = counts[_BUYERS:_BREAKOUT + 1]
    members, referred = counts[_MEMBERS], counts[_REFERRED]
    spend_by_channel = ledger.spend_by_channel()
    spend = float(sum(spend_by_channel.values()))
    gmv = _total(ledger.gmv)
    margin_gmv = _total(ledger.profit)
    exposures, engagements = book.exposures, book.engagements
    dependence, hhi = plan.concentration(ledger.orders_by_platform)
    if tmask is not None:  # some circle is targeted
        eng_targeted = sum(compress(book.engagements_by_circle.tolist(), tmask))
        exp_targeted = sum(compress(book.exposures_by_circle.tolist(), tmask))
    else:
        eng_targeted = exp_targeted = 0
    interested = float(sum(stage_counts[INTERESTED:]))
    reach = float(counts[_REACH])
    aware = float(sum(stage_counts[AWARE:]))
    kpis = plan.blank()  # the registry's names in order, filled below
    kpis.update({
        "reach": reach,
        "exposures": float(exposures),
        "engagements": float(engagements),
        "engagement_rate": ratio(engagements, exposures),
        "engaged": interested,
        "aware": aware,
        "interested": interested,
        "buyers": float(buyers),
        "orders": float(ledger.orders),
        "gmv": gmv,
        "spend": spend,
        "roas": ratio(gmv, spend),
        "roi": ratio(margin_gmv - spend, spend),
        "cac": ratio(spend, buyers),
        "repurchase_rate": ratio(repeat, buyers),
        "ugc_share": ratio(book.consumer_posts, len(ctx.posts)),
        "negative_sentiment": book.negative_sentiment,
        "platform_dependence": dependence,
        "platform_hhi": hhi,
        "members": float(members),
        "referred_members": float(referred),
        "fission": ratio(referred, members - referred),
        "cost_per_member": ratio(spend_by_channel.get("community", 0.0), members),
        "engagement_rate_targeted": ratio(eng_targeted, exp_targeted),
        "profit": margin_gmv,
        "breakout": ratio(breakout_buyers, buyers),
        "daily_engagements": float(book.daily_engagements),
        "daily_orders": float(ledger.daily_orders),
        "daily_exposures": float(book.daily_exposures),
    })
    kpis.update(zip(plan.stage_keys, map(float, stage_counts)))
    for ch, v in spend_by_channel.items():
        kpis[plan.spend_key(ch)] = float(v)
    _breakdowns(ctx, plan, kpis)
    _funnel_kpis(ctx, plan, kpis, spend_by_channel, gmv, aware, reach)
    if ctx.retail is not None:
        kpis |= ctx.retail.kpis()
    if ctx.formats:
        from sim.engine.formats import format_kpis  # the formats import the metrics' neighbours

        kpis.update(format_kpis(ctx, gmv))
    return kpis


def _total(values: np.ndarray) -> float:
    """``float(values.sum())``; for one retailer its one value plus 0.0 (what numpy's sum of
    one element is, −0.0 becoming 0.0), without a numpy reduction."""
    if len(values) == 1:
        return values.item() + 0.0
    return float(values.sum())


def _breakdowns(ctx: "Context", plan: KpiPlan, kpis: dict[str, float]) -> None:
    """The per-platform, per-channel reach and per-retailer KPIs, added to ``kpis``."""
    book, ledger = ctx.metrics, ctx.ledger
    platform_counts = ledger.orders_by_platform.tolist()
    for p, (k_orders, k_organic) in zip(ctx.platforms, plan.platform_keys):
        kpis[k_orders] = float(platform_counts[p.index])
        kpis[k_organic] = float(p.delivered_organic)
    kpis.update(zip(plan.reach_keys, map(float, book.reach_counts.tolist())))
    if len(ctx.retailers) > 1:
        total = ledger.orders_by_retailer.sum()
        for ret, keys in zip(ctx.retailers, plan.retailer_keys):
            k_orders, k_gmv, k_share, k_price = keys
            kpis[k_orders] = float(ledger.orders_by_retailer[ret.index])
            kpis[k_gmv] = float(ledger.gmv[ret.index])
            kpis[k_share] = ratio(ledger.orders_by_retailer[ret.index], total)
            kpis[k_price] = float(ret.price)


def _funnel_kpis(ctx: "Context", plan: KpiPlan, kpis: dict[str, float],
                      spend_by_channel: dict, gmv: float, aware: float, reach: float) -> None:
    """The platform funnel's KPIs (:mod:`sim.engine.platform_funnel`), added to ``kpis``
    (``gmv``, ``aware`` and ``reach``: the day's values, already computed).

    The counters are read once as Python ints (``tolist``): indexing numpy scalars a hundred
    times a day cost more than the KPIs' arithmetic; the values are the same."""
    f, book = ctx.funnel, ctx.metrics
    paid = plan.paid
    imp, vw, cl, en = (f.impressions.tolist(), f.views.tolist(), f.clicks.tolist(),
                       f.engagements.tolist())
    channels = book.channels
    media = float(sum([spend_by_channel.get(channels[k], 0.0) for k in paid]))
    impressions, views, clicks = sum(imp), sum(vw), sum(cl)
    kpis.update(
        impressions=float(impressions), views=float(views), clicks=float(clicks),
        ctr=ratio(clicks, impressions), cvr=ratio(f.click_orders, clicks),
        cpm=1000.0 * ratio(media, sum([imp[k] for k in paid])),
        cpc=ratio(media, sum([cl[k] for k in paid])), cpe=ratio(media, sum([en[k] for k in paid])),
        aov=ratio(gmv, ctx.ledger.orders),
        # consumers aware of some retailer / consumers reached, from the counts of the day
        aware_of_reached=ratio(aware, reach),
    )
    kinds = f.kinds.counts.tolist() if f.kinds is not None else [0] * len(KIND_COLUMNS)
    kpis.update(zip(KIND_COLUMNS, map(float, kinds)))
    # column by column (``kpis`` is in the registry's order already, :meth:`KpiPlan.blank`)
    k_imp, k_views, k_clicks, k_rate = plan.channel_columns
    kpis.update(zip(k_imp, map(float, imp)))
    kpis.update(zip(k_views, map(float, vw)))
    kpis.update(zip(k_clicks, map(float, cl)))
    kpis.update(zip(k_rate, [ratio(e, v) for e, v in zip(en, vw)]))
    on_imp, on_clicks = f.impressions_on.tolist(), f.clicks_on.tolist()
    k_on_imp, k_on_clicks = plan.on_columns
    index = plan.platform_index
    kpis.update(zip(k_on_imp, [float(on_imp[i]) for i in index]))
    kpis.update(zip(k_on_clicks, [float(on_clicks[i]) for i in index]))


@lru_cache(maxsize=64)
def _funnel_names(tiers: tuple[str, ...], channels: tuple[str, ...],
                  platforms: tuple[str, ...]) -> tuple:
    """(paid channel codes, per channel the four KPI names, per platform the two KPI names)."""
    paid = tuple(channels.index(ch) for ch in [*tiers, "ads", "search"] if ch in channels)
    channel_keys = tuple((f"impressions_{ch}", f"views_{ch}", f"clicks_{ch}",
                          f"engagement_rate_{ch}") for ch in channels)
    platform_keys = tuple((f"impressions_on_{p}", f"clicks_on_{p}") for p in platforms)
    return paid, channel_keys, platform_keys


def platform_concentration(orders_by_platform: np.ndarray) -> tuple[float, float]:
    """(largest platform's share of orders, Herfindahl index of the shares), both 0–1; (0, 0)
    without orders."""
    total = int(orders_by_platform.sum())
    if not total:
        return 0.0, 0.0
    shares = orders_by_platform / total
    return float(shares.max()), float((shares**2).sum())


def carry_kpis(ctx: "Context", previous: dict[str, float]) -> dict[str, float]:
    """The KPI snapshot of a day on which nothing changed (a reference rule with nothing
    left to do, e.g. a cascade whose frontier is empty): ``previous`` with the KPIs that
    move on such a day anyway (today's counts, the 7-day negative sentiment) read afresh.
    Equal to :func:`compute_kpis` when the consumers, posts, ledger totals and metrics
    totals are those of the day before (tests/engine/test_reference_modes.py)."""
    book, ledger = ctx.metrics, ctx.ledger
    kpis = dict(previous)
    kpis["daily_engagements"] = float(book.daily_engagements)
    kpis["daily_orders"] = float(ledger.daily_orders)
    kpis["daily_exposures"] = float(book.daily_exposures)
    kpis["negative_sentiment"] = book.negative_sentiment
    for p in ctx.platforms:
        kpis[f"organic_{p.name}"] = float(p.delivered_organic)
    return kpis


def targeted_circle_mask(ctx: "Context") -> np.ndarray:
    """Per circle (bool): some retailer's campaign targeted it (creators' home circles and
    target circles)."""
    mask = np.zeros(ctx.config.population.circles, dtype=bool)
    for r in ctx.retailers:
        mask[list(r.targeted_circles)] = True
    return mask


def read_kpi(model: Any, key: str) -> float:
    """Reporter body: one KPI from the step's snapshot ``model.kpis``."""
    return model.kpis[key]


def model_reporters(names: list[str]) -> dict[str, Any]:
    """DataCollector model reporters (picklable partials) reading the step's KPI snapshot."""
    return {name: partial(read_kpi, key=name) for name in names}


class KpiCollector(mesa.DataCollector):
    """Mesa's DataCollector with one model reporter per KPI (:func:`model_reporters`), whose
    ``collect`` keeps the step's KPI snapshot as one row: the values are fresh scalars every
    step, so the generic collector's per-reporter call and ``deepcopy`` (about 1 ms a day,
    a quarter of a small reference-mode run) buy nothing, and the rows are spread into
    ``model_vars``' per-KPI lists only when ``model_vars`` is read (a run that keeps no time
    series never reads it). Same ``model_vars`` and data frames as
    ``mesa.DataCollector(model_reporters=model_reporters(names))``."""

    def __init__(self, names: list[str]) -> None:
        self._rows: list[tuple[float, ...]] = []  # collected, not yet in model_vars
        super().__init__(model_reporters=model_reporters(names))
        self._names = list(names)
        self._row_of = itemgetter(*self._names)  # one name: the value itself, not a tuple

    @property
    def model_vars(self) -> dict[str, list]:
        """Per KPI, its value at every collection (Mesa's ``model_vars``)."""
        rows = self._rows
        if rows:
            columns = self._model_vars
            if len(self._names) == 1:
                columns[self._names[0]].extend(rows)
            else:
                for name, values in zip(self._names, zip(*rows)):
                    columns[name].extend(values)
            rows.clear()
        return self._model_vars

    @model_vars.setter
    def model_vars(self, value: dict[str, list]) -> None:
        self._rows.clear()
        self._model_vars = value

    def collect(self, model: Any) -> None:
        self._collection_steps.append(model.time)
        self._rows.append(self._row_of(model.kpis))


__all__ = ["KpiCollector", "MetricsBook", "carry_kpis", "compute_kpis", "consumer_counts", "model_reporters", "ratio",
           "targeted_circle_mask"]
