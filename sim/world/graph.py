"""Social-graph generators and loaders, all returning a symmetric CSR :class:`SocialGraph`.

The default generator (``circles``) is a degree-corrected planted partition: each consumer has
a power-law expected degree, a share ``1 - mixing`` of its ties goes to its own interest circle
(circle culture's structural side) and the rest anywhere. It is sampled with vectorised numpy in
O(edges), never through an O(n²) generator or a per-edge Python loop. ``erdos_renyi`` is sampled
the same way; ``barabasi_albert`` and ``watts_strogatz`` come from networkx (seeded from the
model's rng); ``edgelist`` reads a node-pair file strictly (:func:`read_edgelist`).
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp

from sim.kernels.csr import (add_ties, flags_below, group_order, guide_table, pick_pairs,
                             SMALL_PICK, symmetric_csr, symmetric_csr_with, take, tie_trust,
                             unique_pairs, unique_ties)
from sim.config.scenario import GraphSection, Scenario
from sim.world.deferred import LATER, Deferred, DeferredField


@dataclass(frozen=True)
class SocialGraph:
    """Undirected graph as symmetric CSR. ``trust`` and ``strong`` align with ``indices``."""

    indptr: np.ndarray  # int64, length n + 1
    indices: np.ndarray  # int32, neighbour ids
    trust: np.ndarray  # float32 in 0–1, per directed entry (symmetric)
    strong: np.ndarray  # bool, strong tie (family / close friends)

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    @cached_property
    def degree(self) -> np.ndarray:
        """Ties per node (computed once and read-only: the graph is immutable)."""
        degree = np.diff(self.indptr)
        degree.flags.writeable = False
        return degree

    @property
    def edges(self) -> int:
        """Number of undirected edges."""
        return len(self.indices) // 2

    def adjacency(self) -> sp.csr_matrix:
        """Unweighted adjacency matrix (float32) sharing the index arrays."""
        data = np.ones(len(self.indices), dtype=np.float32)
        return sp.csr_matrix((data, self.indices, self.indptr), shape=(self.n, self.n))

    def to_networkx(self) -> nx.Graph:
        """A networkx copy (for drawing and analysis of small graphs)."""
        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        src = np.repeat(np.arange(self.n), self.degree)
        mask = src < self.indices
        g.add_edges_from(zip(src[mask].tolist(), self.indices[mask].tolist()))
        return g


@dataclass(frozen=True)
class TieStructure:
    """The distinct ties among raw node pairs, in CSR order, before any random draw.

    ``keep`` marks the raw pairs that are not self-loops; ``first[j]`` is the kept pair that
    gives tie ``j`` (ties sorted by (lo, hi), first occurrence kept); ``edge[q]`` is the tie of
    CSR entry ``q``.
    """

    n: int
    keep: np.ndarray
    first: np.ndarray
    lo: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    edge: np.ndarray


def tie_structure(n: int, u: np.ndarray, v: np.ndarray) -> TieStructure:
    """Deduplicate undirected pairs and lay them out as a symmetric CSR (compiled,
    O(pairs + n))."""
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    keep = u != v
    u, v = u[keep], v[keep]
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    lo, hi, first = unique_pairs(lo, hi, n)
    indptr, indices, edge = symmetric_csr(lo, hi, n)  # entries in (row, column) order
    return TieStructure(n, keep, first, lo, indptr, indices, edge)


def draw_ties(ties: TieStructure, strong: np.ndarray, cfg: GraphSection,
              rng: np.random.Generator) -> SocialGraph:
    """The graph on ``ties``: ``strong`` flags one per raw pair; trust drawn per tie."""
    strong = strong[ties.keep][ties.first]
    trust = _draw_trust(strong, cfg, rng)
    return SocialGraph(ties.indptr, ties.indices, trust[ties.edge], strong[ties.edge])


class DeferredGraph(SocialGraph):
    """A graph whose ties' trust and strong flags are drawn on first read
    (:mod:`sim.world.deferred`; same values as the eager build)."""

    trust = DeferredField()
    strong = DeferredField()

    @classmethod
    def on(cls, group: Deferred, indptr: np.ndarray, indices: np.ndarray) -> "DeferredGraph":
        graph = cls.__new__(cls)
        graph.__dict__["_deferred"] = group
        SocialGraph.__init__(graph, indptr, indices, LATER, LATER)
        return graph


def _edgelist_draws(ties: TieStructure, pairs: int, cfg: GraphSection,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The strong flags (one per raw pair) and trust of an edge list's ties, as
    :func:`draw_ties` draws them."""
    strong = rng.random(pairs) < cfg.strong_share
    graph = draw_ties(ties, strong, cfg, rng)
    return {"trust": graph.trust, "strong": graph.strong}


