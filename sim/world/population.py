"""Vectorised consumer state: one row per consumer, one column per retailer where needed.

Funnel stages (per consumer and retailer, ``stage[i, r]``):

====  ============  ==============================================
code  name          meaning
====  ============  ==============================================
0     unaware       never exposed to the retailer's content
1     aware         exposed at least once
2     interested    engaged (liked, commented, shared) at least once
3     customer      bought once
4     loyal         bought two or more times
====  ============  ==============================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from sim.config.kpis import STAGES
from sim.config.scenario import PopulationSection
from sim.world.deferred import LATER, Deferred, DeferredField

UNAWARE, AWARE, INTERESTED, CUSTOMER, LOYAL = range(5)
NO_CHANNEL = -1


def _beta(rng: np.random.Generator, mean: float, conc: float, n: int) -> np.ndarray:
    """Beta draws with the given mean (0–1) and concentration a + b; degenerate means allowed."""
    if mean <= 0.0 or mean >= 1.0:
        return np.full(n, mean, dtype=np.float32)
    return rng.beta(mean * conc, (1.0 - mean) * conc, size=n).astype(np.float32)


def _choice(rng: np.random.Generator, count: int, size: int, p: np.ndarray) -> np.ndarray:
    """``rng.choice(count, size=size, p=p)`` for probabilities ``p`` (``count`` of them,
    non-negative, summing to 1): the same draws (int64 indices 0..count-1) and the same
    generator state afterwards, without numpy's validation of ``p`` (about 0.1–0.2 ms per
    call at 10,000 draws; here ``p`` comes from validated shares): the running sums scaled
    to end at 1 and one uniform per draw, searched to the right."""
    cdf = np.asarray(p, dtype=np.float64).cumsum()
    if len(cdf) != count:
        raise ValueError(f"_choice: {len(cdf)} probabilities for {count} choices")
    cdf /= cdf[-1]
    return cdf.searchsorted(rng.random(size), side="right")


def zipf_shares(count: int, exponent: float) -> np.ndarray:
    """Shares ∝ 1 / rank^exponent for ``count`` ranks."""
    w = 1.0 / np.arange(1, count + 1) ** exponent
    return w / w.sum()


@dataclass
class Population:
    """Structure of arrays for N consumers and R retailers. Units are in the field comments."""

    segment: np.ndarray  # int8 segment code; names in segment_names
    segment_names: list[str]
    circle: np.ndarray  # int32 primary interest circle 0..C-1
    need: np.ndarray  # float32 category need 0–1
    susceptibility: np.ndarray  # float32 0–1, scales social proof
    activity: np.ndarray  # float32 probability of a session per day
    attention: np.ndarray  # float32 N×P, shares of attention per platform (rows sum to 1)
    price_sensitivity: np.ndarray  # float32 0–1
    n_retailers: int
    stage: np.ndarray = field(init=False)  # int8 N×R funnel stage
    orders: np.ndarray = field(init=False)  # int32 N×R orders placed
    member: np.ndarray = field(init=False)  # bool N×R community member
    negative: np.ndarray = field(init=False)  # bool N×R holds a negative opinion
    churned: np.ndarray = field(init=False)  # bool N×R stopped buying
    source_trust: np.ndarray = field(init=False)  # float32 N×R cred×trust of last engagement
    last_platform: np.ndarray = field(init=False)  # int8 N×R platform of last touch
    first_touch: np.ndarray = field(init=False)  # int8 N×R channel code, -1 none
    last_touch: np.ndarray = field(init=False)  # int8 N×R channel code, -1 none
    last_click: np.ndarray = field(init=False)  # int8 N×R channel of the last engagement, -1 none
    fatigue: np.ndarray = field(init=False)  # float32 recent similar exposures (decays daily)
    exposures: np.ndarray = field(init=False)  # int32 exposures received
    brand_exposures: np.ndarray = field(init=False)  # int32 N×R exposures to each retailer
    referred: np.ndarray = field(init=False)  # bool N×R joined the community through a referral
    ever_exposed: np.ndarray = field(init=False)  # bool reached at least once

    def __post_init__(self) -> None:
        n, r = self.n, self.n_retailers
        self.stage = np.zeros((n, r), dtype=np.int8)
        self.orders = np.zeros((n, r), dtype=np.int32)
        self.member = np.zeros((n, r), dtype=bool)
        self.negative = np.zeros((n, r), dtype=bool)
        self.churned = np.zeros((n, r), dtype=bool)
        self.source_trust = np.zeros((n, r), dtype=np.float32)
        self.last_platform = np.zeros((n, r), dtype=np.int8)
        self.first_touch = np.full((n, r), NO_CHANNEL, dtype=np.int8)
        self.last_touch = np.full((n, r), NO_CHANNEL, dtype=np.int8)
        self.last_click = np.full((n, r), NO_CHANNEL, dtype=np.int8)
        self.fatigue = np.zeros(n, dtype=np.float32)
        self.exposures = np.zeros(n, dtype=np.int32)
        self.brand_exposures = np.zeros((n, r), dtype=np.int32)
        self.referred = np.zeros((n, r), dtype=bool)
        self.ever_exposed = np.zeros(n, dtype=bool)

    @property
    def n(self) -> int:
        return len(self.circle)

    def overall_stage(self) -> np.ndarray:
        """Each consumer's furthest stage over all retailers (int8, length N)."""
        return self.stage[:, 0] if self.stage.shape[1] == 1 else self.stage.max(axis=1)

    def nbytes(self) -> int:
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))


