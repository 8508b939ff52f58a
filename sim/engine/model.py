"""SocialCommerceModel: a world (graph, consumers, creators) and the daily step over it.

One step is one day, in this order (:meth:`SocialCommerceModel._full_step`):

1. **morning**: fatigue decays; social proof and circle saturations are brought up to date;
   festival flags are set (:class:`sim.engine.state.SocialProof`);
2. **crises** scheduled today break out (:func:`sim.engine.crisis.trigger`);
3. **retailers act**: commission creator posts, buy ads, run communities, respond to crises,
   re-allocate (:class:`sim.engine.agents.Retailer`); their community switches and crisis
   damping enter the day state; named roster creators and a roster's booking log are booked
   (:mod:`sim.engine.bookings`);
4. **creators publish** (:class:`sim.engine.agents.Influencer`);
5. **organic delivery** of every live creator post to followers (:mod:`sim.engine.organic`)
   and, on a platform with a discovery feed, to interested non-followers
   (:mod:`sim.engine.discovery`), **response** to it (:mod:`sim.engine.response`) and **amplification** of the posts that
   engage (:mod:`sim.engine.amplification`);
6. **community** content, lead joins and referrals (:mod:`sim.engine.community`);
7. **response** to everything else delivered today (yesterday's shares, ads, community);
   engaged negative posts **spill over** to other platforms (:mod:`sim.engine.crisis`); fresh
   engagers **share** with their ties for tomorrow (:mod:`sim.engine.sharing`);
8. **search** after seeding (:mod:`sim.engine.search`); **purchases** booked in the ledger,
   buyers' posts and joins (:mod:`sim.engine.purchases`, :mod:`sim.engine.consumer_posts`); the
   **retail systems** when the scenario has them: stores, distributors, membership
   (:mod:`sim.engine.retail`); the **commerce formats** the scenario uses: live sessions, group
   buying, assists, gamification check-ins (:mod:`sim.engine.formats`); **churn**
   (:mod:`sim.engine.churn`, lowered on check-in days), crisis **repair**;
9. **evening**: retailers watch the sentiment index; KPIs are computed and collected.

The reference modes (``bass``, ``independent_cascade``, ``threshold``) replace steps 1–9 by
their own rule (:mod:`sim.engine.reference`).

The world comes from :mod:`sim.world.builder` (built once per process for runs that share it);
the day state, the ledger and the metrics book are fresh for every model. Between steps a
caller (the workshop) revises the scenario with :meth:`SocialCommerceModel.revise`
(coefficients are read from ``config`` every day; ties are re-drawn, budgets re-planned) or
replaces the graph (:meth:`SocialCommerceModel.use_graph`).
"""

from __future__ import annotations

from collections.abc import Collection

import mesa
import networkx as nx
import numpy as np
from pydantic import ValidationError

from sim.config.retail import NO_RETAIL, retail_shape
from sim.config.scenario import BehaviourSection, Scenario, ScenarioError, ShockSection
from sim.config.formats import scenario_formats
from sim.engine import (amplification, bookings, churn, community, creators, crisis, discovery,
                        gamification, platform_funnel, purchases, response, revision, search,
                        sharing)
from sim.engine.awareness import AwarenessMemory
from sim.engine.engagement_kinds import EngagementKinds, mix_cdf
from sim.engine.formats import format_desks, roster_influencer
from sim.engine.platform_funnel import FunnelBook
from sim.engine.agents import Consumer, Influencer, Retailer
from sim.engine.ledger import Ledger
from sim.engine.metrics import KpiCollector, MetricsBook, carry_kpis, compute_kpis
from sim.engine.organic import OrganicDelivery
from sim.engine.reference import ReferenceStep
from sim.engine.retail import RetailSystems
from sim.engine.state import Channels, Context, DayState, SocialProof
from sim.world.builder import World, build_world, cached_world, draw_ties
from sim.world.content import Exposures
from sim.world.graph import SocialGraph
from sim.world.platforms import Platform