def _draw_trust(strong: np.ndarray, cfg: GraphSection, rng: np.random.Generator) -> np.ndarray:
    """Trust of each tie (float32, 0–1): normal around the strong or weak mean, clipped
    (one standard normal per tie from ``rng``, combined in one compiled pass,
    :func:`sim.kernels.csr.tie_trust`)."""
    z = rng.standard_normal(len(strong))
    return tie_trust(strong, z, cfg.trust_strong, cfg.trust_weak, cfg.trust_spread)


def _from_pairs(
    n: int, u: np.ndarray, v: np.ndarray, strong: np.ndarray, cfg: GraphSection,
    rng: np.random.Generator,
) -> SocialGraph:
    """Deduplicate undirected pairs, draw trust, and build the symmetric CSR."""
    return draw_ties(tie_structure(n, u, v), strong, cfg, rng)


def expected_degrees(n: int, cfg: GraphSection, rng: np.random.Generator) -> np.ndarray:
    """Power-law expected degrees with mean ``cfg.mean_degree``, capped at ``cfg.max_degree``."""
    a = cfg.degree_exponent - 1.0
    w = (1.0 - rng.random(n)) ** (-1.0 / a)  # Pareto with x_min = 1
    w = np.minimum(w, cfg.max_degree)
    return w * (cfg.mean_degree / w.mean())


def circle_graph(
    circle: np.ndarray, cfg: GraphSection, rng: np.random.Generator
) -> SocialGraph:
    """Degree-corrected planted partition over the consumers' circles (compiled, O(pairs + n)).

    Each pair's first endpoint is drawn ∝ expected degree among everyone; with probability
    ``1 − mixing`` its partner is drawn ∝ expected degree inside the first endpoint's circle,
    else among everyone (:func:`sim.kernels.csr.pick_pairs`). Pairs are drawn until
    ``n · mean_degree / 2`` distinct ties exist: hubs in small circles draw the same partner
    repeatedly, and those duplicates are replaced rather than lost. Scratch memory stays near
    25 bytes per pair (about 2 GB for 10 million consumers).
    """
    lo, hi, strong = _circle_ties(circle, cfg, rng)  # its scratch arrays are freed on return
    return _graph_on_ties(len(circle), lo, hi, strong, cfg, rng)


