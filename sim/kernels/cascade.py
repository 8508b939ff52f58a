"""Compiled independent-cascade kernel (the ``independent_cascade`` reference mode, docs/model.md).

Each newly activated node gets one chance to activate each of its ties, independently with
probability ``T`` (the transmissibility, 0–1). Three entry points share one compiled inner loop
(:func:`_expand`):

* :func:`cascade_generation` advances one generation (one simulated day): the model's
  ``independent_cascade`` mode calls it once per step;
* :func:`independent_cascade` runs a whole cascade to extinction in one call (benchmarks,
  Monte-Carlo estimates of spread);
* :func:`cascade_by_generation` runs the generations of one run in one call, each drawn from
  its own generator state exactly as successive :func:`cascade_generation` calls draw them, and
  returns the per-generation counts (replications of the reference mode that keep no
  per-consumer state: :mod:`sim.engine.reference_batch`).

Speed comes from two exact devices. The Bernoulli trials over the concatenated tie lists of a
generation are sampled by *geometric skipping*: the gap to the next successful trial is
``floor(log U / log(1 − T))``, so the number of random draws equals the number of successes,
not the number of ties. Random numbers come from a xoshiro256** generator compiled into the
loop, whose state (four 64-bit words) is drawn from the caller's numpy ``Generator``: the same
model seed gives the same cascade.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import math

import numpy as np
from numba import njit

from sim.kernels.csr import row_total

if TYPE_CHECKING:  # a graph is any object with CSR ``indptr``/``indices`` (duck-typed)
    from sim.world.graph import SocialGraph

_U64 = np.uint64
_INV_2_53 = 1.0 / 9007199254740992.0
_MAX_GAP = 2**62


def rng_state(rng: np.random.Generator) -> np.ndarray:
    """Fresh xoshiro256** state (uint64[4]) seeded from one raw word of ``rng``'s bit generator
    (so the caller's stream advances and stays reproducible)."""
    return _seed_state(np.uint64(rng.bit_generator.random_raw()))


@njit(cache=True)
def _seed_state(seed):
    """Expand a 64-bit seed into a xoshiro256** state with splitmix64 (never all zero)."""
    s = np.empty(4, dtype=np.uint64)
    z = seed
    for i in range(4):
        z += _U64(0x9E3779B97F4A7C15)
        x = z
        x = (x ^ (x >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> _U64(27))) * _U64(0x94D049BB133111EB)
        s[i] = x ^ (x >> _U64(31))
    if s[0] == 0 and s[1] == 0 and s[2] == 0 and s[3] == 0:
        s[0] = 1
    return s


@njit(inline="always")
def _rotl(x, k):
    return (x << _U64(k)) | (x >> _U64(64 - k))


@njit(inline="always")
def _uniform(s):
    """Next double in [0, 1) from xoshiro256** state ``s`` (advanced in place)."""
    result = _rotl(s[1] * _U64(5), 7) * _U64(9)
    t = s[1] << _U64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return float(result >> _U64(11)) * _INV_2_53


@njit(inline="always")
def _gap(s, log_q):
    """Number of failed trials before the next success (geometric, success prob 1 − e^log_q)."""
    if log_q == -np.inf:  # T = 1: every trial succeeds
        return 0
    g = math.floor(math.log(1.0 - _uniform(s)) / log_q)
    return _MAX_GAP if g > _MAX_GAP else np.int64(g)


@njit(cache=True)
def _expand(indptr, indices, queue, lo, hi, out, tail, log_q, active, state, hits, record):
    """Try every tie of ``queue[lo:hi]``; append newly activated nodes to ``out[tail:]``.

    Returns (new tail, number of successful trials). With ``record`` the target of every
    successful trial (active or not) is written to ``hits`` (length ≥ the tie count).
    """
    n_hits = 0
    skip = _gap(state, log_q)
    for q in range(lo, hi):
        u = queue[q]
        j = indptr[u]
        end = indptr[u + 1]
        while skip < end - j:
            j += skip
            v = indices[j]
            if record:
                hits[n_hits] = v
            n_hits += 1
            if not active[v]:
                active[v] = True
                out[tail] = v
                tail += 1
            j += 1
            skip = _gap(state, log_q)
        skip -= end - j
    return tail, n_hits


@njit(cache=True)
def _enqueue_seeds(seeds, active, queue):
    """Mark the distinct ``seeds`` active and put them first in ``queue``; returns how many."""
    tail = 0
    for s in seeds:
        if not active[s]:
            active[s] = True
            queue[tail] = s
            tail += 1
    return tail


@njit(cache=True)
def _run_cascade(indptr, indices, seeds, log_q, seed, active, queue):
    """Whole cascade; ``active`` must be all False and is left all False again (only the
    activated entries are touched, so a run costs O(cascade), not O(n))."""
    n = len(active)
    for s in seeds:
        if s < 0 or s >= n:
            raise ValueError("seed ids must be node ids in [0, n)")
    state = _seed_state(seed)
    tail = _enqueue_seeds(seeds, active, queue)
    lo = 0
    no_hits = np.empty(0, dtype=np.int64)
    while lo < tail:
        hi = tail
        tail, _ = _expand(indptr, indices, queue, lo, hi, queue, tail, log_q, active, state,
                          no_hits, False)
        lo = hi
    out = queue[:tail].copy()
    for v in out:
        active[v] = False
    return out


_WORKSPACE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _workspace(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Reusable (active mask, queue) for graphs of ``n`` nodes (kept for the last size)."""
    ws = _WORKSPACE.get(n)
    if ws is None:
        _WORKSPACE.clear()
        ws = _WORKSPACE[n] = (np.zeros(n, dtype=np.bool_), np.empty(n, dtype=np.int64))
    return ws


@njit(cache=True)
def _one_generation(indptr, indices, frontier, log_q, active, state, record):
    total = row_total(indptr, frontier)
    out = np.empty(total, dtype=np.int64)
    hits = np.empty(total if record else 0, dtype=np.int64)
    tail, n_hits = _expand(indptr, indices, frontier, 0, len(frontier), out, 0, log_q, active,
                           state, hits, record)
    return out[:tail], hits[:n_hits] if record else hits, n_hits


def _log_q(transmissibility: float) -> float:
    if not 0.0 <= transmissibility <= 1.0:
        raise ValueError(f"transmissibility must be in [0, 1], got {transmissibility!r}")
    return math.log1p(-transmissibility) if transmissibility < 1.0 else -math.inf


def independent_cascade(
    graph: SocialGraph, seeds: np.ndarray, transmissibility: float, rng: np.random.Generator,
) -> np.ndarray:
    """Run an independent cascade from ``seeds`` to extinction; return the activated nodes.

    Args:
        graph: the (symmetric CSR) graph; ties are tried in both directions.
        seeds: initially active node ids (0..n-1; duplicates ignored).
        transmissibility: T in [0, 1], the per-tie activation probability.
        rng: numpy Generator the kernel's random state is drawn from.

    Returns:
        int64 array of activated node ids (seeds first, then in activation order); its length
        is the final size.
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    log_q = _log_q(transmissibility)
    if transmissibility == 0.0:
        seeds = np.unique(seeds)
        if len(seeds) and (seeds[0] < 0 or seeds[-1] >= graph.n):
            raise ValueError(f"seed ids must be in [0, {graph.n - 1}]")
        return seeds
    active, queue = _workspace(graph.n)
    return _run_cascade(graph.indptr, graph.indices, seeds, log_q,
                        np.uint64(rng.bit_generator.random_raw()), active, queue)


@njit(cache=True)
def _by_generation(indptr, indices, seeds, log_q, words, active, queue, new, hits):
    """Generations of a cascade from ``seeds``; generation ``g`` draws from the xoshiro state
    seeded by ``words[g]``. ``active`` must be all False and is left all False. Writes the
    nodes activated and the successful trials of each generation to ``new[g]``, ``hits[g]``;
    returns the number of generations run (the frontier emptied, or ``len(words)``)."""
    tail = _enqueue_seeds(seeds, active, queue)
    lo = 0
    g = 0
    no_hits = np.empty(0, dtype=np.int64)
    while lo < tail and g < len(words):
        hi = tail
        state = _seed_state(words[g])
        tail, n_hits = _expand(indptr, indices, queue, lo, hi, queue, tail, log_q, active, state,
                               no_hits, False)
        new[g] = tail - hi
        hits[g] = n_hits
        lo = hi
        g += 1
    for q in range(tail):
        active[queue[q]] = False
    return g


def cascade_by_generation(
    graph: SocialGraph, seeds: np.ndarray, transmissibility: float, words: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``len(words)`` generations of a cascade from ``seeds`` (distinct node ids, the
    first frontier, in this order), in one compiled call.

    Generation ``g`` draws from a xoshiro256** state seeded by ``words[g]`` (uint64): given
    ``words[g] = rng.bit_generator.random_raw()`` for each generation in turn, it draws exactly
    what ``cascade_generation(graph, frontier, T, active, rng)`` draws, so the counts are those
    of the day-by-day run. A generation whose frontier is empty is not run (and draws nothing,
    like the model's day); with T = 0 nothing is tried.

    Returns:
        ``(new, hits)``, int64 arrays of length ``len(words)``: the nodes activated in each
        generation and the successful trials (delivered exposures, active targets included);
        zero for generations not run.
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    k = len(words)
    new, hits = np.zeros(k, np.int64), np.zeros(k, np.int64)
    if transmissibility == 0.0 or k == 0 or len(seeds) == 0:
        _log_q(transmissibility)  # validates T
        return new, hits
    if seeds.min() < 0 or seeds.max() >= graph.n:
        raise ValueError(f"seed ids must be in [0, {graph.n - 1}]")
    active, queue = _workspace(graph.n)
    _by_generation(graph.indptr, graph.indices, seeds, _log_q(transmissibility),
                   np.asarray(words, dtype=np.uint64), active, queue, new, hits)
    return new, hits


def cascade_generation(
    graph: SocialGraph, frontier: np.ndarray, transmissibility: float, active: np.ndarray,
    rng: np.random.Generator, record_hits: bool = False,
) -> tuple[np.ndarray, np.ndarray | int]:
    """One generation: each node of ``frontier`` tries each of its ties once (prob T).

    ``active`` (bool, length n) is updated in place. Returns ``(newly_activated, hits)``:
    the nodes activated in this generation (the next frontier, in activation order) and, with
    ``record_hits``, the target of every successful trial (including already active nodes;
    these are the day's exposures), otherwise the number of successful trials.
    """
    frontier = np.asarray(frontier, dtype=np.int64)
    if transmissibility == 0.0 or len(frontier) == 0:
        return np.empty(0, np.int64), (np.empty(0, np.int64) if record_hits else 0)
    new, hits, n_hits = _one_generation(graph.indptr, graph.indices, frontier,
                                        _log_q(transmissibility), active, rng_state(rng),
                                        record_hits)
    return new, (hits if record_hits else int(n_hits))


__all__ = ["cascade_by_generation", "cascade_generation", "independent_cascade",
           "rng_state"]
