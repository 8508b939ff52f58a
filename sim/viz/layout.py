"""Positions for drawing the social network, computed once per world (never per frame).

Each interest circle is drawn as a disc whose area is proportional to the consumers shown from
it; the discs are packed around the largest one, and the consumers of a circle fill its disc on
a sunflower (Vogel) spiral, best-connected consumers in the middle. All of it is O(n) in the
consumers shown plus O(C²) per relaxation pass over the C circles: ~2 ms for 2,000 consumers,
where a force-directed layout of the same graph takes seconds. Circles are visible as clusters
by construction, and positions depend only on circles and degrees, so rewiring the ties (the
workshop's circle-mixing lever) keeps every dot where it was.

Coordinates are abstract units: one unit is the spacing between neighbouring dots.
:class:`NetworkView` holds one world's sample: who is shown, where, and which ties.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.viz.workshop import WorkshopModel

MAX_SHOWN = 2000
"""Most consumers drawn: a uniform sample, fixed per world."""

GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))  # radians, ≈ 137.5°
GAP = 4.0  # space between neighbouring discs, in dot spacings (room for creator rings)


@dataclass(frozen=True)
class CircleLayout:
    """Where each shown consumer and each circle sits.

    Attributes:
        xy: (n_shown, 2) float positions of the shown consumers, in ``shown`` order.
        centers: (C, 2) disc centres, one per circle (circles with nobody shown get radius 0).
        radii: (C,) disc radii (≥ 0).
    """

    xy: np.ndarray
    centers: np.ndarray
    radii: np.ndarray

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) covering every disc."""
        lo = self.centers - self.radii[:, None]
        hi = self.centers + self.radii[:, None]
        return float(lo[:, 0].min()), float(hi[:, 0].max()), float(lo[:, 1].min()), float(hi[:, 1].max())


def sunflower(count: int, radius: float) -> np.ndarray:
    """``count`` points evenly filling a disc of ``radius`` around (0, 0), centre first."""
    k = np.arange(count, dtype=float)
    r = radius * np.sqrt((k + 0.5) / max(count, 1))
    theta = k * GOLDEN_ANGLE
    return np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def pack_discs(radii: np.ndarray, gap: float = GAP, passes: int = 400) -> np.ndarray:
    """Centres of non-overlapping discs packed around the largest (deterministic).

    Discs start on a golden-angle spiral in decreasing size, then each pass pushes
    overlapping pairs apart and pulls everything gently toward the middle.
    """
    c = len(radii)
    order = np.argsort(-radii, kind="stable")
    rank = np.empty(c, dtype=int)
    rank[order] = np.arange(c)
    spread = 2.0 * np.sqrt(rank) * (radii.mean() + gap)
    angle = rank * GOLDEN_ANGLE
    pos = np.column_stack([spread * np.cos(angle), spread * np.sin(angle)])
    want = radii[:, None] + radii[None, :] + gap
    np.fill_diagonal(want, 0.0)
    for _ in range(passes):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((delta**2).sum(-1)) + np.eye(c)
        overlap = np.clip(want - dist, 0.0, None)
        np.fill_diagonal(overlap, 0.0)
        push = (delta / dist[..., None] * overlap[..., None] * 0.5).sum(axis=1)
        pos += push - 0.01 * (pos - pos[order[0]])
    return pos - pos[order[0]]


def circle_layout(circle: np.ndarray, degree: np.ndarray, circles: int) -> CircleLayout:
    """Positions for consumers with the given ``circle`` (0..circles-1) and ``degree`` arrays.

    Both arrays are for the shown consumers only. Within a circle, higher degree sits nearer
    the centre (hubs in the middle, the loosely tied at the rim).
    """
    circle = np.asarray(circle, dtype=np.int64)
    sizes = np.bincount(circle, minlength=circles).astype(float)
    radii = np.sqrt(sizes) * 0.55  # sunflower density: ~1 dot per unit² with spacing ~1
    centers = pack_discs(radii)
    xy = np.zeros((len(circle), 2))
    # one stable sort by (circle, −degree): each circle's block lists hubs first
    order = np.lexsort((-np.asarray(degree, dtype=float), circle))
    starts = np.searchsorted(circle[order], np.arange(circles + 1))
    for c in range(circles):  # a loop over circles (≤ C), not consumers
        rows = order[starts[c]:starts[c + 1]]
        if len(rows):
            xy[rows] = centers[c] + sunflower(len(rows), radii[c])
    return CircleLayout(xy=xy, centers=centers, radii=radii)


