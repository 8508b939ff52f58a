"""Retailer agents: budget lines per channel, daily pacing, communities, crisis response.

Budget. The spendable budget ``(1 − reserve_share) × budget`` is split into channel lines by
``allocation``. Every yuan is booked against a line through :meth:`Retailer.book`, which refuses
anything the line cannot pay for, so spend never exceeds budget. The reserve is released by
the ``adaptive`` policy and pays crisis compensation (:meth:`Retailer.book_from_reserve`).

Disabled channels (``disabled_channels``) get a line of 0 yuan after the others were computed
from the original shares, so removing a channel never moves its money elsewhere; the adaptive
policy never funds them (a channel without spend is never judged best).

Pacing. Each campaign day a line may spend ``remaining / days left``; creator posts are bought
whenever the accumulated allowance covers a fee, so a re-allocated line changes the pace at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.config.scenario import RetailerSection, ShockSection
from sim.engine import ads
from sim.engine.agents.influencer import Commission
from sim.engine.ledger import Ledger
from sim.engine.bitdraws import draw_paid_posts, source
from sim.kernels.commission import fitting_posts, post_traits
from sim.kernels.rowscan import count_true
from sim.world.content import KIND
from sim.world.platforms import shock_factor

if TYPE_CHECKING:
    from sim.engine.state import Context


_MAX_CREATORS = 2**32 - 1  # the compiled draw's bound (numpy's 32-bit range)


class Retailer(mesa.Agent):
    """A brand selling one product through creators, ads, coupons and its community.

    Args:
        model: the Mesa model the agent belongs to.
        index: the retailer's column in the consumers' N×R arrays.
        cfg: its scenario section.
        scale: money scale (simulated consumers / reference consumers).
        days: days of the run (the campaign's default end).
        shocks: the scenario's shocks (its price shocks are picked out).
        ledger: where its spend is booked.

    What it decides each day and the market reads: ``community_open`` (its community runs
    today) and ``negative_damping`` (0–1, engagement with negative posts about it while it
    responds to a crisis).
    """

    def __init__(self, model: mesa.Model, index: int, cfg: RetailerSection, scale: float,
                 days: int, shocks: list[ShockSection], ledger: Ledger) -> None:
        super().__init__(model)
        self.index = index
        self.cfg = cfg
        self.name = cfg.name
        self.ledger = ledger
        self.budget = cfg.budget * scale
        self.end_day = cfg.end_day or days
        total_share = sum(cfg.allocation.values()) or 1.0
        spendable = self.budget * (1.0 - cfg.reserve_share)
        self.reserve = self.budget - spendable
        self.lines: dict[str, float] = {
            ch: spendable * share / total_share for ch, share in cfg.allocation.items()
        }
        for ch in cfg.disabled_channels:  # switched off: no money, other lines unchanged
            if ch in self.lines:
                self.lines[ch] = 0.0
        self.allowance: dict[str, float] = {ch: 0.0 for ch in self.lines}
        kinds = list(cfg.content_mix)
        weights = np.array([cfg.content_mix[k] for k in kinds], dtype=float)
        self._kinds = np.array([KIND[k] for k in kinds])
        self._kind_p = weights / weights.sum() if weights.sum() > 0 else None
        # cumulative shares, normalised as Generator.choice does: searching uniform draws in
        # them is rng.choice(self._kinds, p=self._kind_p) without its per-call validation
        self._kind_cdf = None if self._kind_p is None else np.cumsum(self._kind_p)
        if self._kind_cdf is not None:
            self._kind_cdf /= self._kind_cdf[-1]
        # what the post-traits kernel reads: without a mix every post is a promo
        self._trait_cdf = np.empty(0) if self._kind_cdf is None else self._kind_cdf
        self._trait_kinds = (np.array([KIND["promo"]], dtype=np.int64) if self._kind_cdf is None
                             else self._kinds.astype(np.int64))
        promo = cfg.content_mix.get("promo", 0.0) / weights.sum() if weights.sum() > 0 else 1.0
        # share of original scene/knowledge posts (0–1): the content term of the join score
        self.content_quality = (1.0 - promo) * (1.0 - cfg.content_reuse)
        self.price = cfg.price  # today's price, yuan: list price × active price shocks
        self._price_shocks = [s for s in shocks if s.kind == "price"
                              and (s.retailer == cfg.name or s.retailer is None and index == 0)]
        self._eligible: dict[str, list] = {}
        # per tier, the eligible creators' (fixed) fees and the cheapest of them (yuan)
        self._fees: dict[str, tuple[np.ndarray, float]] = {}
        self.crisis_day: int | None = None
        self.responding = False
        self.targeted_circles: set[int] = set(cfg.ad_target_circles) | set(cfg.target_circles)
        self.community_open = False
        self.negative_damping = 1.0
        self.reallocations: list[tuple[int, str, str, float]] = []
        # tiers booked from a roster's booking log (sim.engine.bookings), not drawn at random
        self.logged_tiers: tuple[str, ...] = ()
        self._book = None  # the model's CommissionBook (False: none), found at first use
        self._ad_plan_cache: tuple | None = None  # (cfg, platforms by name, plan), _ad_plan

    # ----------------------------------------------------------------- money
    def book(self, channel: str, amount: float) -> bool:
        """Pay ``amount`` yuan from ``channel``'s line; False (nothing booked) if it cannot."""
        if amount <= 0:
            return True
        line = self.lines.get(channel, 0.0)
        if amount > line + 1e-9:
            return False
        self.lines[channel] = max(0.0, line - amount)
        self.ledger.book_spend(self.index, channel, amount)
        return True

    def book_contract(self, channel: str, amount: float) -> None:
        """Book ``amount`` yuan of contracted spend on ``channel`` (a named creator's fee, a
        live session's fee and commission): paid from the channel's line as far as it goes,
        the rest outside the lines."""
        if amount <= 0:
            return
        self.lines[channel] = max(0.0, self.lines.get(channel, 0.0) - amount)
        self.ledger.book_spend(self.index, channel, amount)

    def book_from_reserve(self, channel: str, amount: float) -> bool:
        """Pay ``amount`` yuan out of the reserve (the emergency fund, F35), booked as spend on
        ``channel``; False (nothing booked) if the reserve cannot cover it."""
        if amount <= 0:
            return True
        if amount > self.reserve + 1e-9:
            return False
        self.reserve = max(0.0, self.reserve - amount)
        self.ledger.book_spend(self.index, channel, amount)
        return True

    @property
    def spent(self) -> dict[str, float]:
        """Yuan booked per spend channel (the ledger's record)."""
        return self.ledger.spent[self.index]

    @property
    def total_spent(self) -> float:
        return self.ledger.total_spent(self.index)

    def replan(self, cfg: RetailerSection, scale: float) -> None:
        """Adopt a revised plan mid-campaign: a new ``cfg.budget`` and/or ``cfg.allocation``.

        The revised spendable budget ``(1 − reserve_share) × budget × scale`` (yuan) is split
        by the new allocation; each channel's line becomes its share minus what the channel
        has already spent (never below 0). The reserve is whatever the revised budget leaves
        after spend and lines (never below 0), so total spend never exceeds the larger of the
        revised budget and the spend already booked. Re-allocations of the adaptive policy
        are replaced by the new split.
        """
        self.cfg = cfg
        self.budget = cfg.budget * scale
        total_share = sum(cfg.allocation.values()) or 1.0
        spendable = self.budget * (1.0 - cfg.reserve_share)
        self.lines = {
            ch: max(0.0, spendable * share / total_share - self.spent.get(ch, 0.0))
            for ch, share in cfg.allocation.items()
        }
        self.reserve = max(0.0, self.budget - self.total_spent - sum(self.lines.values()))
        for ch in cfg.disabled_channels:  # switched off, as in the constructor
            if ch in self.lines:
                self.lines[ch] = 0.0
        for ch in self.lines:
            self.allowance.setdefault(ch, 0.0)

    def in_campaign(self, day: int) -> bool:
        return self.cfg.start_day <= day <= self.end_day

    def _pace(self, channel: str, day: int) -> float:
        """Add today's allowance for a line and return the accumulated allowance."""
        days_left = max(1, self.end_day - day + 1)
        self.allowance[channel] = (self.allowance.get(channel, 0.0)
                                   + self.lines.get(channel, 0.0) / days_left)
        return self.allowance[channel]

    def pace(self, channel: str, day: int) -> float:
        """Today's accumulated allowance of a line paid per use (search clicks), yuan; what
        is not spent stays in ``allowance[channel]`` for later days."""
        return self._pace(channel, day)

    # ----------------------------------------------------------------- daily
    def act(self, ctx: "Context") -> None:
        """Commission creator posts, buy ads, run the community, handle crises, re-allocate."""
        day = ctx.day
        self._update_price(day)
        self._crisis_response(day)
        if not self.in_campaign(day):
            self.community_open = ("community" in self.lines
                                   and self.cfg.start_day <= day <= self.community_end
                                   and self._run_community(ctx))
            return
        if (self.cfg.policy == "adaptive" and day > self.cfg.start_day
                and (day - self.cfg.start_day) % self.cfg.reallocation_days == 0):
            self._reallocate(day)
        for tier, all_creators in ctx.creators_by_tier.items():
            if tier in self.lines and all_creators and tier not in self.logged_tiers:
                self._commission(ctx.agent_rng, tier, self._creators(tier, all_creators), day)
        if "ads" in self.lines:
            self._buy_ads(ctx, day)
        if "community" in self.lines:
            self.community_open = day <= self.community_end and self._run_community(ctx)

    @property
    def community_end(self) -> int:
        """Last day the community runs: ``community.end_day``, else the campaign's end."""
        return self.cfg.community.end_day or self.end_day

    def _run_community(self, ctx: "Context") -> bool:
        """Pay today's community cost; True if the community runs today."""
        # admins' cost per group; groups = members / group_size (fractional, so that the
        # cost per member does not depend on the simulated population)
        members = count_true(ctx.population.member, self.index)
        cost = members / self.cfg.community.group_size * self.cfg.community.cost_per_group_day
        return self.lines["community"] > 0 and self.book("community", cost)

    def _buy_ads(self, ctx: "Context", day: int) -> None:
        """Spend today's ads allowance on impressions, split over platforms by ``ad_split``."""
        allowance = self._pace("ads", day)
        paid = 0.0
        for platform, share in self._ad_plan(ctx):
            impressions = platform.impressions_for(allowance * share)
            cost = impressions * platform.cfg.ad_cpm / 1000.0
            if impressions > 0 and self.book("ads", cost):
                paid += cost
                ads.deliver_impressions(ctx, self, platform, impressions)
        self.allowance["ads"] = allowance - paid

    def _commission(self, rng: np.random.Generator, tier: str, creators: list, day: int) -> None:
        """Commission today's posts of one tier.

        Creators are drawn uniformly (with replacement) and paid one after another while the
        day's accumulated allowance and the tier's line cover their fees; the first one who
        does not fit ends the day's buying. Each post's kind follows ``content_mix``; it is
        tagged to the creator's home circle, reuses copy or carries guanxi framing with the
        configured shares. Draws come in blocks (one ``integers`` and one ``random`` call per
        block instead of four calls per post); with numpy's PCG64 the blocks, the fees' test
        and the posts' uniforms are one compiled call (:func:`sim.engine.bitdraws
        .draw_paid_posts`, the same draws). At most ``16 × creators`` posts a day (a guard
        for zero fees).
        """
        n_creators = len(creators)
        cached = self._fees.get(tier)
        if cached is None or len(cached[0]) != n_creators:  # fees and the cheapest, once
            fees = np.array([c.fee for c in creators], dtype=np.float64)
            cached = self._fees[tier] = (fees, max(float(fees.min()), 1e-9))
        fees, cheapest = cached
        allowance = self._pace(tier, day)
        budget = min(allowance, self.lines.get(tier, 0.0) + 1e-9)
        cap = 16 * n_creators
        src = source(rng) if n_creators < _MAX_CREATORS else None
        if src is not None:  # the same draws by a compiled loop on the generator's state
            picks, spent, u, paid = draw_paid_posts(src[0], src[1], src[2], fees, budget,
                                                    cheapest, cap,
                                                    self.lines.get(tier, 0.0) + 1e-9)
            if not len(picks) or not self.book(tier, spent):
                return
            if not paid:  # book() pays exactly what the kernel's test lets through
                raise RuntimeError("commission kernel and Retailer.book disagree")
            self.allowance[tier] = allowance - spent
            self.commission_posts(rng, creators, picks, u)
            return
        picked, spent, count = [], 0.0, 0
        while count < cap:
            k = min(cap - count, int(max(0.0, budget - spent) // cheapest) + 1)
            draw = rng.integers(n_creators, size=k)
            n, spent = fitting_posts(fees, draw, spent, budget)  # posts that still fit
            if n:
                picked.append(draw[:n])
                count += n
            if n < k:
                break
        if not picked or not self.book(tier, spent):
            return
        picks = picked[0] if len(picked) == 1 else np.concatenate(picked)
        self.allowance[tier] = allowance - spent
        self.commission_posts(rng, creators, picks)

    def commission_posts(self, rng: np.random.Generator, creators: list,
                         picks: np.ndarray, u: np.ndarray | None = None) -> None:
        """Commission one post from ``creators[i]`` for each ``i`` in ``picks`` (already paid):
        its kind follows ``content_mix``; it is tagged to the creator's home circle, reuses
        copy or carries guanxi framing with the configured shares. In a model the posts are
        staged in ``ctx.commissions`` (published in the day's publishing phase); without
        one, a :class:`Commission` per post is queued at its creator. ``u``: the posts'
        uniforms if already drawn (``rng.random((len(picks), 4))``)."""
        # four uniforms per post (kind, circle tag, reuse, framing) in one call; the traits
        # come from one compiled pass over them
        if u is None:
            u = rng.random((len(picks), 4))
        book = self._book
        if book is None:
            book = self._book = self._commission_book()
        if book:  # staged for the day's publishing phase (CommissionBook.publish)
            cfg = self.cfg
            book.stage(creators, picks, u, self._trait_cdf, self._trait_kinds,
                       cfg.circle_tagged, cfg.content_reuse, cfg.guanxi_framing, self.index,
                       self.targeted_circles)
            return
        # without a model's book: a Commission per post at its creator (tuples made at C level)
        kind, tagged, reused, framed = post_traits(
            u, self._trait_cdf, self._trait_kinds,
            self.cfg.circle_tagged, self.cfg.content_reuse, self.cfg.guanxi_framing)
        index, make, target = self.index, tuple.__new__, self.targeted_circles.add
        for c, k, t, r, f in zip(picks.tolist(), kind.tolist(), tagged.tolist(), reused.tolist(),
                                 framed.tolist()):
            creator = creators[c]
            home = creator.home_circle
            creator.commission(make(Commission, (index, k, home if t else -1, r, f)))
            target(home)

    def _commission_book(self):
        """The model's :class:`~sim.engine.agents.influencer.CommissionBook` (``ctx
        .commissions``, bound to its creators), or False for a model without one."""
        ctx = getattr(self.model, "ctx", None)
        book = getattr(ctx, "commissions", None)
        if book is None:
            return False
        if not book.bound:
            book.bind(ctx.creators_by_tier)
        return book

    def _creators(self, tier: str, creators: list) -> list:
        """Creators of ``tier`` the retailer commissions: those in its target circles if any."""
        if tier not in self._eligible:
            targets = set(self.cfg.target_circles)
            chosen = [c for c in creators if c.home_circle in targets] if targets else []
            self._eligible[tier] = chosen or creators
        return self._eligible[tier]

    def _ad_plan(self, ctx: "Context") -> list[tuple]:
        """(platform, share of today's ads allowance) pairs from ``ad_split`` / ``ad_platform``;
        kept while the plan (``cfg``) and the platforms are the same objects."""
        by_name = ctx.platform_by_name
        cached = self._ad_plan_cache
        if cached is None or cached[0] is not self.cfg or cached[1] is not by_name:
            split = self.cfg.ad_split or {self.cfg.ad_platform: 1.0}
            total = sum(split.values())
            cached = self._ad_plan_cache = (self.cfg, by_name, [
                (by_name[name], share / total) for name, share in split.items() if share > 0])
        return cached[2]

    def _update_price(self, day: int) -> None:
        self.price = self.cfg.price * shock_factor(self._price_shocks, day)

    @property
    def unit_cost(self) -> float:
        """Yuan per unit sold: the list price × (1 − margin); price cuts do not change it."""
        return self.cfg.price * (1.0 - self.cfg.margin)

    def coupon_available(self, day: int) -> bool:
        """Coupons are offered during the campaign while the coupons line can pay one."""
        return (self.in_campaign(day)
                and self.lines.get("coupons", 0.0) >= self.cfg.coupon_value)

    # ----------------------------------------------------------------- crisis
    def notice_crisis(self, day: int) -> None:
        """Record the day a crisis was noticed; the response starts after the latency."""
        if self.crisis_day is None:
            self.crisis_day = day

    def _crisis_response(self, day: int) -> None:
        """Start the response ``crisis_response_latency`` days after the crisis was noticed;
        end it ``crisis_response_days`` later (then a new crisis can be noticed)."""
        if self.crisis_day is None:
            return
        start = self.crisis_day + self.cfg.crisis_response_latency
        if not self.responding and day >= start:
            self.responding = True
            self.negative_damping = 1.0 - self.cfg.crisis_response_strength
        elif self.responding and day >= start + self.cfg.crisis_response_days:
            self.responding = False
            self.crisis_day = None
            self.negative_damping = 1.0

    # ----------------------------------------------------------------- policy
    def _reallocate(self, day: int) -> None:
        """Move budget toward the channel with the best last-touch orders per yuan last week.

        A share ``reallocation_share`` (default a fifth) of every other judged line, plus the
        reserve, goes to the best channel. Channels with no spend last week are not judged.
        """
        returns = self.ledger.weekly_returns(self.index)
        # coupons are paid per redemption (every coupon is an order), so their "return" says
        # nothing about what money placed there would buy: they are not judged
        judged = {ch: v for ch, v in returns.items() if ch in self.lines and ch != "coupons"}
        if len(judged) < 2:
            return
        best = max(judged, key=judged.get)
        moved = self.reserve
        self.reserve = 0.0
        for ch in self.lines:
            if ch != best and ch in judged:
                take = self.cfg.reallocation_share * self.lines[ch]
                self.lines[ch] -= take
                moved += take
        self.lines[best] += moved
        self.reallocations.append((day, best, "", moved))
