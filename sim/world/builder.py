"""The world of a run, built once from a scenario and a seed and shared by runs that agree on it.

A :class:`World` is what does not change while a campaign runs: the social graph, the consumers'
fixed attributes (segment, circle, need, susceptibility, activity, platform attention, price
sensitivity), and the creators (tier, home circle, followers). The model
(:class:`sim.engine.model.SocialCommerceModel`) takes a world and adds the dynamic state on top
(funnel stages, orders, posts, budgets), so runs that share a world share one build.

Random streams. ``np.random.default_rng(seed).spawn(4)`` gives four independent streams: graph,
population, agents, dynamics. The builder uses the first two and draws the creators from the
third; the world keeps the agents' stream as it stands after the creators, and every model
built on the world continues from a copy of it. The fourth stream belongs to the model.
A model built on a cached world is therefore bit-identical to one that built its own.

Which keys make the world (:func:`world_key`): the seed; ``run.consumers`` (unless the graph
is an edge list or given, whose node count sets it); whether ``run.mode`` is ``full`` (only
the full model has creators); every ``[population]`` key; every ``[graph]`` key (an edge list
by its path, size and modification time); the platforms' names, order and ``attention``
(consumers' attention shares are drawn from them); and, in full mode, each influencer tier's
name, order, ``count``, ``followers_share``, ``circle_focus``, ``followers_tail`` and
``followers_range``, and a roster's file version and
``roster_audience_share`` (not ``book``: every booking of a pick shares one world). Nothing else: budgets,
behaviour coefficients, retailers, shocks, other platform and tier keys, ``run.days`` and
``reference`` can change between runs that share a world.

Deferred draws: in the reference modes the world draws the consumers' attributes and an edge
list's tie trust and strong flags only if something reads them (:mod:`sim.world.deferred`);
the reference rules never do, so an extra replication on a fixed edge list skips them. The
values, when read, are those of an eager build.

Reuse (:func:`cached_world`): worlds live in a least-recently-used cache of at most
``SOCSIM_WORLD_CACHE`` worlds per process (default 4; 0 switches reuse off) holding at most
``SOCSIM_WORLD_CACHE_MB`` megabytes of arrays together (default 1024; a larger world is used
but not kept). The arrays a world holds are read-only, so a run cannot change the next
run's world by accident; each run gets fresh dynamic arrays (:meth:`World.population`).
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp

from sim.config.roster import RosterCreator, scenario_roster
from sim.config.scenario import Scenario
from sim.kernels.arrayops import sorted_unique
from sim.kernels.csr import group_order
from sim.kernels.sampling import creator_followers
from sim.kernels.incremental import AttentionSampler
from sim.world.graph import SocialGraph, build_graph, edgelist_identity, edgelist_size, from_networkx
from sim.world.population import DeferredPopulation, Population, build_population
from sim.world.roster_seats import roster_seats

STATIC_FIELDS = ("segment", "circle", "need", "susceptibility", "activity", "attention",
                 "price_sensitivity")
"""Population fields that belong to the world (the rest is dynamic, per run)."""


@dataclass(frozen=True)
class CreatorSeat:
    """A creator's place in the world: its tier, home circle and followers (int64 rows,
    sorted, read-only); ``roster`` is the roster row of a real creator (None if generated)."""

    tier: str
    home_circle: int
    followers: np.ndarray
    roster: RosterCreator | None = None


@dataclass
class World:
    """Graph, consumers' fixed attributes and creators of one scenario and seed.

    Attributes:
        seed: the seed it was built from.
        graph: the social graph (None: well mixed).
        circles: number of interest circles (``circle_order`` and ``circle_starts``, the
            consumers sorted by circle, are computed on first use).
        creators: per tier (in scenario order), the creators' seats.
        follower_blocks: per tier drawn in one block, all its seats' followers in one
            read-only array and their offsets (the seats' arrays are slices of it).
    """

    seed: int
    graph: SocialGraph | None
    template: Population  # static attributes; no retailer columns
    circles: int  # number of interest circles
    creators: dict[str, list[CreatorSeat]]
    agent_stream: np.random.Generator  # the agents' stream after the creators were drawn
    _circles: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _adjacency: sp.csr_matrix | None = field(default=None, repr=False)
    _sampler: AttentionSampler | None = field(default=None, repr=False)
    follower_blocks: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict,
                                                                      repr=False)
    """Per generated tier drawn in one block: (followers of all its creators one after
    another, offsets), read-only; seat c's followers are ``flat[offsets[c]:offsets[c + 1]]``
    (the same array). Tiers drawn otherwise (a roster, beyond 32-bit rows) are absent."""

    @property
    def n(self) -> int:
        """Number of consumers."""
        return self.template.n

    def population(self, n_retailers: int) -> Population:
        """A population on this world: the static attributes shared, fresh dynamic arrays
        (N × ``n_retailers``)."""
        if isinstance(self.template, DeferredPopulation):
            return self.template.with_retailers(n_retailers)
        return dataclasses.replace(self.template, n_retailers=n_retailers)

    @property
    def circle_order(self) -> np.ndarray:
        """Consumer rows sorted by circle (stable), int64, read-only."""
        return self._circle_index()[0]

    @property
    def circle_starts(self) -> np.ndarray:
        """Where each circle starts in ``circle_order`` (C + 1 entries), read-only."""
        return self._circle_index()[1]

    def _circle_index(self) -> tuple[np.ndarray, np.ndarray]:
        if self._circles is None:
            # the stable argsort by circle and each circle's start, by a counting sort
            order, starts = group_order(self.template.circle, self.circles)
            order.flags.writeable = starts.flags.writeable = False
            self._circles = (order, starts)
        return self._circles

    def agent_rng(self) -> np.random.Generator:
        """A copy of the agents' stream as it stood after the creators were drawn."""
        return copy_stream(self.agent_stream)

    def circle_members(self, circle: int) -> np.ndarray:
        """Consumer rows in ``circle``."""
        return self.circle_order[self.circle_starts[circle]:self.circle_starts[circle + 1]]

    @property
    def adjacency(self) -> sp.csr_matrix | None:
        """The unweighted adjacency matrix of the graph (built once; None without a graph)."""
        if self._adjacency is None and self.graph is not None:
            self._adjacency = self.graph.adjacency()
        return self._adjacency

    @property
    def sampler(self) -> AttentionSampler:
        """Draws consumers ∝ platform attention × activity (its pools are cached per world)."""
        if self._sampler is None:
            self._sampler = AttentionSampler(self.template.attention, self.template.activity,
                                             self._circle_index)
        return self._sampler

    def nbytes(self) -> int:
        """Approximate memory held by the world's arrays, bytes."""
        drawn = vars(self.template)  # a deferred world counts what it has drawn so far
        total = sum(drawn[f].nbytes for f in STATIC_FIELDS if f in drawn)
        total += sum(a.nbytes for a in self._circles or ())
        if self.graph is not None:
            ties = vars(self.graph)
            total += sum(ties[f].nbytes for f in ("indptr", "indices", "trust", "strong")
                         if f in ties)
        blocks = self.follower_blocks  # a block's seats hold slices of its arrays
        total += sum(flat.nbytes + offsets.nbytes for flat, offsets in blocks.values())
        return total + sum(s.followers.nbytes for tier, seats in self.creators.items()
                           if tier not in blocks for s in seats)


def copy_stream(rng: np.random.Generator) -> np.random.Generator:
    """An independent copy of ``rng``: the same bit-generator state (so the same draws) and an
    equal seed sequence (so the same children when spawned), as ``copy.deepcopy`` gives, in
    about a fifth of its time (no pickling round trip)."""
    bits = rng.bit_generator
    seq = bits.seed_seq
    if not isinstance(seq, np.random.SeedSequence):
        return copy.deepcopy(rng)
    twin = np.random.SeedSequence(seq.entropy, spawn_key=seq.spawn_key, pool_size=seq.pool_size,
                                  n_children_spawned=seq.n_children_spawned)
    copied = type(bits)(twin)
    copied.state = bits.state
    return np.random.Generator(copied)


def consumer_count(config: Scenario, graph: nx.Graph | SocialGraph | None = None) -> int:
    """Consumers of the world: the given graph's or edge list's node count, else
    ``run.consumers``."""
    if isinstance(graph, nx.Graph):
        return graph.number_of_nodes()
    if isinstance(graph, SocialGraph):
        return graph.n
    if config.graph.kind == "edgelist":
        assert config.graph.path is not None
        return edgelist_size(config.graph.path)
    return config.run.consumers


def build_world(config: Scenario, seed: int, graph: nx.Graph | SocialGraph | None = None,
                deferred: bool | None = None) -> World:
    """Build the world of ``config`` under ``seed`` (see the module docstring).

    ``graph``: an optional networkx graph or :class:`SocialGraph` used instead of generating
    one (its node count sets the number of consumers). ``deferred`` (default: in the reference
    modes): the consumers' attributes and an edge list's tie trust are drawn on first read
    (:mod:`sim.world.deferred`; same values, so the same results).
    """
    # the first three of np.random.default_rng(seed).spawn(4) (the fourth is the model's)
    graph_rng, pop_rng, agent_rng = (np.random.Generator(np.random.PCG64(s))
                                     for s in np.random.SeedSequence(seed).spawn(4)[:3])
    n = consumer_count(config, graph)
    full = config.run.mode == "full"
    lean = not full if deferred is None else deferred
    weights = np.array([p.attention for p in config.platforms.values()])
    template = build_population(config.population, n, len(weights), weights, 0, pop_rng,
                                deferred=lean)
    if isinstance(graph, nx.Graph):
        social = from_networkx(graph, config.graph, graph_rng)
    elif isinstance(graph, SocialGraph):
        social = graph
    else:
        circle = template.circle if config.graph.kind == "circles" else np.zeros(n, np.int32)
        social = build_graph(config.graph, circle, graph_rng, deferred=lean)
    world = World(seed, social, template, config.population.circles, {}, agent_rng)
    if full:
        world.creators = draw_creators(config, world.circle_order, world.circle_starts, n,
                                       agent_rng, world.follower_blocks)
    _freeze(world)
    return world


def draw_ties(config: Scenario, seed: int, circle: np.ndarray) -> SocialGraph | None:
    """The ties :func:`build_world` draws for ``config`` under ``seed`` (from the same graph
    stream), for consumers in ``circle``; a run revised mid-way re-draws its ties with this."""
    graph_rng = np.random.default_rng(seed).spawn(4)[0]
    return build_graph(config.graph, circle, graph_rng)


def draw_creators(config: Scenario, order: np.ndarray, starts: np.ndarray, n: int,
                  rng: np.random.Generator,
                  blocks: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
                  ) -> dict[str, list[CreatorSeat]]:
    """Each tier's creators: a home circle ∝ circle size, ``followers_share · n`` followers
    (on average: :func:`follower_counts`, power-law spread with ``followers_tail``) of
    whom a share ``circle_focus`` come from the home circle (without repeats), the rest
    uniformly from everyone. Tiers in scenario order, creators one after another. Tiers a
    roster fills (``[influencers] roster``) take its creators instead
    (:func:`sim.world.roster_seats.roster_seats`).

    ``blocks``: when given, receives per tier drawn in one compiled call its followers' flat
    array (read-only; the seats hold slices of it) and offsets (:attr:`World.follower_blocks`)."""
    sizes = np.diff(starts).astype(float)
    # the draw rng.choice(len(sizes), p=sizes / sizes.sum()) makes, without its validation
    cdf = (sizes / sizes.sum()).cumsum()
    cdf /= cdf[-1]
    out: dict[str, list[CreatorSeat]] = {}
    roster = _roster_seats(config, order, starts, n, rng)
    for tier, cfg in config.influencers.items():
        if tier in roster:
            out[tier] = roster[tier]
            continue
        sizes_k = follower_counts(cfg.followers_share * n, cfg.count, cfg.followers_tail,
                                  cfg.followers_range, n, rng)
        wants = [int(round(k * cfg.circle_focus)) for k in sizes_k]
        if 1 <= n < 2**32 - 1:  # one compiled call per tier, the same draws (sim.kernels.sampling)
            homes, flat, offsets = creator_followers(rng, cdf, order, starts, n,
                                                     np.array(sizes_k, dtype=np.int64),
                                                     np.array(wants, dtype=np.int64))
            flat.flags.writeable = False  # (its slices, the seats' followers, are read-only)
            offsets.flags.writeable = False
            if blocks is not None:
                blocks[tier] = (flat, offsets)
            bounds = offsets.tolist()
            out[tier] = [CreatorSeat(tier, home, flat[bounds[c]:bounds[c + 1]])
                         for c, home in enumerate(homes.tolist())]
            continue
        out[tier] = [CreatorSeat(tier, *numpy_seat(rng, cdf, order, starts, n, k, want))
                     for k, want in zip(sizes_k, wants)]
    return out


def numpy_seat(rng: np.random.Generator, cdf: np.ndarray, order: np.ndarray,
               starts: np.ndarray, n: int, k: int, want: int) -> tuple[int, np.ndarray]:
    """One creator's home circle and followers, drawn with numpy: the home circle from the
    circle-size ``cdf``, ``min(want, circle size)`` distinct followers inside it (``order``
    sorted by circle, ``starts`` its offsets) and the other ``k − k_in`` uniformly among the
    ``n`` consumers. Returns (home, sorted distinct follower rows). The compiled
    :func:`sim.kernels.sampling.creator_followers` makes the same draws; this path serves
    populations beyond its 32-bit range."""
    home = int(cdf.searchsorted(rng.random(), side="right"))
    members = order[starts[home]:starts[home + 1]]
    k_in = min(len(members), want)
    inside = rng.choice(members, size=k_in, replace=False)
    outside = rng.integers(0, n, size=k - k_in)
    return home, sorted_unique(np.concatenate([inside, outside])).astype(np.int64)


def follower_counts(mean: float, count: int, tail: float, spread: float, n: int,
                    rng: np.random.Generator) -> list[int]:
    """Follower counts of a tier's ``count`` creators whose mean is ``mean`` followers.

    ``tail`` 0: every creator has ``round(mean)`` (at least 1), without a random draw. ``tail``
    α > 0: a bounded power law (Pareto) — ``x = (1 − u·(1 − spread^−α))^(−1/α)`` for uniform
    ``u``, so ``P(x > t) ∝ t^−α`` on ``[1, spread]`` — rescaled by the draws' mean so the tier
    keeps ``mean · count`` followers in all (a few creators hold most of them, most hold
    little); each count rounded, at least 1 and at most ``n``."""
    if tail <= 0.0 or count == 0:
        return [max(1, int(round(mean)))] * count
    u = rng.random(count)
    x = (1.0 - u * (1.0 - spread ** -tail)) ** (-1.0 / tail)
    k = np.rint(mean * x / x.mean()).astype(np.int64)
    return np.clip(k, 1, n).tolist()


def _roster_seats(config: Scenario, order: np.ndarray, starts: np.ndarray, n: int,
                  rng: np.random.Generator) -> dict[str, list[CreatorSeat]]:
    """Seats of the roster's creators per tier ({} without a roster; RosterError if bad)."""
    roster = scenario_roster(config)
    if roster is None:
        return {}
    assert config.roster is not None
    focus = {t: c.circle_focus for t, c in config.influencers.items()}
    seats = roster_seats(roster, config.roster.audience_share, n,
                         config.run.reference_consumers, focus, order, starts, rng)
    return {tier: [CreatorSeat(tier, home, followers, c) for c, home, followers in rows]
            for tier, rows in seats.items()}


def _freeze(world: World) -> None:
    """Make the world's arrays read-only (runs share them)."""
    drawn = vars(world.template)  # deferred arrays are frozen when drawn
    arrays = [drawn[f] for f in STATIC_FIELDS if f in drawn]
    arrays += [s.followers for tier, seats in world.creators.items()
               if tier not in world.follower_blocks for s in seats]  # blocks: read-only
    for a in arrays:
        a.flags.writeable = False


# ------------------------------------------------------------------------- reuse
def world_key(config: Scenario, seed: int) -> tuple:
    """What determines the world of ``config`` under ``seed`` (see the module docstring)."""
    graph = config.graph.model_dump(mode="json", exclude={"path"})
    path = config.graph.path
    source = edgelist_identity(Path(path)) if config.graph.kind == "edgelist" and path else None
    full = config.run.mode == "full"
    tiers = tuple((t, c.count, c.followers_share, c.circle_focus, c.followers_tail,
                   c.followers_range)
                  for t, c in config.influencers.items()) if full else ()
    roster = config.roster
    if full and roster is not None:  # the file's version and its audience share, not `book`
        path = Path(roster.path)
        stat = (path.stat().st_mtime_ns, path.stat().st_size) if path.is_file() else None
        tiers += ((str(path), stat, roster.audience_share, config.run.reference_consumers),)
    return (
        int(seed), None if source else config.run.consumers, full,
        config.population.model_dump_json(), repr(sorted(graph.items())), source,
        tuple((name, p.attention) for name, p in config.platforms.items()), tiers,
    )


class WorldCache:
    """A least-recently-used cache of worlds (see the module docstring for its bounds)."""

    def __init__(self, size: int | None = None, max_mb: float | None = None) -> None:
        self.size = int(os.environ.get("SOCSIM_WORLD_CACHE", 4)) if size is None else size
        mb = float(os.environ.get("SOCSIM_WORLD_CACHE_MB", 1024)) if max_mb is None else max_mb
        self.max_bytes = int(mb * 2**20)
        self._worlds: OrderedDict[tuple, World] = OrderedDict()
        self._bytes: dict[tuple, int] = {}
        self.builds = 0  # worlds built through this cache (for tests and benchmarks)

    def get(self, config: Scenario, seed: int) -> World:
        """The world of ``config`` under ``seed``: from the cache, else built (and kept)."""
        if self.size <= 0:
            self.builds += 1
            return build_world(config, seed)
        key = world_key(config, seed)
        world = self._worlds.get(key)
        if world is not None:
            self._worlds.move_to_end(key)
            return world
        world = build_world(config, seed)
        self.builds += 1
        size = world.nbytes()
        if size <= self.max_bytes:
            self._worlds[key], self._bytes[key] = world, size
            while len(self._worlds) > self.size or self.nbytes() > self.max_bytes:
                old, _ = self._worlds.popitem(last=False)
                del self._bytes[old]
        return world

    def nbytes(self) -> int:
        """Bytes of arrays held by the cached worlds."""
        return sum(self._bytes.values())

    def clear(self) -> None:
        self._worlds.clear()
        self._bytes.clear()

    def __len__(self) -> int:
        return len(self._worlds)


WORLDS = WorldCache()
"""The process-wide world cache."""


def cached_world(config: Scenario, seed: int) -> World:
    """The world of ``config`` under ``seed`` from the process-wide cache (:data:`WORLDS`)."""
    return WORLDS.get(config, seed)


__all__ = ["CreatorSeat", "World", "WorldCache", "WORLDS", "build_world", "cached_world",
           "copy_stream", "consumer_count", "draw_creators", "follower_counts", "world_key"]
