"""Choosing creators within a budget: lazy greedy (CELF) over simulated marginal gains.

The value of a set S of creators is ``f(S)``, a vector with one entry per replication seed:
the objective (orders, reach or profit net of fees) of the scenario run with exactly S booked,
minus nothing — gains are differences of paired runs under the same seeds (common random
numbers), so two creators whose followers overlap add less together than apart because the
simulation delivers their posts to the same people.

Budgeted maximisation follows Leskovec et al., "Cost-effective outbreak detection in networks"
(KDD 2007): two greedy passes, one by marginal gain and one by marginal gain per yuan, each
adding the best affordable creator until nothing fits or nothing adds; the better of the two
sets is returned. ``method="celf"`` evaluates lazily: a creator's last marginal gain is an upper
bound on its next one when f is submodular, so only the top of a priority queue is re-simulated
(the CELF speed-up); ``method="greedy"`` re-simulates every remaining creator each round.
With simulated f the bound holds only up to sampling noise; the common seeds keep that noise
small, and the test suite checks the result against exhaustive search.

Every pick reports its marginal gain (the mean over seeds of f(S + c) − f(S) when it was added)
and a t-interval over the seeds: the uncertainty of replication noise given the earlier picks.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

Evaluate = Callable[[tuple[int, ...]], np.ndarray]
"""f(S): objective per replication seed (1-D array, same seeds for every S)."""


@dataclass(frozen=True)
class Pick:
    """One chosen creator: its index, fee, marginal gain (mean over seeds) and interval."""

    index: int
    fee: float
    gain: float
    low: float
    high: float


@dataclass
class PickResult:
    """The chosen creators in the order they were added, the set's value per seed, and the
    number of distinct sets simulated."""

    picks: list[Pick]
    value: np.ndarray
    evaluations: int
    pass_name: str = ""
    spent: float = field(init=False)

    def __post_init__(self) -> None:
        self.spent = float(sum(p.fee for p in self.picks))

    @property
    def chosen(self) -> tuple[int, ...]:
        return tuple(p.index for p in self.picks)


def t_interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-interval of ``x`` (the interval is the mean itself for one value)."""
    x = np.asarray(x, dtype=float)
    m = float(x.mean())
    if len(x) < 2:
        return m, m, m
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return m, m - half, m + half


class _Cached:
    """f with memory: each distinct set is simulated once."""

    def __init__(self, evaluate: Evaluate) -> None:
        self.evaluate = evaluate
        self.memo: dict[tuple[int, ...], np.ndarray] = {}

    def __call__(self, subset: Sequence[int]) -> np.ndarray:
        key = tuple(sorted(subset))
        if key not in self.memo:
            self.memo[key] = np.asarray(self.evaluate(key), dtype=float)
        return self.memo[key]


def _greedy_pass(f: _Cached, fees: np.ndarray, budget: float, per_yuan: bool,
                 lazy: bool) -> PickResult:
    """One greedy pass: by marginal gain (per yuan if ``per_yuan``), lazily if ``lazy``."""
    chosen: list[int] = []
    picks: list[Pick] = []
    base = f(())
    spent = 0.0

    def score(gain: float, i: int) -> float:
        return gain / max(fees[i], 1e-9) if per_yuan else gain

    # heap of (-score bound, index, round the bound was computed in)
    heap = [(-np.inf, i, -1) for i in range(len(fees)) if fees[i] <= budget + 1e-9]
    heapq.heapify(heap)
    rnd = 0
    while heap:
        if not lazy:  # plain greedy: every remaining candidate re-simulated each round
            heap = [(-score(float(np.mean(f([*chosen, i]) - base)), i), i, rnd)
                    for _, i, _ in heap if spent + fees[i] <= budget + 1e-9]
            heapq.heapify(heap)
        bound, i, seen = heapq.heappop(heap) if heap else (0.0, -1, rnd)
        if i < 0:
            break
        if spent + fees[i] > budget + 1e-9:
            continue  # no longer affordable: drop it
        if seen != rnd:
            gain = float(np.mean(f([*chosen, i]) - base))
            heapq.heappush(heap, (-score(gain, i), i, rnd))
            continue
        diff = f([*chosen, i]) - base
        mean, low, high = t_interval(diff)
        if mean <= 0:
            break  # the best remaining creator adds nothing
        chosen.append(i)
        spent += float(fees[i])
        picks.append(Pick(i, float(fees[i]), mean, low, high))
        base = f(chosen)
        rnd += 1
    return PickResult(picks, base, len(f.memo), "per yuan" if per_yuan else "by gain")


def pick_creators(evaluate: Evaluate, fees: Sequence[float], budget: float,
                  method: str = "celf") -> PickResult:
    """Creators (indices into ``fees``) within ``budget`` that maximise ``evaluate``.

    Args:
        evaluate: f(S) per seed (see :data:`Evaluate`); S is a sorted tuple of indices.
        fees: yuan per creator (≥ 0).
        budget: yuan available (≥ 0).
        method: ``celf`` (lazy greedy) or ``greedy`` (re-simulate every candidate each round).

    Returns:
        The better (by mean value) of the by-gain and per-yuan passes.
    """
    if method not in ("celf", "greedy"):
        raise ValueError(f"method: {method!r}; allowed: celf, greedy")
    fees_a = np.asarray(fees, dtype=float)
    f = _Cached(evaluate)
    lazy = method == "celf"
    by_gain = _greedy_pass(f, fees_a, budget, per_yuan=False, lazy=lazy)
    per_yuan = _greedy_pass(f, fees_a, budget, per_yuan=True, lazy=lazy)
    best = max((by_gain, per_yuan), key=lambda r: float(np.mean(r.value)))
    best.evaluations = len(f.memo)
    return best


def exhaustive_best(evaluate: Evaluate, fees: Sequence[float],
                    budget: float) -> tuple[tuple[int, ...], float]:
    """The affordable set with the highest mean value, by trying them all (small sets only)."""
    fees_a = np.asarray(fees, dtype=float)
    best, best_value = (), float(np.mean(evaluate(())))
    for k in range(1, len(fees_a) + 1):
        for subset in itertools.combinations(range(len(fees_a)), k):
            if fees_a[list(subset)].sum() <= budget + 1e-9:
                value = float(np.mean(evaluate(subset)))
                if value > best_value:
                    best, best_value = subset, value
    return best, best_value


def biggest_first(followers: Sequence[float], fees: Sequence[float],
                  budget: float) -> tuple[int, ...]:
    """The rule of thumb: book the most-followed creators that still fit the budget."""
    chosen, spent = [], 0.0
    for i in np.argsort(-np.asarray(followers, dtype=float), kind="stable"):
        if spent + fees[i] <= budget + 1e-9:
            chosen.append(int(i))
            spent += float(fees[i])
    return tuple(sorted(chosen))


def random_pick_of_cost(fees: Sequence[float], cost: float,
                        rng: np.random.Generator) -> tuple[int, ...]:
    """A random pick costing at most ``cost``: creators in a random order, each booked if it
    still fits (what booking from a shortlist without a model looks like)."""
    fees_a = np.asarray(fees, dtype=float)
    chosen, spent = [], 0.0
    for i in rng.permutation(len(fees_a)):
        if spent + fees_a[i] <= cost + 1e-9:
            chosen.append(int(i))
            spent += float(fees_a[i])
    return tuple(sorted(chosen))


__all__ = ["Evaluate", "Pick", "PickResult", "biggest_first", "exhaustive_best",
           "pick_creators", "random_pick_of_cost", "t_interval"]