def _circle_ties(circle: np.ndarray, cfg: GraphSection,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The circle graph's distinct ties sorted by (lo, hi) and each tie's strong flag."""
    n = len(circle)
    w = expected_degrees(n, cfg, rng)
    m = int(round(n * cfg.mean_degree / 2))
    # order consumers by circle so that each circle is a contiguous block
    # (the stable argsort and its block starts, by a counting sort: sim.kernels.csr.group_order)
    order, starts = group_order(circle, int(circle.max()) + 1)
    cum = np.cumsum(w[order])
    del w
    # small graphs: finer slices (shorter scans) and int32 answers (all in cache)
    table = guide_table(cum, 2, np.int32) if n <= SMALL_PICK else guide_table(cum)

    def draw(count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        inside = rng.random(count) < 1.0 - cfg.mixing
        r1 = rng.random(count)  # first endpoint ∝ w anywhere
        r2 = rng.random(count)  # partner ∝ w, inside the circle or anywhere
        u, v = pick_pairs(cum, starts, order, inside, r1, r2, table)
        del r1, r2
        strong = flags_below(rng.random(count), inside, cfg.strong_share,
                             cfg.strong_share / cfg.strong_outside_divisor)
        return u, v, strong

    u, v, strong = draw(m)
    lo, hi, first = unique_ties(u, v, n)
    pairs = len(u)
    del u, v
    for _ in range(20):
        deficit = m - len(lo)
        if deficit <= max(1, m // 2000):
            break
        u2, v2, s2 = draw(int(deficit * 1.3) + 8)
        # the distinct ties of all pairs drawn so far, merging in only the new ones
        lo, hi, first = add_ties(lo, hi, first, u2, v2, n, pairs)
        pairs += len(u2)
        strong = np.concatenate([strong, s2])
    return lo, hi, take(strong, first)


def _graph_on_ties(n: int, lo: np.ndarray, hi: np.ndarray, strong: np.ndarray,
                   cfg: GraphSection, rng: np.random.Generator) -> SocialGraph:
    """The graph on distinct ties sorted by (lo, hi), one ``strong`` flag per tie; trust drawn
    per tie (:func:`_draw_trust`)."""
    trust = _draw_trust(strong, cfg, rng)
    # entries in (row, column) order, each tie's trust and flag written as it is placed
    indptr, indices, trust, strong = symmetric_csr_with(lo, hi, n, trust, strong)
    return SocialGraph(indptr, indices, trust, strong)


def erdos_renyi(n: int, cfg: GraphSection, rng: np.random.Generator) -> SocialGraph:
    """G(n, p) with p = mean_degree / (n - 1), sampled as uniform pairs in O(edges)."""
    pairs = n * (n - 1) // 2
    m = rng.binomial(pairs, min(1.0, cfg.mean_degree / max(n - 1, 1)))
    u = rng.integers(0, n, size=int(m * 1.02) + 16)
    v = rng.integers(0, n, size=len(u))
    keep = u != v
    lo, hi = np.minimum(u[keep], v[keep]), np.maximum(u[keep], v[keep])
    _, first = np.unique(lo * n + hi, return_index=True)
    first = np.sort(first)[:m]
    strong = rng.random(len(first)) < cfg.strong_share
    return _from_pairs(n, lo[first], hi[first], strong, cfg, rng)


def from_networkx(g: nx.Graph, cfg: GraphSection, rng: np.random.Generator) -> SocialGraph:
    """Convert any networkx graph (nodes relabelled 0..n-1 in iteration order)."""
    g = nx.convert_node_labels_to_integers(g)
    edges = np.array(list(g.edges()), dtype=np.int64).reshape(-1, 2)
    strong = rng.random(len(edges)) < cfg.strong_share
    return _from_pairs(g.number_of_nodes(), edges[:, 0], edges[:, 1], strong, cfg, rng)


class EdgeListError(ValueError):
    """An edge-list file that cannot be read; the message names the file and the line."""


_SEPARATORS = re.compile(r"[,\s]+")


def _edge_fields(line: str) -> list[str] | None:
    """The fields of one edge-list line; None for blank and comment lines."""
    text = line.split("#", 1)[0].strip()
    if not text or text.startswith("%"):
        return None
    return [f for f in _SEPARATORS.split(text) if f]


def _parse_edgelist(path: Path) -> tuple[int, np.ndarray, np.ndarray]:
    """Parse an edge list strictly; labels are remapped to 0..n-1 (sorted label order).

    Format: one tie per line, ``u v`` or ``u v weight``, separated by whitespace or commas
    (``1 2``, ``1,2``, ``1, 2, 0.5``); blank lines and lines starting with ``#`` or ``%`` are
    skipped, as is anything after a ``#``. The weight, if present, must be a finite number; it
    is checked but not used (tie trust comes from the scenario's ``graph`` section). Any other
    line raises :class:`EdgeListError` naming its line number; so do a file that is not UTF-8
    text, and a list with fewer than two nodes.
    """
    rows: list[tuple[str, str]] = []
    try:
        with open(path, encoding="utf-8", errors="strict") as fh:
            for number, line in enumerate(fh, start=1):
                fields = _edge_fields(line)
                if fields is None:
                    continue
                if len(fields) not in (2, 3) or "\x00" in line or (
                        len(fields) == 3 and not _is_weight(fields[2])):
                    raise EdgeListError(
                        f"{path}: line {number}: expected 'u v' or 'u v weight' (whitespace or "
                        f"comma separated, weight a number), got {line.strip()[:60]!r}")
                rows.append((fields[0], fields[1]))
    except UnicodeDecodeError as exc:
        raise EdgeListError(f"{path}: not a text edge list (undecodable byte at offset "
                            f"{exc.start})") from None
    except OSError as exc:
        raise EdgeListError(f"{path}: cannot read the edge list ({exc.strerror or exc})") from None
    if not rows:
        raise EdgeListError(f"{path}: the edge list has no edges")
    labels, inverse = np.unique(np.array(rows).ravel(), return_inverse=True)
    if len(labels) < 2:
        raise EdgeListError(f"{path}: the edge list has a single node ({labels[0]}); a graph "
                            "needs at least two")
    inverse = inverse.reshape(-1, 2)
    return len(labels), inverse[:, 0], inverse[:, 1]


def _is_weight(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def edgelist_identity(path: Path) -> tuple[str, int, int]:
    """(resolved path, size in bytes, modification time in ns): an edge list's cache key."""
    st = Path(path).stat()
    return str(Path(path).resolve()), st.st_size, st.st_mtime_ns


_EDGELISTS: OrderedDict[tuple, tuple[int, np.ndarray, np.ndarray, TieStructure]] = OrderedDict()
EDGELIST_CACHE = 2
"""Edge lists kept parsed per process (least recently used dropped first)."""


def _edgelist(path: Path) -> tuple[int, np.ndarray, np.ndarray, TieStructure]:
    """(nodes, u, v, tie structure) of an edge-list file, read once per process while its
    path, size and modification time stay the same."""
    key = edgelist_identity(path)
    hit = _EDGELISTS.get(key)
    if hit is None:
        n, u, v = _parse_edgelist(path)
        for a in (u, v):
            a.flags.writeable = False
        hit = (n, u, v, tie_structure(n, u, v))
        _EDGELISTS[key] = hit
        while len(_EDGELISTS) > EDGELIST_CACHE:
            _EDGELISTS.popitem(last=False)
    else:
        _EDGELISTS.move_to_end(key)
    return hit


def read_edgelist(path: Path) -> tuple[int, np.ndarray, np.ndarray]:
    """Read an edge list strictly (format: :func:`_parse_edgelist`); labels are remapped to
    0..n-1. Raises :class:`EdgeListError` naming the file (and the line) when it cannot.

    Parsed once per process per file version (see :func:`edgelist_identity`); the returned
    arrays are read-only.
    """
    try:
        return _edgelist(Path(path))[:3]
    except OSError as exc:
        raise EdgeListError(f"{path}: cannot read the edge list ({exc.strerror or exc})") from None


def edgelist_size(path: Path) -> int:
    """Number of distinct nodes in an edge-list file."""
    return read_edgelist(path)[0]


def fit_to_edgelist(scn: Scenario) -> tuple[Scenario, list[str]]:
    """A scenario whose ``run.consumers`` is its edge list's real node count, with creator
    counts scaled by the same factor (at least 1 per non-empty tier); and a note for each
    change. Other graph kinds come back unchanged. Raises :class:`EdgeListError` for a bad
    list and :class:`sim.config.scenario.ScenarioError` if the graph is too small for the schema.
    """
    if scn.graph.kind != "edgelist" or scn.graph.path is None:
        return scn, []
    n = edgelist_size(Path(scn.graph.path))
    asked = scn.run.consumers
    if n == asked:
        return scn, []
    changes: dict[str, object] = {"run.consumers": n}
    notes = [f"graph.path: the edge list has {n:,} nodes, so the run has {n:,} consumers "
             f"(run.consumers = {asked:,} is replaced)"]
    for name, tier in scn.influencers.items():
        if tier.count:
            scaled = max(1, round(tier.count * n / asked))
            if scaled != tier.count:
                changes[f"influencers.{name}.count"] = scaled
                notes.append(f"influencers.{name}.count: {tier.count:,} creators scaled to "
                             f"{scaled:,} for {n:,} consumers")
    return scn.with_overrides(changes), notes


def build_graph(
    cfg: GraphSection, circle: np.ndarray, rng: np.random.Generator, deferred: bool = False
) -> SocialGraph | None:
    """Build the graph named by ``cfg.kind`` for consumers with the given circles (read only
    by kind ``circles``; the others take their length).

    ``deferred``: an edge list's trust and strong flags are drawn on first read
    (:class:`DeferredGraph`; same values); other kinds draw them while building.

    Returns ``None`` for ``well_mixed`` (no edges: social proof is the population share).
    """
    n = len(circle)
    seed = int(rng.integers(2**31 - 1))
    k = max(1, int(round(cfg.mean_degree / 2)))
    match cfg.kind:
        case "well_mixed":
            return None
        case "circles":
            return circle_graph(circle, cfg, rng)
        case "erdos_renyi":
            return erdos_renyi(n, cfg, rng)
        case "barabasi_albert":
            return from_networkx(nx.barabasi_albert_graph(n, k, seed=seed), cfg, rng)
        case "watts_strogatz":
            g = nx.watts_strogatz_graph(n, max(2, 2 * k), cfg.rewire, seed=seed)
            return from_networkx(g, cfg, rng)
        case "edgelist":
            assert cfg.path is not None
            size, u, _, ties = _edgelist(Path(cfg.path))
            if size != n:
                raise ValueError(f"edge list has {size} nodes but {n} consumers were asked for")
            if deferred:
                group = Deferred(partial(_edgelist_draws, ties, len(u), cfg, rng))
                return DeferredGraph.on(group, ties.indptr, ties.indices)
            strong = rng.random(len(u)) < cfg.strong_share
            return draw_ties(ties, strong, cfg, rng)
    raise ValueError(f"unknown graph kind {cfg.kind!r}")