def world_traits_rng(world_seed: int) -> np.random.Generator:
    """The creator-trait stream a model seeded ``world_seed`` uses (its fifth and sixth
    spawned children: funnel, traits), for runs that share the world of ``run.world_seed``."""
    root = np.random.default_rng(world_seed)
    root.spawn(4)
    return root.spawn(2)[1]


class SocialCommerceModel(mesa.Model):
    """A social-commerce world. ``config`` is a validated :class:`~sim.config.scenario.Scenario`.

    Args:
        config: the scenario.
        seed: random seed (default ``config.run.seed``). ``np.random.default_rng(seed)`` is
            split into independent streams for the graph, the population, the agents and the
            daily dynamics, so that two scenarios that differ only in, say, budget share the
            same world under the same seed (common random numbers). With ``run.world_seed``
            set, the world (graph, consumers, creators' followers and traits) comes from that
            seed instead, and ``seed`` drives only the agents' choices and the dynamics.
        graph: optional networkx graph or :class:`SocialGraph` to use instead of generating
            one (its node count sets the number of consumers).
        world: optional prebuilt :class:`~sim.world.builder.World` of ``config`` under
            ``seed``. Default: the process's world cache (:func:`sim.world.builder.cached_world`),
            or a fresh build when ``graph`` is given.
        withheld: ids (``unique_id``) of creators whose posts are never published (they are
            still commissioned and paid): the counterfactual of :mod:`sim.analysis.creator_lift`.
    """

    carry_idle_kpis: bool = True
    """Reference modes: a day that changes nothing carries yesterday's KPIs over
    (:func:`sim.engine.metrics.carry_kpis`) instead of recomputing them (same values)."""

    def __init__(self, config: Scenario, seed: int | None = None,
                 graph: nx.Graph | SocialGraph | None = None, world: World | None = None,
                 withheld: Collection[int] = ()) -> None:
        seed = int(config.run.seed if seed is None else seed)
        super().__init__(rng=seed)
        self.seed = seed
        # creators holding commissions not yet published (Influencer.commission adds them)
        self.queued_creators: list[Influencer] = []
        self._given_graph = graph is not None  # its ties cannot be re-drawn (revise)
        fixed = config.run.world_seed  # a world shared by every replication (docs/calibration.md)
        if world is None:
            at = seed if fixed is None else int(fixed)
            world = (build_world(config, at, graph) if graph is not None
                     else cached_world(config, at))
        # the streams of self.rng.spawn(4) (graph, population, agents, dynamics) and then of
        # self.rng.spawn(2) (funnel, traits): six children of its seed sequence, of which only
        # those used are seeded (each costs about 30 µs)
        children = self.rng.bit_generator.seed_seq.spawn(6)
        stream = type(self.rng.bit_generator)
        dyn_rng, funnel_rng = (np.random.Generator(stream(children[i])) for i in (3, 4))
        if fixed is None:
            self._creator_rng = np.random.Generator(stream(children[5]))
        else:  # traits as a run seeded world_seed draws them; bookings vary
            self._creator_rng = world_traits_rng(int(fixed))
        full = config.run.mode == "full"
        n_ret = max(1, len(config.retailers)) if full else 1
        pop = world.population(n_ret)
        channels = Channels(tuple(config.influencers) if full else (), scenario_formats(config))
        shape = retail_shape(config.retailers) if full else NO_RETAIL
        platforms = [
            Platform(i, name, cfg, shocks=[s for s in config.shocks
                                           if s.kind == "reach" and s.platform == name])
            for i, (name, cfg) in enumerate(config.platforms.items())
        ]
        circles = config.population.circles
        self.ctx = Context(
            config=config, world=world, population=pop, graph=world.graph, channels=channels,
            platforms=platforms, rng=dyn_rng,
            agent_rng=(world.agent_rng() if fixed is None
                       else np.random.Generator(stream(children[2]))),
            state=DayState.start(pop.n, circles, n_ret),
            ledger=Ledger(n_ret, channels.names, channels.spend + list(shape[2]), len(platforms)),
            metrics=MetricsBook(channels.names, circles, pop.n, len(channels.tiers)),
            money_scale=pop.n / config.run.reference_consumers,
            response_pass=response.ResponsePass(pop),
            funnel=FunnelBook(pop.n, n_ret, channels.names, len(platforms), funnel_rng),
            awareness=AwarenessMemory(pop.n, n_ret),
        )
        self.ctx.funnel.kinds = EngagementKinds(
            mix_cdf([p.cfg.engagement_mix for p in platforms]), seed)
        if full:
            self._create_agents()
            self._withhold(withheld)
            if shape[0]:  # stores, distributors or membership (sim.engine.retail)
                self.ctx.retail = RetailSystems(self.ctx, self)
        # social proof and saturations feed the full model's response; the reference rules
        # read the graph directly
        self.social_proof = (SocialProof(world.graph, pop.circle, circles, n_ret, world.adjacency)
                             if full else None)
        self._organic: OrganicDelivery | None = None  # built on the first day
        self._reference = None if full else ReferenceStep(self.ctx)
        self._consumer_views: dict[int, Consumer] = {}
        self.kpis = compute_kpis(self.ctx)
        self.datacollector = KpiCollector(list(self.kpis))
        self.datacollector.collect(self)

    def _create_agents(self) -> None:
        """Retailers, then the creators of the world's seats (tier by tier)."""
        ctx, config = self.ctx, self.ctx.config
        ctx.retailers = [Retailer(self, i, cfg, ctx.money_scale, config.run.days, config.shocks,
                                  ctx.ledger) for i, cfg in enumerate(config.retailers)]
        by_name, code = ctx.platform_by_name, ctx.code
        rng = self._creator_rng
        blocks = ctx.world.follower_blocks
        for tier, seats in ctx.world.creators.items():
            cfg = config.influencers[tier]
            traits = creators.draw_traits(config.behaviour, len(seats), rng)
            # every generated creator's real fans from one draw (roster creators draw none)
            if tier in blocks:  # a generated tier whose followers are one array
                fans = creators.block_real_followers(*blocks[tier], traits.real_fans, rng)
            else:
                generated = np.array([seat.roster is None for seat in seats], dtype=bool)
                fans = creators.tier_real_followers([seat.followers for seat in seats],
                                                    np.where(generated, traits.real_fans, 1.0),
                                                    rng)
            platform, fee = by_name[cfg.platform], cfg.fee * ctx.money_scale
            ctx.creators_by_tier[tier] = [
                Influencer(self, tier, code[tier], platform, seat.home_circle, real_fans_of,
                           cfg.credibility, cfg.engagement, fee, real_fans=real, fit=fit,
                           quality=quality)
                if seat.roster is None
                else roster_influencer(self, seat, cfg, code[tier], by_name, ctx.money_scale)
                for seat, real_fans_of, real, fit, quality in zip(
                    seats, fans, traits.real_fans.tolist(), traits.fit.tolist(),
                    traits.quality.tolist())]
        bookings.logged_tiers(ctx)  # a roster's booking log replaces the random draws
        ctx.funnel.set_creators([c for cs in ctx.creators_by_tier.values() for c in cs],
                                len(ctx.channels.tiers))
        ctx.formats = format_desks(ctx)

    def _withhold(self, withheld: Collection[int]) -> None:
        """Mark the creators ``withheld`` (unique ids); ValueError names an unknown id."""
        if not withheld:
            return
        by_id = {c.unique_id: c for cs in self.ctx.creators_by_tier.values() for c in cs}
        for uid in withheld:
            if uid not in by_id:
                raise ValueError(f"withheld: no creator with id {uid!r}")
            by_id[uid].withheld = True

    # ------------------------------------------------------------------ step
    keep_timeseries: bool = True
    """Whether every step computes its KPI snapshot and the DataCollector collects it (the
    time series). False, for a run that keeps only its end-of-run summary (a runner's
    ``keep_timeseries=False``): the steps compute no KPIs and the DataCollector holds only the
    start's row, and :attr:`kpis` is computed when it is read (once per step). The values are
    the same: every KPI is a function of the state at the end of the day (the 7-day negative
    sentiment of the metrics book's window, which every step still moves), not of earlier
    snapshots (tests/engine/test_lazy_kpis.py)."""

    _kpis: dict[str, float] | None = None
    _kpis_step = -1  # the step whose state ``_kpis`` is the snapshot of

    @property
    def kpis(self) -> dict[str, float]:
        """The KPI snapshot at the end of the last step (before the first: of the start), in
        the registry's order (:func:`sim.engine.metrics.compute_kpis`); computed on the first
        read after a step that did not compute it (:attr:`keep_timeseries`)."""
        if self._kpis_step != self.steps:
            self._kpis = compute_kpis(self.ctx)
            self._kpis_step = self.steps
        return self._kpis

    @kpis.setter
    def kpis(self, value: dict[str, float]) -> None:
        self._kpis, self._kpis_step = value, self.steps

    def _wrapped_step(self) -> None:
        """Mesa's step wrapper, which ``model.step()`` calls: advance the time one unit, running
        the events scheduled until then; Mesa's default schedule is one of them and runs
        :meth:`step` (through ``Model._do_step``, which counts and logs the step).

        The usual day takes a shortcut: when the default schedule's next event is the only one
        scheduled, is due at the new time and the schedule repeats every unit without end, the
        event is taken off the list, the step runs, and the same event object is put back for
        the next unit with a fresh id, instead of Mesa's building a new event (with a weak
        reference to its callback) every day — about 4 µs a day. Time, step count, event ids
        and the schedule's state end as Mesa's own wrapper leaves them, also when the step
        schedules events itself (tests/engine/test_step_wrapper.py); any other case, or a Mesa
        without these internals, goes through Mesa's wrapper."""
        try:
            gen = self._default_schedule
            heap = self._event_list._events
            event, sched = gen._current_event, gen.schedule
            until = self.time + 1
            usual = (len(heap) == 1 and heap[0] is event and event.time == until
                     and not event._canceled and gen._active and not gen._paused
                     and sched.interval == 1 and sched.end is None and sched.count is None)
        except AttributeError:
            usual = False
        if not usual:
            super()._wrapped_step()
            return
        heap.pop()  # what the event list's pop_event does with one event
        self.time = until
        self._do_step()
        gen._execution_count += 1
        next_time = self.time + sched.interval
        if (not heap and gen._current_event is event and gen._active and not event._canceled
                and next_time > until):
            event.time, event.unique_id = next_time, next(type(event)._ids)
            heap.append(event)  # the next unit's event, as the generator schedules it
            self.time = until
            return
        # the step scheduled or cancelled something: the rest of Mesa's wrapper
        gen._schedule_next(next_time)
        events = self._event_list
        while True:
            try:
                due = events.pop_event()
            except IndexError:
                break
            if due.time <= until:
                self.time = due.time
                due.execute()
            else:
                events.add_event(due)
                break
        self.time = until

    def step(self) -> None:
        """One day (see the module docstring)."""
        ctx = self.ctx
        day = ctx.state.day = self.day
        ctx.metrics.start_day()
        ctx.ledger.start_day()
        ctx.funnel.start_day()
        for p in ctx.platforms:
            p.update_shocks(day)
        changed = True
        if self.mode == "full":
            self._full_step()
        else:
            changed = self._reference(day)
        ctx.metrics.end_day()
        if self.keep_timeseries:
            # a reference day that changed nothing leaves every cumulative KPI of yesterday's
            # snapshot as it was
            idle = (not changed and self.carry_idle_kpis
                    and self._kpis_step == self.steps - 1)
            self.kpis = carry_kpis(ctx, self._kpis) if idle else compute_kpis(ctx)
            self.datacollector.collect(self)
        if day >= self.days:
            self.running = False

    def _full_step(self) -> None:
        ctx = self.ctx
        self._morning()
        crisis.trigger(ctx)
        self._retailers_act()
        bookings.book_named_creators(ctx)
        bookings.book_logged_posts(ctx)
        # the day's commissioned posts, published at once: the retailers' staged posts and
        # the orders queued at creators (Influencer.commission registers a creator at its
        # first of the day), with the ids `AgentSet.do("publish")` gives: creators in
        # unique-id order (the agent set's), each one's posts in commissioning order
        queued, self.queued_creators = self.queued_creators, []
        published = ctx.commissions.publish(ctx, queued)
        state = ctx.state
        batches, state.pending, state.today = state.pending + state.today, [], []
        organic_exp, organic = self._organic_delivery().deliver(ctx.rng, ctx.beh.follower_trust,
                                                                published)
        shown = discovery.discover(ctx, organic)  # non-followers of discovery feeds
        if len(shown):
            organic_exp = Exposures.concat([organic_exp, shown])
        batches.append(community.community_day(ctx))
        self._engage(organic_exp, organic)
        self._engage(Exposures.concat(batches))
        search.search_day(ctx)
        if ctx.retail is not None:
            ctx.retail.before_purchases()
        purchases.purchase_day(ctx, self.conversion)
        if ctx.retail is not None:
            ctx.retail.after_purchases(ctx.day)
        for desk in ctx.formats.values():  # live sessions, group buying, assists
            desk.day(ctx)
        churn.churn(ctx.population, ctx.beh, ctx.rng, gamification.retention(ctx))
        crisis.repair_opinions(ctx)
        crisis.watch_sentiment(ctx)

    def _morning(self) -> None:
        """Fatigue decays; social proof, saturations and festival flags for today."""
        ctx = self.ctx
        ctx.awareness.morning(ctx, ctx.population.fatigue)  # and fatigue × fatigue_decay
        self.social_proof.update(ctx.population, ctx.state)
        if ctx.retailers:
            ctx.state.festival = np.array([ctx.day in r.cfg.festival_days for r in ctx.retailers])

    def _retailers_act(self) -> None:
        """Retailers decide; their community switches and crisis damping enter the day state."""
        ctx = self.ctx
        if not ctx.retailers:
            return
        # in the agent set's order (the retailers were created in ctx.retailers' order and are
        # never removed), without AgentSet.do's per-call machinery
        for r in ctx.retailers:
            r.act(ctx)
        for r in ctx.retailers:
            ctx.state.community_active[r.index] = r.community_open
            ctx.state.negative_damping[r.index] = r.negative_damping

    def _organic_delivery(self) -> OrganicDelivery:
        if self._organic is None:
            creators = [inf for cs in self.ctx.creators_by_tier.values() for inf in cs]
            self._organic = OrganicDelivery(creators, self.ctx.population)
        return self._organic

    def _engage(self, exp: Exposures, organic: list | None = None) -> None:
        """Response; spill-over for tomorrow; the traffic-pool boost of creators' posts in
        ``organic`` and the response to it; then tomorrow's shares."""
        ctx = self.ctx
        exp = platform_funnel.view(ctx, exp)
        res = self._respond(exp)
        sharers, shared = res.sharers, res.shared
        # engaged views of negative posts (engaged views less the click candidates) are all
        # spill_over spills; without any it returns an empty batch and draws nothing
        ctx.state.pending.append(crisis.spill_over(ctx, exp, res.engaged)
                                 if res.n_engaged > res.n_candidates else Exposures.empty())
        if organic:
            boosted = amplification.amplify(ctx, exp, res.engaged, organic)
            boosted = platform_funnel.view(ctx, boosted)
            if len(boosted):
                res2 = self._respond(boosted)
                if len(res2.sharers):  # (joining nothing would only copy)
                    sharers = np.concatenate([sharers, res2.sharers])
                    shared = np.concatenate([shared, res2.shared])
        sharing.queue_shares(ctx, sharers, shared)

    def _respond(self, exp: Exposures) -> response.ResponseResult:
        """Response to today's views ``exp``, then the brand memory and the funnel's clicks."""
        # = response.respond, ctx.awareness.remember and platform_funnel.after_response
        return response.respond_and_remember(self.ctx, exp)

    # ------------------------------------------------------------- world API
    def use_graph(self, graph: SocialGraph | None) -> None:
        """Use ``graph`` from the next day on (social proof is recomputed on it)."""
        self.ctx.graph = graph
        if self.social_proof is not None:
            self.social_proof.use_graph(graph)

    def revise(self, config: Scenario) -> None:
        """Follow the revised scenario ``config`` from the next day on: the run then equals
        one whose scenario had these values from that day (:mod:`sim.engine.revision`).

        Raises:
            ScenarioError: ``config`` changes a field that cannot change mid-run, or the
                ties of a graph handed to the model.
        """
        old = self.config
        revision.check_revision(old, config)
        rewired = config.graph != old.graph
        if rewired and self._given_graph:
            raise ScenarioError("graph: the ties of a graph given to the model cannot be re-drawn")
        ties = draw_ties(config, self.seed, self.population.circle) if rewired else None
        self.config = config
        if rewired:
            self.use_graph(ties)  # same graph stream as the build; social proof recomputed
        revision.replan_retailers(self.retailers, config, self.money_scale)

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

    def consumer(self, row: int) -> Consumer:
        """A (cached) :class:`Consumer` agent viewing population row ``row``."""
        if row not in self._consumer_views:
            self._consumer_views[row] = Consumer(self, row)
        return self._consumer_views[row]

    def circle_members(self, circle: int) -> np.ndarray:
        """Consumer rows in ``circle``."""
        return self.ctx.circle_members(circle)

    def spend_by_channel(self) -> dict[str, float]:
        """Yuan booked per spend channel over all retailers."""
        return self.ctx.ledger.spend_by_channel()

    # ------------------------------------------------------- read-only views
    @property
    def day(self) -> int:
        """The current day (1 on the first step)."""
        return self.steps

    config = property(lambda self: self.ctx.config, lambda self, v: setattr(self.ctx, "config", v),
                      doc="The live scenario (replace it to change coefficients from the next day).")
    graph = property(lambda self: self.ctx.graph, lambda self, g: self.use_graph(g),
                     doc="The social graph (assigning it calls :meth:`use_graph`).")

    @property
    def beh(self) -> BehaviourSection:
        return self.ctx.config.behaviour

    @beh.setter
    def beh(self, value: BehaviourSection) -> None:
        self.ctx.config = self.ctx.config.model_copy(update={"behaviour": value})

    mode = property(lambda self: self.ctx.config.run.mode)
    days = property(lambda self: self.ctx.config.run.days)
    world = property(lambda self: self.ctx.world)
    population = property(lambda self: self.ctx.population)
    posts = property(lambda self: self.ctx.posts)
    ledger = property(lambda self: self.ctx.ledger)
    metrics = property(lambda self: self.ctx.metrics)
    state = property(lambda self: self.ctx.state)
    platforms = property(lambda self: self.ctx.platforms)
    platform_by_name = property(lambda self: self.ctx.platform_by_name)
    retailers = property(lambda self: self.ctx.retailers)
    influencers_by_tier = property(lambda self: self.ctx.creators_by_tier)
    channels = property(lambda self: self.ctx.channels.names)
    channel_code = property(lambda self: self.ctx.code)
    spend_channels = property(lambda self: self.ctx.channels.spend)
    n_tiers = property(lambda self: len(self.ctx.channels.tiers))
    money_scale = property(lambda self: self.ctx.money_scale)
    dyn_rng = property(lambda self: self.ctx.rng)
    agent_rng = property(lambda self: self.ctx.agent_rng)
    degree = property(lambda self: self.ctx.graph.degree if self.ctx.graph is not None else None)
    conversion = property(lambda self: np.array([p.cfg.conversion_multiplier
                                                 for p in self.ctx.platforms]))
    pending = property(lambda self: self.ctx.state.pending)
    community_active = property(lambda self: self.ctx.state.community_active)
    retail = property(lambda self: self.ctx.retail)
    negative_damping = property(lambda self: self.ctx.state.negative_damping)
    atm = property(lambda self: self.ctx.state.atmosphere)
    saturation = property(lambda self: self.ctx.state.saturation)
