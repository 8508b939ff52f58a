"""SocialCommerceModel: builds the world from a scenario and runs the daily step (docs/model.md).

One step is one day:

1. retailers act (commission posts, buy ads, run communities, respond to crises, re-allocate);
2. influencers publish;
3. platforms deliver organic posts, ads and community content, plus yesterday's shares;
4. the diffusion kernel draws responses, applies algorithmic amplification, and queues shares
   for tomorrow;
5. the funnel draws purchases, satisfaction, UGC and negative posts, community joins, churn;
6. metrics are computed and collected by Mesa's DataCollector.

The reference modes (``bass``, ``independent_cascade``, ``threshold``) are presets of the same
machinery: they switch off retailers and creators and replace the response rule.
"""

from __future__ import annotations

import math

import mesa
import networkx as nx
import numpy as np
from pydantic import ValidationError

from sim.engine import community, crisis, diffusion, funnel
from sim.engine.agents import Consumer, Influencer, Retailer
from sim.kernels.cascade import cascade_generation
from sim.world.content import HOMOGENEITY, KIND, Exposures, PostLog
from sim.world.graph import SocialGraph, build_graph, edgelist_size, from_networkx
from sim.kernels.arrayops import sorted_unique
from sim.kernels.incremental import AttentionSampler, CircleShare, NeighbourShare
from sim.engine.organic import OrganicDelivery
from sim.engine.metrics import MetricsBook, compute_kpis, model_reporters
from sim.world.platforms import Platform
from sim.world.population import AWARE, CUSTOMER, INTERESTED, build_population
from sim.engine.response import ResponsePass, ResponseResult
from sim.config.channels import channel_names, paid_channel_names
from sim.config.scenario import Scenario, ScenarioError, ShockSection


