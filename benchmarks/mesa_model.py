"""A plain, idiomatic Mesa 3 implementation of socsim's rules on the common benchmark scenario.

One ``mesa.Agent`` per consumer with its own attributes, neighbour list and inbox; creators and
the retailer are agents too. Each day:

1. ``consumers.do("start_day")``: fatigue decays; each consumer records whether it is engaged
   and aware at the start of the day (the social-proof and circle-saturation snapshots);
2. the retailer paces its creator budget lines and commissions posts (random creator of the
   tier while the day's allowance covers its fee; content kind from the mix; circle-tagged with
   ``circle_tagged``);
3. ``creators.do("publish_and_deliver")``: each live post reaches each follower with the
   platform's delivery probability (organic reach / lifetime × activity × min(1, P·attention));
4. ``consumers.shuffle_do("step")``: each consumer responds to today's creator posts, then to
   the word-of-mouth and UGC that reached it since yesterday, shops, and may churn.

Response to an exposure: P = σ(b0_post + appeal(kind) + b_cred·credibility·trust
+ b_atm·atmosphere·susceptibility + b_need·need + b_circle·[post circle = own circle]
− b_fatigue·fatigue), with fatigue as at the start of the batch; every exposure adds its kind's
homogeneity to fatigue and makes the consumer aware. The first engaged exposure of a batch sets
the source trust (credibility × trust); a consumer engaging for the first time becomes
interested and shares that post to each tie with probability s0 · social currency(kind) ·
(1 − aware share of its circle)^γ · tie trust; shares arrive the next day. The platform of the
last exposure sets the conversion multiplier.

Shopping, for consumers with a session (probability ``activity``): interested consumers buy with
σ(c0 + c_need·need + c_trust·source trust + c_proof·atmosphere·susceptibility
− c_price·price sensitivity·price/reference price) × conversion multiplier; customers who have
not churned re-buy with ``repurchase_hazard``. Every buyer is satisfied (quality 1) and posts UGC
with ``ugc_prob``, shared to its ties as above (credibility ``ugc_credibility``). Customers churn
with ``churn_hazard`` a day.

These are socsim's formulas (``sim.engine.diffusion``, ``sim.engine.funnel``, ``sim.engine.model``) for this
scenario; the world (population attributes, social graph, creators' followers) is drawn with
socsim's own generators so that both models start from identically distributed worlds.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from sim.world.content import HOMOGENEITY, KIND, KIND_APPEAL, SOCIAL_CURRENCY
from sim.world.graph import build_graph
from sim.world.population import build_population
from sim.config.scenario import Scenario

UNAWARE, AWARE, INTERESTED, CUSTOMER, LOYAL = range(5)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class Post:
    """A piece of content (creator post or UGC)."""

    __slots__ = ("b0", "circle", "credibility", "kind", "platform")

    def __init__(self, kind: int, circle: int, credibility: float, b0: float, platform: int):
        self.kind, self.circle, self.credibility = kind, circle, credibility
        self.b0, self.platform = b0, platform


class ConsumerAgent(mesa.Agent):
    """One consumer: attributes, funnel state, neighbours and an inbox of exposures."""

    def __init__(self, model: MesaCommerceModel, row: int, circle: int, need: float,
                 susceptibility: float, activity: float, attention: list[float],
                 price_sensitivity: float) -> None:
        super().__init__(model)
        self.row = row
        self.circle = circle
        self.need = need
        self.susceptibility = susceptibility
        self.activity = activity
        self.attention = attention
        self.price_sensitivity = price_sensitivity
        self.home_platform = int(np.argmax(attention))
        self.stage = UNAWARE
        self.orders = 0
        self.churned = False
        self.fatigue = 0.0
        self.source_trust = 0.0
        self.last_platform = 0
        self.exposed = False
        self.engaged_at_start = False
        self.ties: list[tuple[ConsumerAgent, float, bool]] = []  # (neighbour, trust, strong)
        self.creator_inbox: list[tuple[Post, float]] = []  # today's creator posts (post, trust)
        self.inbox: list[tuple[Post, float]] = []  # shares and UGC that arrived since yesterday
        self.next_inbox: list[tuple[Post, float]] = []  # shares arriving tomorrow

    # ----------------------------------------------------------------- daily
    def start_day(self) -> None:
        m = self.model
        self.fatigue *= m.beh.fatigue_decay
        self.engaged_at_start = self.stage >= INTERESTED
        if self.stage >= AWARE:
            m.aware_in_circle[self.circle] += 1
        self.inbox, self.next_inbox = self.next_inbox, []

    def step(self) -> None:
        if self.creator_inbox:
            self.respond(self.creator_inbox)
            self.creator_inbox = []
        if self.inbox:
            self.respond(self.inbox)
            self.inbox = []
        self.shop()
        if (self.stage >= CUSTOMER and not self.churned
                and self.random.random() < self.model.beh.churn_hazard):
            self.churned = True

    # -------------------------------------------------------------- response
    def atmosphere(self) -> float:
        """Share of ties engaged at the start of the day."""
        if not self.ties:
            return 0.0
        return sum(1 for nb, _, _ in self.ties if nb.engaged_at_start) / len(self.ties)

    def respond(self, batch: list[tuple[Post, float]]) -> None:
        m, beh = self.model, self.model.beh
        m.exposures += len(batch)
        self.exposed = True
        self.stage = max(self.stage, AWARE)
        base = (beh.b_atm * self.atmosphere() * self.susceptibility + beh.b_need * self.need
                - beh.b_fatigue * self.fatigue)
        probs = [sigmoid(post.b0 + KIND_APPEAL[post.kind] + beh.b_cred * post.credibility * trust
                         + base + beh.b_circle * (post.circle == self.circle))
                 for post, trust in batch]
        for post, _ in batch:
            self.fatigue += HOMOGENEITY[post.kind]
        self.last_platform = batch[-1][0].platform
        first_engaged = None
        for (post, trust), p in zip(batch, probs):
            if self.random.random() < p:
                m.engagements += 1
                if first_engaged is None:
                    first_engaged = (post, trust)
        if first_engaged is not None:
            post, trust = first_engaged
            self.source_trust = post.credibility * trust
            if self.stage < INTERESTED:
                self.stage = INTERESTED
                self.share(post)

    def share(self, post: Post) -> None:
        """Pass ``post`` to each tie with probability sharing_prob × tie trust (next day)."""
        m, beh = self.model, self.model.beh
        scarcity = (1.0 - m.saturation[self.circle]) ** beh.gamma
        p = min(1.0, beh.s0 * beh.social_currency * SOCIAL_CURRENCY[post.kind] * scarcity)
        for nb, trust, _strong in self.ties:  # guanxi = 1: strong ties need no extra factor
            if self.random.random() < p * trust:
                nb.next_inbox.append((post, trust))

    # ---------------------------------------------------------------- funnel
    def shop(self) -> None:
        m, beh = self.model, self.model.beh
        if self.stage < INTERESTED or self.random.random() >= self.activity:
            return
        if self.stage == INTERESTED:
            logit = (beh.c0 + beh.c_need * self.need + beh.c_trust * self.source_trust
                     + beh.c_proof * self.atmosphere() * self.susceptibility
                     - beh.c_price * self.price_sensitivity * (m.price / beh.reference_price))
            p = sigmoid(logit) * m.conversion[self.last_platform]
        elif not self.churned:
            p = beh.repurchase_hazard
        else:
            return
        if self.random.random() < min(1.0, p):
            self.orders += 1
            self.stage = LOYAL if self.orders >= 2 else CUSTOMER
            m.orders += 1
            if self.random.random() < beh.ugc_prob:  # quality = 1: every buyer is satisfied
                ugc = Post(KIND["ugc"], self.circle, beh.ugc_credibility, beh.b0,
                           self.home_platform)
                self.share(ugc)


class CreatorAgent(mesa.Agent):
    """A creator: followers, platform, credibility, engagement intercept, fee; live posts."""

    def __init__(self, model: MesaCommerceModel, tier: str, platform: int, home: int,
                 followers: list[ConsumerAgent], credibility: float, engagement: float,
                 fee: float) -> None:
        super().__init__(model)
        self.tier, self.platform, self.home_circle = tier, platform, home
        self.followers, self.credibility, self.fee = followers, credibility, fee
        self.b0 = math.log(engagement / (1.0 - engagement))
        self.queue: list[tuple[int, int]] = []  # commissioned (kind, circle)
        self.live: list[tuple[Post, int]] = []  # (post, days left)

    def publish_and_deliver(self) -> None:
        m = self.model
        cfg = m.platform_cfg[self.platform]
        for kind, circle in self.queue:
            self.live.append((Post(kind, circle, self.credibility, self.b0, self.platform),
                              cfg.content_lifetime))
        self.queue = []
        base = cfg.organic_reach / cfg.content_lifetime
        n_plat = len(m.platform_cfg)
        trust = m.beh.follower_trust
        still = []
        for post, days_left in self.live:
            for f in self.followers:
                p = base * f.activity * min(1.0, f.attention[self.platform] * n_plat)
                if self.random.random() < p:
                    f.creator_inbox.append((post, trust))
            if days_left > 1:
                still.append((post, days_left - 1))
        self.live = still


class RetailerAgent(mesa.Agent):
    """The brand: creator budget lines paced over the campaign (socsim's Retailer.act rule)."""

    def __init__(self, model: MesaCommerceModel, cfg, scale: float) -> None:
        super().__init__(model)
        self.cfg = cfg
        spendable = cfg.budget * scale * (1.0 - cfg.reserve_share)
        total = sum(cfg.allocation.values())
        self.lines = {ch: spendable * s / total for ch, s in cfg.allocation.items()}
        self.allowance = {ch: 0.0 for ch in self.lines}
        kinds = list(cfg.content_mix)
        self.kinds = [KIND[k] for k in kinds]
        w = [cfg.content_mix[k] for k in kinds]
        self.kind_cum = list(np.cumsum(w) / sum(w))

    def act(self) -> None:
        m = self.model
        days_left = max(1, m.days - m.steps + 1)
        for tier, creators in m.creators_by_tier.items():
            if tier not in self.lines or not creators:
                continue
            self.allowance[tier] += self.lines[tier] / days_left
            while True:
                c = creators[self.random.randrange(len(creators))]
                if c.fee > self.allowance[tier] or c.fee > self.lines[tier] + 1e-9:
                    break
                self.lines[tier] -= c.fee
                self.allowance[tier] -= c.fee
                u = self.random.random()
                kind = next(k for k, cum in zip(self.kinds, self.kind_cum) if u < cum)
                circle = c.home_circle if self.random.random() < self.cfg.circle_tagged else -1
                c.queue.append((kind, circle))


class MesaCommerceModel(mesa.Model):
    """The common benchmark scenario with one Mesa agent per consumer."""

    def __init__(self, config: Scenario, seed: int) -> None:
        super().__init__(rng=seed)
        self.config, self.beh, self.days = config, config.behaviour, config.run.days
        n = config.run.consumers
        graph_rng, pop_rng, agent_rng = np.random.default_rng(seed).spawn(3)
        plats = list(config.platforms.values())
        self.platform_cfg = plats
        self.conversion = [p.conversion_multiplier for p in plats]
        pop = build_population(config.population, n, len(plats),
                               np.array([p.attention for p in plats]), 1, pop_rng)
        graph = build_graph(config.graph, pop.circle, graph_rng)
        ret_cfg = config.retailers[0]
        self.price = ret_cfg.price
        att = pop.attention.tolist()
        self.consumers = [
            ConsumerAgent(self, i, c, nd, s, a, att[i], ps)
            for i, (c, nd, s, a, ps) in enumerate(zip(
                pop.circle.tolist(), pop.need.tolist(), pop.susceptibility.tolist(),
                pop.activity.tolist(), pop.price_sensitivity.tolist()))
        ]
        indptr, nbr = graph.indptr.tolist(), graph.indices.tolist()
        trust, strong = graph.trust.tolist(), graph.strong.tolist()
        for i, agent in enumerate(self.consumers):
            agent.ties = [(self.consumers[nbr[j]], trust[j], strong[j])
                          for j in range(indptr[i], indptr[i + 1])]
        circles = config.population.circles
        self.circle_size = np.bincount(pop.circle, minlength=circles).tolist()
        members = [np.flatnonzero(pop.circle == c) for c in range(circles)]
        sizes = np.array(self.circle_size, dtype=float)
        self.creators_by_tier: dict[str, list[CreatorAgent]] = {}
        scale = n / config.run.reference_consumers
        names = list(config.platforms)
        for tier, cfg in config.influencers.items():
            k = max(1, round(cfg.followers_share * n))
            tier_creators = []
            for _ in range(cfg.count):
                home = int(agent_rng.choice(circles, p=sizes / sizes.sum()))
                k_in = min(len(members[home]), round(k * cfg.circle_focus))
                inside = agent_rng.choice(members[home], size=k_in, replace=False)
                outside = agent_rng.integers(0, n, size=k - k_in)
                rows = np.unique(np.concatenate([inside, outside]))
                tier_creators.append(CreatorAgent(
                    self, tier, names.index(cfg.platform), home,
                    [self.consumers[r] for r in rows.tolist()], cfg.credibility,
                    cfg.engagement, cfg.fee * scale))
            self.creators_by_tier[tier] = tier_creators
        self.retailer = RetailerAgent(self, ret_cfg, scale)
        self.exposures = self.engagements = self.orders = 0
        self.aware_in_circle = [0] * circles
        self.saturation = [0.0] * circles

    def step(self) -> None:
        consumers = self.agents_by_type[ConsumerAgent]
        self.aware_in_circle = [0] * len(self.circle_size)
        consumers.do("start_day")
        self.saturation = [a / max(s, 1) for a, s in zip(self.aware_in_circle, self.circle_size)]
        self.retailer.act()
        self.agents_by_type[CreatorAgent].do("publish_and_deliver")
        consumers.shuffle_do("step")
        if self.steps >= self.days:
            self.running = False

    def kpis(self) -> dict[str, float]:
        """The KPIs compared with socsim (same definitions as ``sim.engine.metrics``)."""
        cs = self.consumers
        return {
            "reach": float(sum(a.exposed for a in cs)),
            "exposures": float(self.exposures),
            "engagements": float(self.engagements),
            "engaged": float(sum(a.stage >= INTERESTED for a in cs)),
            "buyers": float(sum(a.orders > 0 for a in cs)),
            "orders": float(self.orders),
        }