def _draw_attributes(cfg: PopulationSection, n: int, n_platforms: int,
                     platform_weights: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The fixed attributes of N consumers, drawn from ``rng`` in a fixed order."""
    names = list(cfg.segments)
    seg_p = np.array([cfg.segments[s] for s in names], dtype=float)
    segment = _choice(rng, len(names), n, seg_p / seg_p.sum()).astype(np.int8)
    circle = _choice(rng, cfg.circles, n, zipf_shares(cfg.circles, cfg.circle_zipf))
    alpha = cfg.platform_concentration * platform_weights / platform_weights.sum() * n_platforms
    attention = rng.dirichlet(alpha, size=n).astype(np.float32)
    return {
        "segment": segment,
        "circle": circle.astype(np.int32),
        "need": _beta(rng, cfg.need_mean, cfg.concentration, n),
        "susceptibility": _beta(rng, cfg.susceptibility_mean, cfg.concentration, n),
        "activity": _beta(rng, cfg.activity_mean, cfg.concentration, n),
        "attention": attention,
        "price_sensitivity": _beta(rng, cfg.price_sensitivity_mean, cfg.concentration, n),
    }


def build_population(
    cfg: PopulationSection, n: int, n_platforms: int, platform_weights: np.ndarray,
    n_retailers: int, rng: np.random.Generator, deferred: bool = False,
) -> Population:
    """Draw N consumers' attributes from the scenario's population section.

    ``deferred``: draw them only when first read (:class:`DeferredPopulation`; same values).
    """
    names = list(cfg.segments)
    draw = partial(_draw_attributes, cfg, n, n_platforms, platform_weights, rng)
    if deferred:
        return DeferredPopulation.on(Deferred(draw), n, names, n_retailers)
    return Population(segment_names=names, n_retailers=n_retailers, **draw())


class DeferredPopulation(Population):
    """A population whose fixed attributes are drawn on first read (:mod:`sim.world.deferred`);
    the dynamic arrays are fresh per instance, as for :class:`Population`."""

    segment = DeferredField()
    circle = DeferredField()
    need = DeferredField()
    susceptibility = DeferredField()
    activity = DeferredField()
    attention = DeferredField()
    price_sensitivity = DeferredField()

    @classmethod
    def on(cls, group: Deferred, n: int, names: list[str], n_retailers: int) -> "DeferredPopulation":
        """N consumers whose attributes come from ``group``, with ``n_retailers`` columns."""
        pop = cls.__new__(cls)
        pop.__dict__.update(_deferred=group, _n=n)
        Population.__init__(pop, LATER, names, LATER, LATER, LATER, LATER, LATER, LATER,
                            n_retailers)
        return pop

    @property
    def n(self) -> int:
        return self.__dict__["_n"]

    def with_retailers(self, n_retailers: int) -> "DeferredPopulation":
        """Fresh dynamic arrays (N × ``n_retailers``) on the same attributes."""
        return DeferredPopulation.on(self._deferred, self.n, self.segment_names, n_retailers)