class SocialCommerceModel(mesa.Model):
    """A social-commerce world. ``config`` is a validated :class:`~sim.config.scenario.Scenario`.

    Args:
        config: the scenario.
        seed: random seed (default ``config.run.seed``). All randomness flows from
            ``self.rng``, which is split into independent streams for the graph, the
            population, the agents and the daily dynamics, so that two scenarios that differ
            only in, say, budget share the same world under the same seed (common random
            numbers).
        graph: optional networkx graph or :class:`SocialGraph` to use instead of generating
            one (its node count sets the number of consumers).
    """

    def __init__(
        self, config: Scenario, seed: int | None = None,
        graph: nx.Graph | SocialGraph | None = None,
    ) -> None:
        seed = int(config.run.seed if seed is None else seed)
        super().__init__(rng=seed)
        self.config = config
        self.seed = seed
        self.mode = config.run.mode
        self.days = config.run.days
        self.beh = config.behaviour
        graph_rng, pop_rng, self.agent_rng, self.dyn_rng = self.rng.spawn(4)

        n = config.run.consumers
        if isinstance(graph, nx.Graph):
            n = graph.number_of_nodes()
        elif isinstance(graph, SocialGraph):
            n = graph.n
        elif config.graph.kind == "edgelist":
            assert config.graph.path is not None
            n = edgelist_size(config.graph.path)
        self.money_scale = n / config.run.reference_consumers

        self.platforms = [
            Platform(i, name, cfg, shocks=[s for s in config.shocks
                                           if s.kind == "reach" and s.platform == name])
            for i, (name, cfg) in enumerate(config.platforms.items())
        ]
        self.platform_by_name = {p.name: p for p in self.platforms}
        self.conversion = np.array([p.cfg.conversion_multiplier for p in self.platforms])
        weights = np.array([p.cfg.attention for p in self.platforms])
        full = self.mode == "full"
        n_ret = max(1, len(config.retailers)) if full else 1
        self.population = build_population(
            config.population, n, len(self.platforms), weights, n_ret, pop_rng
        )
        pop = self.population
        if isinstance(graph, nx.Graph):
            self.graph = from_networkx(graph, config.graph, graph_rng)
        elif isinstance(graph, SocialGraph):
            self.graph = graph
        else:
            self.graph = build_graph(config.graph, pop.circle, graph_rng)
        self.adjacency = self.graph.adjacency() if self.graph is not None else None
        self.degree = self.graph.degree if self.graph is not None else None
        order = np.argsort(pop.circle, kind="stable")
        self._circle_order = order
        self._circle_starts = np.searchsorted(
            pop.circle[order], np.arange(config.population.circles + 1)
        )

        tiers = list(config.influencers) if full else []
        self.channels = channel_names(tiers)  # model order: sim.config.channels
        self.channel_code = {ch: i for i, ch in enumerate(self.channels)}
        self.spend_channels = paid_channel_names(tiers)
        self.posts = PostLog()
        self.consumer_post_count = 0
        self.metrics = MetricsBook(self.channels, len(self.platforms), n_ret,
                                   config.population.circles)
        # unique reach per channel (consumers × channels), for the reach_<channel> KPIs
        # (column-major, so that counting one channel's reach is one contiguous pass)
        self.reached_by = np.zeros((n, len(self.channels)), dtype=bool, order="F")
        self.reached_by_creator = np.zeros(n, dtype=bool)  # any tier (tiers are channels 0..T-1)
        self.n_tiers = len(tiers)
        # platform index each retailer's community lives on (default: the first platform)
        self.community_platform = [
            self.platform_by_name[r.community.platform].index if r.community.platform else 0
            for r in config.retailers
        ] if full else []
        self.negative_damping = np.ones(n_ret)
        self.community_active = np.zeros(n_ret, dtype=bool)
        self.week_last_touch = np.zeros((n_ret, len(self.channels)), dtype=np.int64)
        self.week_coupon_orders = np.zeros(n_ret, dtype=np.int64)
        self.pending: list[Exposures] = []
        self.today: list[Exposures] = []
        self._consumer_views: dict[int, Consumer] = {}

        self.retailers: list[Retailer] = []
        self.influencers_by_tier: dict[str, list[Influencer]] = {}
        if full:
            self.retailers = [
                Retailer(self, i, cfg, self.money_scale) for i, cfg in enumerate(config.retailers)
            ]
            self._create_influencers()

        self.atm = np.zeros((n, n_ret), dtype=np.float32)
        self.saturation = np.zeros((config.population.circles, n_ret))
        # daily state kept up to date incrementally (same values as a full recomputation)
        self._atm_tracker = NeighbourShare(self.graph, n_ret) if self.graph is not None else None
        self._saturation_tracker = CircleShare(pop.circle, config.population.circles, n_ret)
        # share of each circle holding a negative opinion (saturation of negative news)
        self._negative_tracker = CircleShare(pop.circle, config.population.circles, n_ret)
        self.negative_saturation = np.zeros((config.population.circles, n_ret))
        self.sampler = AttentionSampler(pop.attention, pop.activity)
        self._response = ResponsePass(pop, self.beh)
        self._organic: OrganicDelivery | None = None  # built on the first day
        self.kpis = compute_kpis(self)
        self.datacollector = mesa.DataCollector(model_reporters=model_reporters(list(self.kpis)))
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ world
    def _create_influencers(self) -> None:
        rng, n = self.agent_rng, self.population.n
        sizes = np.diff(self._circle_starts).astype(float)
        for tier, cfg in self.config.influencers.items():
            creators = []
            platform = self.platform_by_name[cfg.platform]
            k = max(1, int(round(cfg.followers_share * n)))
            for _ in range(cfg.count):
                home = int(rng.choice(len(sizes), p=sizes / sizes.sum()))
                members = self._circle_order[self._circle_starts[home]:self._circle_starts[home + 1]]
                k_in = min(len(members), int(round(k * cfg.circle_focus)))
                inside = rng.choice(members, size=k_in, replace=False)
                outside = rng.integers(0, n, size=k - k_in)
                followers = sorted_unique(np.concatenate([inside, outside])).astype(np.int64)
                creators.append(Influencer(
                    self, tier, self.channel_code[tier], platform, home, followers,
                    cfg.credibility, cfg.engagement, cfg.fee * self.money_scale,
                ))
            self.influencers_by_tier[tier] = creators

    def circle_members(self, circle: int) -> np.ndarray:
        """Consumer rows in ``circle``."""
        return self._circle_order[self._circle_starts[circle]:self._circle_starts[circle + 1]]

    def consumer(self, row: int) -> Consumer:
        """A (cached) :class:`Consumer` agent viewing population row ``row``."""
        if row not in self._consumer_views:
            self._consumer_views[row] = Consumer(self, row)
        return self._consumer_views[row]

    @property
    def day(self) -> int:
        """The current day (1 on the first step)."""
        return self.steps

    def apply_reach_shock(self, platform: str, factor: float, end_day: int | None = None) -> None:
        """Scale ``platform``'s organic reach by ``factor`` (0–10) from the next step on.

        A mid-run algorithm change (e.g. ``factor=0.58``: −42 % exposure), booked like a
        scenario ``[[shocks]]`` entry of kind ``reach`` starting on day ``self.day + 1`` and
        lasting through ``end_day`` (default: the end of the run). Shocks compound.

        Raises:
            ScenarioError: unknown platform, or factor / end_day out of range.
        """
        if platform not in self.platform_by_name:
            raise ScenarioError(
                f"apply_reach_shock: platform: unknown platform {platform!r}; "
                f"allowed: {sorted(self.platform_by_name)}"
            )
        try:
            shock = ShockSection(kind="reach", day=self.day + 1, end_day=end_day,
                                 platform=platform, factor=factor)
        except ValidationError as exc:
            raise ScenarioError(f"apply_reach_shock: {exc.errors()[0]['msg']} "
                                f"(got factor={factor!r}, end_day={end_day!r})") from None
        self.platform_by_name[platform].shocks.append(shock)

    # ------------------------------------------------------------- agent API
    def publish_post(self, *, retailer: int, platform: int, channel: int, kind: int, circle: int,
                     credibility: float, b0: float, author: int, negative: bool = False,
                     reused: bool = False, framed: bool = False) -> int:
        """Add one post to the log; returns its id.

        ``reused``: near-duplicate copy, whose exposures add ``behaviour.reuse_fatigue`` to the
        kind's fatigue; ``framed``: guanxi framing (sharing over strong ties × guanxi_boost).
        """
        homogeneity = float(HOMOGENEITY[kind]) + (self.beh.reuse_fatigue if reused else 0.0)
        return self.posts.append(retailer, platform, channel, kind, circle, credibility, b0,
                                 negative, author, self.steps, homogeneity, framed, reused)

    def buy_impressions(self, retailer: Retailer, platform: Platform, impressions: int) -> None:
        """Deliver paid impressions today, to the retailer's target circles or to everyone."""
        pop = self.population
        targets = retailer.cfg.ad_target_circles
        pool, cum = self.sampler.pool(
            ("circles", *targets) if targets else "everyone", platform.index,
            lambda: (np.concatenate([self.circle_members(c) for c in targets]) if targets
                     else np.arange(pop.n)))
        reached = self.sampler.draw(pool, cum, impressions, self.dyn_rng)
        post = self.publish_post(
            retailer=retailer.index, platform=platform.index, channel=self.channel_code["ads"],
            kind=KIND["ad"], circle=-1, credibility=self.beh.ad_credibility, b0=self.beh.b0,
            author=-1,
        )
        self.today.append(Exposures(reached, np.full(len(reached), post), np.ones(len(reached), np.float32),
                                    np.full(len(reached), self.channel_code["ads"], np.int8)))

    def community_groups(self, r: int) -> int:
        """Number of community groups retailer ``r`` runs (members / group size, rounded up)."""
        members = int(self.population.member[:, r].sum())
        return math.ceil(members / self.retailers[r].cfg.community.group_size)

    def weekly_returns(self, r: int, week_spend: dict[str, float]) -> dict[str, float]:
        """Last-click orders (credited to the channel of the buyer's last engagement, as ad
        platforms report conversions) per yuan over the past week, per channel with spend;
        then reset. Exposures that were merely seen earn no credit here."""
        out = {}
        for ch, spent in week_spend.items():
            if spent <= 0:
                continue
            orders = (self.week_coupon_orders[r] if ch == "coupons"
                      else self.week_last_touch[r, self.channel_code[ch]])
            out[ch] = orders / spent
        self.week_last_touch[r] = 0
        self.week_coupon_orders[r] = 0
        return out

    def spend_by_channel(self) -> dict[str, float]:
        return {ch: sum(r.spent.get(ch, 0.0) for r in self.retailers) for ch in self.spend_channels}

    def targeted_circle_mask(self) -> np.ndarray:
        mask = np.zeros(self.config.population.circles, dtype=bool)
        for r in self.retailers:
            mask[list(r.targeted_circles)] = True
        return mask

    # ------------------------------------------------------------------- step
    def step(self) -> None:
        day = self.day
        self.metrics.start_day()
        for p in self.platforms:
            p.update_shocks(day)
        match self.mode:
            case "full":
                self._full_step(day)
            case "bass":
                self._bass_step()
            case "independent_cascade":
                self._cascade_step(day)
            case "threshold":
                self._threshold_step(day)
        self.metrics.end_day()
        self.kpis = compute_kpis(self)
        self.datacollector.collect(self)
        if day >= self.days:
            self.running = False

    def _start_of_day_state(self) -> None:
        pop = self.population
        pop.fatigue *= self.beh.fatigue_decay
        # the trackers read the stage codes against a threshold (no N×R mask is built)
        if self._atm_tracker is None:
            self.atm = diffusion.atmosphere(self.adjacency, pop.stage >= INTERESTED, self.degree)
        else:
            self.atm = self._atm_tracker.update(pop.stage, INTERESTED)
        self.saturation = self._saturation_tracker.update(pop.stage, AWARE)
        self.negative_saturation = self._negative_tracker.update(pop.negative)

    def _full_step(self, day: int) -> None:
        self._start_of_day_state()
        self._trigger_crises(day)
        if Retailer in self.agents_by_type:
            self.agents_by_type[Retailer].do("act")
        if Influencer in self.agents_by_type:
            self.agents_by_type[Influencer].do("publish")
        batches = self.pending + self.today
        self.pending, self.today = [], []
        # every creator's live posts reach their followers in one draw (= Influencer.deliver,
        # creator by creator); organic: (creator, post, reached) per live post
        if self._organic is None:
            self._organic = OrganicDelivery(
                [inf for creators in self.influencers_by_tier.values() for inf in creators],
                self.population)
        organic_exp, organic = self._organic.deliver(self.dyn_rng, self.beh.follower_trust)
        batches.append(community.community_day(self))
        self._respond_and_share(organic_exp, count_amplification=organic)
        self._respond_and_share(Exposures.concat(batches))
        self._purchases()
        funnel.churn(self.population, self.beh, self.dyn_rng)
        crisis.repair_opinions(self)
        self._watch_sentiment(day)

    # -------------------------------------------------------------- kernel
    def _respond(self, exp: Exposures) -> ResponseResult:
        """Book exposures on consumers and draw engagement (:mod:`sim.engine.response`)."""
        u = self.dyn_rng.random(len(exp))
        book = self.metrics
        res = self._response.run(
            exp, self.posts, u, atmosphere=self.atm, festival=self._festival_today(),
            damping=self.negative_damping, reached_by=self.reached_by,
            reached_by_creator=self.reached_by_creator, n_tiers=self.n_tiers,
            reach_counts=book.reach_counts,
            exposures_by_circle=book.exposures_by_circle,
            engagements_by_circle=book.engagements_by_circle,
        )
        book.count_exposures(len(exp), res.negative_exposures, exp.channel, len(self.channels))
        book.count_engagements(int(np.count_nonzero(res.engaged)))
        return res

    def _respond_and_share(self, exp: Exposures, count_amplification=None) -> None:
        """Response pass, optional amplification pass, then queue tomorrow's shares."""
        res = self._respond(exp)
        sharers, shared = res.sharers, res.shared
        self.pending.append(crisis.spill_over(self, exp, res.engaged))
        if count_amplification:
            amp = self._amplify(exp, res.engaged, count_amplification)
            if len(amp):
                res2 = self._respond(amp)
                sharers = np.concatenate([sharers, res2.sharers])
                shared = np.concatenate([shared, res2.shared])
        self._queue_shares(sharers, shared)

    def _queue_shares(self, sharers: np.ndarray, shared: np.ndarray) -> None:
        if len(sharers) == 0 or self.graph is None:
            return
        if self.mode == "independent_cascade":
            prob = np.full(len(sharers), self.config.reference.transmissibility)
            use_trust, guanxi = False, 1.0
        else:
            prob = diffusion.sharing_probability(
                sharers, shared, self.posts, self.population.circle, self.saturation,
                self.beh, self.negative_damping, self.negative_saturation,
            )
            # guanxi-framed posts travel further over strong ties (F10)
            framed = self.posts["framed"][shared]
            guanxi = self.beh.guanxi * np.where(framed, self.beh.guanxi_boost, 1.0)
            use_trust = True
        self.pending.append(diffusion.share_to_ties(
            self.graph, sharers, shared, prob, self.channel_code["wom"], self.dyn_rng,
            use_trust=use_trust, guanxi=guanxi,
        ))

    def _amplify(self, exp: Exposures, engaged: np.ndarray, organic) -> Exposures:
        """Traffic-pool boost: posts whose early engagement clears the platform's bar reach
        non-followers in the post's circle (or the creator's home circle for generic posts)."""
        if len(exp) == 0:
            return Exposures.empty()
        delivered = np.bincount(exp.post, minlength=len(self.posts))
        hits = np.bincount(exp.post[engaged], minlength=len(self.posts))
        out = []
        for inf, post, _ in organic:
            extra = inf.platform.amplified_count(int(delivered[post]), int(hits[post]))
            if extra == 0:
                continue
            circle = int(self.posts["circle"][post])
            circle = circle if circle >= 0 else inf.home_circle
            pool, cum = self.sampler.pool(circle, inf.platform.index,
                                          lambda: self.circle_members(circle))
            reached = self.sampler.draw(pool, cum, extra, self.dyn_rng)
            out.append(Exposures(reached, np.full(len(reached), post, np.int64),
                                 np.full(len(reached), 0.5 * self.beh.follower_trust, np.float32),
                                 np.full(len(reached), inf.channel, np.int8)))
        return Exposures.concat(out)

    def _festival_today(self) -> np.ndarray:
        n_ret = self.population.stage.shape[1]
        if not self.retailers:
            return np.zeros(n_ret, dtype=bool)
        return np.array([self.day in r.cfg.festival_days for r in self.retailers])

    # -------------------------------------------------------------- funnel
    def _purchases(self) -> None:
        pop, rng, beh, book = self.population, self.dyn_rng, self.beh, self.metrics
        coupons = [r.coupon_available() for r in self.retailers]
        orders = funnel.decide_purchases(
            pop, [r.cfg for r in self.retailers], beh, self.atm, coupons, self.conversion, rng,
            prices=[r.price for r in self.retailers],
        )
        for pur in orders:
            r, rows = pur.retailer, pur.buyers
            if len(rows) == 0:
                continue
            ret = self.retailers[r]
            if coupons[r]:
                k = min(len(rows), int(ret.lines.get("coupons", 0.0) // ret.cfg.coupon_value))
                ret.book("coupons", k * ret.cfg.coupon_value)
                self.week_coupon_orders[r] += k
            funnel.record_orders(pop, pur)
            n_orders = len(rows)
            book.orders += n_orders
            book.daily_orders += n_orders
            book.orders_by_retailer[r] += n_orders
            book.gmv[r] += n_orders * ret.price
            book.profit[r] += n_orders * (ret.price - ret.unit_cost)
            # per platform of the last touch; per channel of the first touch, the last touch
            # and the last engagement (weekly, for the retailer's budget reallocation)
            funnel.tally_orders(pop, pur, book.orders_by_platform, book.first_touch_orders[r],
                                book.last_touch_orders[r], self.week_last_touch[r])
            self._after_purchase(ret, rows)

    def _after_purchase(self, ret: Retailer, rows: np.ndarray) -> None:
        """Satisfaction, UGC (share-your-order on festival days) or negative posts, joining."""
        pop, rng, beh, r = self.population, self.dyn_rng, self.beh, ret.index
        satisfied = rng.random(len(rows)) < ret.cfg.quality
        unhappy = rows[~satisfied]
        pop.negative[unhappy, r] = True
        posters_neg = unhappy[rng.random(len(unhappy)) < beh.negative_prob]
        happy = rows[satisfied]
        posters_ugc = happy[self._ugc_draw(ret, rng.random(len(happy)))]
        self._consumer_posts(r, posters_ugc, negative=False)
        self._consumer_posts(r, posters_neg, negative=True)
        community.join_after_purchase(self, ret, happy)

    def _ugc_draw(self, ret: Retailer, u: np.ndarray) -> np.ndarray:
        """Which satisfied buyers (uniform draws ``u``) post UGC today.

        On a festival day with a share-your-order ritual, a buyer posts with probability
        ``festival_share_prob`` as long as the coupons line pays the prize per post; buyers
        beyond what it can pay post at the ordinary ``ugc_prob``.
        """
        cfg, base = ret.cfg, self.beh.ugc_prob
        posts = u < base
        if cfg.festival_share_prob <= base or self.day not in cfg.festival_days:
            return posts
        ritual = np.flatnonzero(u < cfg.festival_share_prob)
        if cfg.festival_share_reward > 0 and ret.in_campaign(self.day):
            k = min(len(ritual), int(ret.lines.get("coupons", 0.0) // cfg.festival_share_reward))
            ret.book("coupons", k * cfg.festival_share_reward)
        elif cfg.festival_share_reward > 0:
            k = 0
        else:
            k = len(ritual)
        posts[ritual[:k]] = True
        return posts

    def _consumer_posts(self, r: int, authors: np.ndarray, negative: bool, queue_today: bool = False) -> None:
        """Buyers' own posts (UGC or negative) travel to their ties the next day."""
        if len(authors) == 0:
            return
        pop = self.population
        kind = KIND["negative"] if negative else KIND["ugc"]
        ids = self.posts.add(
            retailer=r, platform=np.argmax(pop.attention[authors], axis=1), channel=self.channel_code["ugc"],
            kind=kind, circle=pop.circle[authors], credibility=self.beh.ugc_credibility,
            b0=self.beh.b0, negative=negative, author=authors, day=self.day,
        )
        self.consumer_post_count += len(authors)
        if self.graph is None:
            return
        prob = diffusion.sharing_probability(authors, ids, self.posts, pop.circle, self.saturation,
                                             self.beh, self.negative_damping,
                                             self.negative_saturation)
        exp = diffusion.share_to_ties(self.graph, authors, ids, prob, self.channel_code["ugc"],
                                      self.dyn_rng, guanxi=self.beh.guanxi)
        (self.today if queue_today else self.pending).append(exp)

    # -------------------------------------------------------------- crises
    def _trigger_crises(self, day: int) -> None:
        """A crisis shock makes ``severity`` of the retailer's aware consumers post negatively."""
        pop = self.population
        for s in self.config.shocks:
            if s.kind != "crisis" or s.day != day or not self.retailers:
                continue
            ret = next((x for x in self.retailers if x.name == s.retailer), self.retailers[0])
            k = int(round(s.severity * pop.n))
            authors = self.dyn_rng.choice(pop.n, size=k, replace=False)
            pop.negative[authors, ret.index] = True
            pop.stage[authors, ret.index] = np.maximum(pop.stage[authors, ret.index], AWARE)
            self._consumer_posts(ret.index, authors, negative=True, queue_today=True)
            ret.notice_crisis(day)

    def _watch_sentiment(self, day: int) -> None:
        """Retailers notice a crisis once the negative sentiment index passes 0.2 (F34)."""
        if self.metrics.negative_sentiment > 0.2:
            for ret in self.retailers:
                ret.notice_crisis(day)

    # --------------------------------------------------------- reference modes
    def _seed_engaged(self, k: int) -> np.ndarray:
        seeds = self.dyn_rng.choice(self.population.n, size=min(k, self.population.n), replace=False)
        self.population.stage[seeds, 0] = INTERESTED
        self.population.ever_exposed[seeds] = True
        return seeds.astype(np.int64)

    def _reference_post(self) -> int:
        if len(self.posts) == 0:
            self.publish_post(retailer=0, platform=0, channel=self.channel_code["wom"],
                              kind=KIND["scene"], circle=-1, credibility=1.0, b0=0.0, author=-1)
        return 0

    def _cascade_step(self, day: int) -> None:
        """Independent cascade: every consumer engaged yesterday gets one chance per tie (prob T).

        One generation per day, drawn by the compiled kernel :func:`sim.kernels.cascade.cascade_generation`
        (the same code as :func:`sim.kernels.cascade.independent_cascade`). Every successful trial is a
        delivered word-of-mouth exposure, engaged with probability 1.
        """
        pop = self.population
        self._reference_post()
        if day == 1:
            self._cascade_frontier = self._seed_engaged(self.config.reference.seeds)
            self._cascade_active = pop.stage[:, 0] >= INTERESTED
            return
        if self.graph is None or len(self._cascade_frontier) == 0:
            return
        new, hits = cascade_generation(
            self.graph, self._cascade_frontier, self.config.reference.transmissibility,
            self._cascade_active, self.dyn_rng, record_hits=True,
        )
        self._cascade_frontier = new
        wom = self.channel_code["wom"]
        self.metrics.count_exposures(len(hits), 0, np.full(len(hits), wom, np.int8), len(self.channels))
        self.metrics.count_engagements(len(hits))
        pop.ever_exposed[hits] = True
        np.add.at(pop.exposures, hits, np.ones(len(hits), dtype=np.int32))
        pop.stage[new, 0] = INTERESTED
        pop.source_trust[new, 0] = 1.0
        untouched = new[pop.first_touch[new, 0] < 0]
        pop.first_touch[untouched, 0] = wom
        pop.last_touch[hits, 0] = wom
        pop.last_platform[hits, 0] = 0

    def _threshold_step(self, day: int) -> None:
        """Watts threshold model: engage once the engaged share of ties reaches phi."""
        pop = self.population
        if day == 1:
            self._seed_engaged(self.config.reference.seeds)
            return
        atm = diffusion.atmosphere(self.adjacency, pop.stage[:, :1] >= INTERESTED, self.degree)[:, 0]
        flip = (pop.stage[:, 0] < INTERESTED) & (atm >= self.config.reference.phi) & (self.degree > 0)
        pop.stage[flip, 0] = INTERESTED
        pop.ever_exposed[flip] = True
        self.metrics.count_engagements(int(flip.sum()))

    def _bass_step(self) -> None:
        """Bass diffusion: adoption (a first order) with per-step hazard 1 − exp(−(p + q·F)·dt)."""
        pop, ref = self.population, self.config.reference
        adopted = pop.stage[:, 0] >= CUSTOMER
        if self.adjacency is None:
            f = np.full(pop.n, adopted.mean())
        else:
            f = diffusion.atmosphere(self.adjacency, adopted[:, None], self.degree)[:, 0]
        hazard = 1.0 - np.exp(-(ref.p + ref.q * f) * ref.dt)
        new = ~adopted & (self.dyn_rng.random(pop.n) < hazard)
        pop.stage[new, 0] = CUSTOMER
        pop.orders[new, 0] += 1
        pop.ever_exposed[:] = True
        n_new = int(new.sum())
        self.metrics.orders += n_new
        self.metrics.daily_orders += n_new
        self.metrics.count_exposures(int((~adopted).sum()), 0, np.zeros(0, np.int8), len(self.channels))
