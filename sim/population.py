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

The byte-code scans at the end (:func:`entries_at_least` and the word helpers) read the
one-byte stage codes and flags eight entries at a time, for the daily passes over all consumers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from .scenario import PopulationSection

STAGES = ("unaware", "aware", "interested", "customer", "loyal")
UNAWARE, AWARE, INTERESTED, CUSTOMER, LOYAL = range(5)
NO_CHANNEL = -1


def _beta(rng: np.random.Generator, mean: float, conc: float, n: int) -> np.ndarray:
    """Beta draws with the given mean (0–1) and concentration a + b; degenerate means allowed."""
    if mean <= 0.0 or mean >= 1.0:
        return np.full(n, mean, dtype=np.float32)
    return rng.beta(mean * conc, (1.0 - mean) * conc, size=n).astype(np.float32)


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
        n, r = len(self.circle), self.n_retailers
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

    def circle_sizes(self, circles: int) -> np.ndarray:
        return np.bincount(self.circle, minlength=circles)

    def overall_stage(self) -> np.ndarray:
        """Each consumer's furthest stage over all retailers (int8, length N)."""
        return self.stage[:, 0] if self.stage.shape[1] == 1 else self.stage.max(axis=1)

    def nbytes(self) -> int:
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))


def build_population(
    cfg: PopulationSection, n: int, n_platforms: int, platform_weights: np.ndarray,
    n_retailers: int, rng: np.random.Generator,
) -> Population:
    """Draw N consumers' attributes from the scenario's population section."""
    names = list(cfg.segments)
    seg_p = np.array([cfg.segments[s] for s in names], dtype=float)
    segment = rng.choice(len(names), size=n, p=seg_p / seg_p.sum()).astype(np.int8)
    circle = rng.choice(cfg.circles, size=n, p=zipf_shares(cfg.circles, cfg.circle_zipf))
    alpha = cfg.platform_concentration * platform_weights / platform_weights.sum() * n_platforms
    attention = rng.dirichlet(alpha, size=n).astype(np.float32)
    return Population(
        segment=segment,
        segment_names=names,
        circle=circle.astype(np.int32),
        need=_beta(rng, cfg.need_mean, cfg.concentration, n),
        susceptibility=_beta(rng, cfg.susceptibility_mean, cfg.concentration, n),
        activity=_beta(rng, cfg.activity_mean, cfg.concentration, n),
        attention=attention,
        price_sensitivity=_beta(rng, cfg.price_sensitivity_mean, cfg.concentration, n),
        n_retailers=n_retailers,
    )


# ---------------------------------------------------------------- byte-code scans
# Stage codes and boolean flags are one byte per consumer × retailer. The scans below read
# them eight at a time as uint64 words: for a byte v in 0..127 and a threshold t in 0..128,
# v + (128 − t) sets the byte's high bit exactly when v ≥ t and never carries into the next
# byte, so one addition and one mask test eight entries against the threshold.
ONES = np.uint64(0x0101010101010101)
HIGH = np.uint64(0x8080808080808080)
_U1 = np.uint64(1)
_B3 = np.uint64(3)
_B7 = np.uint64(7)
_B56 = np.uint64(56)


def byte_words(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Views of a C-contiguous array of 1-byte items (bool, int8, uint8) as (uint64 words of
    its first 8·⌊size/8⌋ bytes, uint8 remaining bytes), in flat (row-major) order. Raises
    ValueError for other arrays."""
    if a.itemsize != 1 or not a.flags.c_contiguous:
        raise ValueError("byte_words needs a C-contiguous array of 1-byte items")
    flat = a.reshape(-1).view(np.uint8)
    cut = len(flat) - len(flat) % 8
    return flat[:cut].view(np.uint64), flat[cut:]


def threshold_add(threshold: int) -> np.uint64:
    """The word added to eight byte codes (0–127) to set the high bit of those ≥ ``threshold``
    (0–128)."""
    if not 0 <= threshold <= 128:
        raise ValueError(f"threshold must be in 0..128, got {threshold}")
    return np.uint64((128 - threshold) * 0x0101010101010101)


@njit(inline="always")
def count_high_bits(word):
    """Number of bytes of ``word`` whose high bit is set (0–8)."""
    return np.int64(((word >> _B7) & ONES) * ONES >> _B56)


_LOW16 = np.uint64(0x00FF00FF00FF00FF)
_ONES16 = np.uint64(0x0001000100010001)
_B8 = np.uint64(8)
_B48 = np.uint64(48)


@njit(inline="always")
def byte_total(word):
    """Sum of the eight bytes of ``word`` (each 0–255)."""
    pairs = (word & _LOW16) + ((word >> _B8) & _LOW16)  # four 16-bit sums ≤ 510
    return np.int64((pairs * _ONES16) >> _B48)


@njit(cache=True)
def count_set_bytes(raw, start, stop):
    """Number of set entries of ``raw[start:stop]``, a range of 0/1 bytes (a vectorised sum)."""
    total = 0
    for x in raw[start:stop]:
        total += x
    return total


@njit(cache=True)
def _scan_at_least(words, tail, add, threshold, skip_words, skip_tail, skip):
    """Flat indices (ascending) of byte codes ≥ ``threshold`` whose ``skip`` flag (0/1 bytes,
    if ``skip``) is 0."""
    # room for every entry: untouched pages of the buffer cost nothing, and one pass with no
    # bounds checks beats counting first
    out = np.empty(8 * len(words) + len(tail), dtype=np.int64)
    k = 0
    for w in range(len(words)):
        hit = (words[w] + add) & HIGH
        if skip:
            hit &= ~(skip_words[w] << _B7)
        while hit:
            out[k] = 8 * w + np.int64(trailing_zeros(hit) >> _B3)
            k += 1
            hit &= hit - _U1
    base = 8 * len(words)
    for j in range(len(tail)):
        if tail[j] >= threshold and not (skip and skip_tail[j]):
            out[k] = base + j
            k += 1
    return out[:k].copy()


def entries_at_least(codes: np.ndarray, threshold: int,
                     unless: np.ndarray | None = None) -> np.ndarray:
    """Flat indices of the entries of ``codes`` (1-byte codes in 0–127, e.g. ``stage``) that
    are ≥ ``threshold`` (0–128) and, if given, whose ``unless`` flag (bool, same shape) is
    not set: ``np.flatnonzero((codes >= threshold) & ~unless)`` (int64, ascending)."""
    words, tail = byte_words(codes)
    add = threshold_add(threshold)
    if unless is None:
        skip_words, skip_tail, skip = words, tail, False
    else:
        if unless.shape != codes.shape:
            raise ValueError("unless must have the shape of codes")
        (skip_words, skip_tail), skip = byte_words(unless), True
    return _scan_at_least(words, tail, add, threshold, skip_words, skip_tail, skip)
