"""Joining exposure batches: the arrays ``concatenate(...).astype(...)`` gave, and empty
batches that share nothing writable."""

from __future__ import annotations

import numpy as np

from sim.world.content import Exposures


def _reference(batches):
    batches = [b for b in batches if len(b)]
    return (np.concatenate([b.consumer for b in batches]),
            np.concatenate([b.post for b in batches]),
            np.concatenate([b.trust for b in batches]).astype(np.float32, copy=False),
            np.concatenate([b.channel for b in batches]).astype(np.int8, copy=False))


def test_join_equals_concatenate_then_astype():
    rng = np.random.default_rng(2)
    a = Exposures(np.arange(5), np.arange(5), rng.random(5), np.arange(5, dtype=np.int64))
    b = Exposures(np.arange(3, dtype=np.int32), np.arange(3), rng.random(3).astype(np.float32),
                  np.array([1, 2, 300], dtype=np.int64))
    got = Exposures.concat([a, Exposures.empty(), b])
    for x, y in zip((got.consumer, got.post, got.trust, got.channel), _reference([a, b])):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)


def test_empty_batches_are_new_batches():
    e, f = Exposures.empty(), Exposures.empty()
    assert e is not f and len(e) == 0 == len(Exposures.concat([e, f]))
    e.trust = np.ones(2, np.float32)  # replacing a field of one changes no other
    assert len(Exposures.empty().trust) == 0 and len(f.trust) == 0
    assert (e.consumer.dtype, e.post.dtype, f.trust.dtype, e.channel.dtype) == (
        np.int64, np.int64, np.float32, np.int8)
