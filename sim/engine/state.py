"""What the day's mechanisms read and write: the day state and the run context.

* :class:`DayState` is the state of the market that lives from one phase (or one day) to the
  next outside the consumers' rows: social proof (atmosphere), circle saturation, negative
  saturation, each retailer's negative-content damping and community switch, today's festival
  flags, and the exposure queues (``today``: delivered later today; ``pending``: tomorrow).
* :class:`SocialProof` keeps the atmosphere and saturations up to date incrementally; it is
  rebuilt when the graph changes (:meth:`SocialProof.use_graph`).
* :class:`Context` bundles what a mechanism works on: the live scenario (``beh`` is read from
  it on every use, so a coefficient changed between days acts from the next day), the world,
  the consumers, the post log, the channels, the platforms, the random streams, the day state,
  the ledger and the metrics book. Mechanisms take a context, never the Mesa model; the model
  owns one and runs the day's phases over it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.config.channels import channel_names, paid_channel_names
from sim.config.scenario import BehaviourSection, Scenario
from sim.engine.agents.influencer import CommissionBook
from sim.engine.awareness import AwarenessMemory
from sim.engine.diffusion import atmosphere
from sim.engine.ledger import Ledger
from sim.engine.metrics import MetricsBook
from sim.engine.platform_funnel import FunnelBook
from sim.engine.response import ResponsePass
from sim.kernels.incremental import CircleShare, NeighbourShare
from sim.world.content import PostLog
from sim.world.graph import SocialGraph
from sim.world.platforms import Platform
from sim.world.population import AWARE, INTERESTED, Population

if TYPE_CHECKING:
    from sim.engine.agents import Influencer, Retailer
    from sim.engine.retail import RetailSystems
    from sim.world.builder import World

@dataclass(frozen=True)
class Channels:
    """The run's channels in channel-code order (:mod:`sim.config.channels`): creator tiers,
    ads, community, coupons, then the organic channels, then the channels of the commerce
    ``formats`` the scenario uses (``live``). ``spend`` lists the channels money is booked on."""

    tiers: tuple[str, ...]
    formats: tuple[str, ...] = ()

    @cached_property
    def names(self) -> list[str]:
        return channel_names(self.tiers, self.formats)

    @cached_property
    def code(self) -> dict[str, int]:
        return {ch: i for i, ch in enumerate(self.names)}

    @cached_property
    def spend(self) -> list[str]:
        return paid_channel_names(self.tiers, self.formats)


@dataclass
class DayState:
    """Market state between phases (shapes: N consumers, C circles, R retailers).

    Attributes:
        day: the current day (1 on the first step).
        atmosphere: N×R engaged share of each consumer's ties (0–1), at the start of the day.
        saturation: C×R share of each circle aware of each retailer (0–1).
        negative_saturation: C×R share of each circle holding a negative opinion (0–1).
        negative_damping: R multipliers on engagement with negative posts (0–1; a retailer's
            crisis response lowers its own).
        community_active: R bool, the retailer's community runs today.
        festival: R bool, today is a festival day of the retailer.
        today: exposure batches delivered later today.
        pending: exposure batches delivered tomorrow.
    """

    atmosphere: np.ndarray
    saturation: np.ndarray
    negative_saturation: np.ndarray
    negative_damping: np.ndarray
    community_active: np.ndarray
    festival: np.ndarray
    day: int = 0
    today: list = field(default_factory=list)
    pending: list = field(default_factory=list)

    @classmethod
    def start(cls, n: int, circles: int, n_retailers: int) -> "DayState":
        """The state before day 1: nobody engaged, nothing queued."""
        return cls(atmosphere=np.zeros((n, n_retailers), dtype=np.float32),
                   saturation=np.zeros((circles, n_retailers)),
                   negative_saturation=np.zeros((circles, n_retailers)),
                   negative_damping=np.ones(n_retailers),
                   community_active=np.zeros(n_retailers, dtype=bool),
                   festival=np.zeros(n_retailers, dtype=bool))


class SocialProof:
    """Brings the atmosphere and the (negative) saturations up to date from the funnel stages,
    incrementally (the same values as a full recomputation)."""

    def __init__(self, graph: SocialGraph | None, circle: np.ndarray, circles: int,
                 n_retailers: int, adjacency=None) -> None:
        self.n_retailers = n_retailers
        self._aware = CircleShare(circle, circles, n_retailers)
        self._negative = CircleShare(circle, circles, n_retailers)
        self.use_graph(graph, adjacency)

    def use_graph(self, graph: SocialGraph | None, adjacency=None) -> None:
        """Follow ``graph`` from the next update on (its tracker starts from scratch)."""
        self.graph = graph
        self.adjacency = adjacency if adjacency is not None or graph is None else graph.adjacency()
        self._ties = NeighbourShare(graph, self.n_retailers) if graph is not None else None

    def update(self, pop: Population, state: DayState) -> None:
        """Set ``state``'s atmosphere and saturations from today's stages and opinions."""
        if self._ties is None:
            degree = self.graph.degree if self.graph is not None else None
            state.atmosphere = atmosphere(self.adjacency, pop.stage >= INTERESTED, degree)
        else:
            state.atmosphere = self._ties.update(pop.stage, INTERESTED)
        state.saturation = self._aware.update(pop.stage, AWARE)
        state.negative_saturation = self._negative.update(pop.negative)


@dataclass
class Context:
    """What the day's mechanisms work on (see the module docstring)."""

    config: Scenario
    world: World
    population: Population
    graph: SocialGraph | None
    channels: Channels
    platforms: list[Platform]
    rng: np.random.Generator  # the dynamics stream
    agent_rng: np.random.Generator  # the agents' stream (commissioning)
    state: DayState
    ledger: Ledger
    metrics: MetricsBook
    money_scale: float
    response_pass: ResponsePass
    posts: PostLog = field(default_factory=PostLog)
    retailers: list[Retailer] = field(default_factory=list)
    creators_by_tier: dict[str, list[Influencer]] = field(default_factory=dict)
    funnel: FunnelBook | None = None
    awareness: AwarenessMemory | None = None
    retail: RetailSystems | None = None  # stores, distributors, membership (sim.engine.retail)
    formats: dict[str, Any] = field(default_factory=dict)  # format name -> its desk (live, ...)
    # creators' posts commissioned today, published at once in the publishing phase
    commissions: CommissionBook = field(default_factory=CommissionBook)

    @property
    def beh(self) -> BehaviourSection:
        """The live behaviour coefficients (read at every use)."""
        return self.config.behaviour

    def _homogeneity(self, beh: BehaviourSection) -> list[float]:
        """``beh.homogeneity`` (fatigue per exposure by kind code) as Python floats, kept
        while ``beh.kind_homogeneity`` is the same mapping object (a revised scenario or an
        assignment gives a new one); every post published reads it."""
        table = beh.kind_homogeneity
        cached = self.__dict__.get("_homogeneity_cache")
        if cached is None or cached[0] is not table:
            cached = self.__dict__["_homogeneity_cache"] = (table, beh.homogeneity.tolist())
        return cached[1]

    @property
    def mode(self) -> str:
        return self.config.run.mode

    @property
    def day(self) -> int:
        return self.state.day

    @property
    def code(self) -> dict[str, int]:
        """Channel name -> channel code."""
        return self.channels.code

    @property
    def platform_by_name(self) -> dict[str, Platform]:
        """Platform name -> platform, built once per platform list (and rebuilt when
        ``platforms`` is replaced or changes length)."""
        platforms = self.platforms
        cached = self.__dict__.get("_platform_by_name")
        if cached is None or cached[0] is not platforms or cached[1] != len(platforms):
            cached = self.__dict__["_platform_by_name"] = (
                platforms, len(platforms), {p.name: p for p in platforms})
        return cached[2]

    def circle_members(self, circle: int) -> np.ndarray:
        """Consumer rows in ``circle``."""
        return self.world.circle_members(circle)

    def publish(self, *, retailer: int, platform: int, channel: int, kind: int, circle: int,
                credibility: float, b0: float, author: int, negative: bool = False,
                reused: bool = False, framed: bool = False) -> int:
        """Add one post to the log; returns its id.

        ``reused``: near-duplicate copy, whose exposures add ``behaviour.reuse_fatigue`` to the
        kind's fatigue; ``framed``: guanxi framing (sharing over strong ties × guanxi_boost).
        """
        beh = self.config.behaviour
        homogeneity = (self._homogeneity(beh)[kind] + (beh.reuse_fatigue if reused else 0.0))
        return self.posts.append(retailer, platform, channel, kind, circle, credibility, b0,
                                 negative, author, self.state.day, homogeneity, framed, reused)


__all__ = ["Channels", "Context", "DayState", "SocialProof"]
