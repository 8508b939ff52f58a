"""The start-of-day trackers' one-call updates equal the two-step form they replace.

:class:`sim.kernels.incremental.NeighbourShare` and :class:`~sim.kernels.incremental.CircleShare`
once found the changed mask entries (``_flip_changed``) and then applied them
(``_add_to_ties_share`` / ``_add_to_circles`` and ``sums / sizes``) in separate calls; the
references below keep that form. Floats are compared bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import GraphSection
from sim.kernels.bytescan import byte_words, threshold_add
from sim.kernels.incremental import (
    CircleShare,
    NeighbourShare,
    _add_to_circles,
    _add_to_ties_share,
    _flip_changed,
)
from sim.world.graph import circle_graph
from sim.world.population import AWARE, INTERESTED, LOYAL


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


class _TwoStepTies:
    """The former NeighbourShare update: flip, then add to the ties and divide."""

    def __init__(self, graph, n_ret):
        self.graph, n = graph, graph.n
        self.counts = np.zeros((n, n_ret), dtype=np.int32)
        self.mask = np.zeros((n, n_ret), dtype=bool)
        self.degree = np.maximum(graph.degree, 1).astype(np.int32)
        self.share = np.zeros((n, n_ret), dtype=np.float64)

    def update(self, values, threshold):
        entries, delta = _flip_changed(*byte_words(values), threshold_add(threshold), threshold,
                                       *byte_words(self.mask))
        if len(entries):
            _add_to_ties_share(entries, delta, self.counts.shape[1], self.graph.indptr,
                               self.graph.indices, self.counts, self.degree, self.share)
        return self.share


class _TwoStepCircles:
    """The former CircleShare update: flip, add to the circles, then ``sums / sizes``."""

    def __init__(self, circle, circles, n_ret):
        self.circle = circle
        self.sizes = np.maximum(np.bincount(circle, minlength=circles), 1)[:, None]
        self.sums = np.zeros((circles, n_ret), dtype=np.int64)
        self.mask = np.zeros((len(circle), n_ret), dtype=bool)

    def update(self, values, threshold):
        entries, delta = _flip_changed(*byte_words(values), threshold_add(threshold), threshold,
                                       *byte_words(self.mask))
        if len(entries):
            _add_to_circles(entries, delta, self.sums.shape[1], self.circle, self.sums)
        return self.sums / self.sizes


@pytest.mark.parametrize("n, n_ret", [(1, 1), (13, 1), (2003, 1), (2003, 3), (4099, 2)])
def test_one_call_trackers_equal_the_two_step_form(n, n_ret):
    rng = np.random.default_rng(n * 7 + n_ret)
    circle = rng.integers(0, 6, n).astype(np.int32)
    circle[0] = 5  # every circle index up to 5 in range; some circles may be empty
    g = circle_graph(circle, GraphSection(), rng)
    ties, ref_ties = NeighbourShare(g, n_ret), _TwoStepTies(g, n_ret)
    aware, ref_aware = CircleShare(circle, 7, n_ret), _TwoStepCircles(circle, 7, n_ret)
    neg, ref_neg = CircleShare(circle, 7, n_ret), _TwoStepCircles(circle, 7, n_ret)
    stage = np.zeros((n, n_ret), dtype=np.int8)
    negative = np.zeros((n, n_ret), dtype=bool)
    for day in range(12):
        if day != 4:  # a day without any change too
            up = rng.random(stage.shape) < (0.5 if day == 7 else 0.04)  # day 7: many ties
            stage[up] = np.minimum(stage[up] + rng.integers(1, 3, up.sum()), LOYAL)
            stage[rng.random(stage.shape) < 0.01] = 0
            negative ^= rng.random(negative.shape) < 0.03
        got = ties.update(stage, INTERESTED)
        assert got is ties.share
        assert same(got, ref_ties.update(stage, INTERESTED))
        assert same(ties.counts, ref_ties.counts)
        assert same(aware.update(stage, AWARE), ref_aware.update(stage, AWARE))
        assert same(neg.update(negative), ref_neg.update(negative, 1))
        assert same(aware.sums, ref_aware.sums) and same(neg.sums, ref_neg.sums)
        assert same(ties._changes.mask, stage >= INTERESTED)
        assert same(aware._changes.mask, stage >= AWARE)


def test_circle_share_returns_a_new_array_each_day():
    circle = np.array([0, 0, 1, 2, 2, 2], dtype=np.int32)
    tracker = CircleShare(circle, 3, 1)
    first = tracker.update(np.array([[1], [0], [0], [1], [1], [0]], dtype=bool))
    second = tracker.update(np.array([[1], [1], [0], [0], [0], [0]], dtype=bool))
    assert first.tolist() == [[0.5], [0.0], [2 / 3]]
    assert second.tolist() == [[1.0], [0.0], [0.0]]
    with pytest.raises(ValueError):
        tracker.update(np.zeros((5, 1), dtype=bool))