def ring_positions(centers: np.ndarray, radii: np.ndarray, home: np.ndarray,
                   offset: float = 1.6) -> np.ndarray:
    """Evenly spaced points on a ring just outside each item's home disc.

    ``home`` is the circle of each item (e.g. a creator's home circle); items sharing a home
    are spread around that disc's rim in input order, starting at the top.
    """
    home = np.asarray(home, dtype=np.int64)
    out = np.zeros((len(home), 2))
    if len(home) == 0:
        return out
    order = np.argsort(home, kind="stable")
    counts = np.bincount(home, minlength=len(radii))
    first = np.cumsum(counts) - counts
    slot = np.empty(len(home), dtype=int)
    slot[order] = np.arange(len(home)) - first[home[order]]
    theta = np.pi / 2 + 2 * np.pi * slot / np.maximum(counts[home], 1)
    r = radii[home] + offset
    out[:, 0] = centers[home, 0] + r * np.cos(theta)
    out[:, 1] = centers[home, 1] + r * np.sin(theta)
    return out


class NetworkView:
    """The displayed sample of a world: who is shown, where, and which ties (computed once).

    Args:
        model: the workshop model.
        max_shown: most consumers drawn (a uniform sample, fixed per world).
    """

    def __init__(self, model: "WorkshopModel", max_shown: int = MAX_SHOWN) -> None:
        pop = model.population
        rng = np.random.default_rng([model.seed, 0x51])
        n = pop.n
        shown = np.arange(n) if n <= max_shown else np.sort(rng.choice(n, max_shown, replace=False))
        self.model = model
        self.shown = shown
        self.slot = np.full(n, -1, dtype=np.int64)  # population row -> index in shown, or -1
        self.slot[shown] = np.arange(len(shown))
        degree = model.degree if model.degree is not None else np.zeros(n)
        self.circles = model.config.population.circles
        self.layout: CircleLayout = circle_layout(pop.circle[shown], degree[shown], self.circles)
        creators = [inf for tier in model.influencers_by_tier.values() for inf in tier]
        self.creators = creators
        self.creator_tier = np.array([c.tier for c in creators], dtype=object)
        self.creator_xy = ring_positions(
            self.layout.centers, self.layout.radii, np.array([c.home_circle for c in creators], dtype=np.int64)
        )
        self._edges_for: int | None = None
        self._edges = np.empty((0, 2, 2))

    def background_edges(self, limit: int = 4000) -> np.ndarray:
        """(k, 2, 2) segments of ties between shown consumers (a fixed subset ≤ ``limit``).

        Recomputed only when the ties change (a trust or mixing lever rebuilds them).
        """
        g = self.model.graph
        if g is None:
            return self._edges
        if self._edges_for != id(g):
            src = np.repeat(np.arange(g.n), g.degree)
            dst = g.indices.astype(np.int64)
            keep = (src < dst) & (self.slot[src] >= 0) & (self.slot[dst] >= 0)
            a, b = self.slot[src[keep]], self.slot[dst[keep]]
            if len(a) > limit:
                pick = np.random.default_rng([self.model.seed, 0xED]).choice(len(a), limit, replace=False)
                a, b = a[pick], b[pick]
            self._edges = np.stack([self.layout.xy[a], self.layout.xy[b]], axis=1)
            self._edges_for = id(g)
        return self._edges

    def spread_segments(self) -> tuple[np.ndarray, np.ndarray]:
        """Today's spread ties between shown consumers: (positive, negative) segment arrays."""
        sp = self.model.spread
        a, b = self.slot[sp.src], self.slot[sp.dst]
        keep = (a >= 0) & (b >= 0)
        seg = np.stack([self.layout.xy[a[keep]], self.layout.xy[b[keep]]], axis=1)
        neg = sp.negative[keep]
        return seg[~neg], seg[neg]
