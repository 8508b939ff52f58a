"""Exposures.concat equals the join it replaced, whatever the parts' dtypes; the post log's
column buffers hold every post."""

from __future__ import annotations

import numpy as np
import pytest

from sim.world.content import POST_FIELDS, Exposures, PostLog


def _reference(batches: list[Exposures]) -> Exposures:
    """The join before the one-pass gathering (kept as the reference)."""
    batches = [b for b in batches if len(b.consumer)]
    if not batches:
        return Exposures.empty()
    if len(batches) == 1:
        b = batches[0]
        return Exposures(b.consumer, b.post, b.trust.astype(np.float32, copy=False),
                         b.channel.astype(np.int8, copy=False))
    return Exposures(
        np.concatenate([b.consumer for b in batches]),
        np.concatenate([b.post for b in batches]),
        np.concatenate([b.trust for b in batches], dtype=np.float32, casting="unsafe"),
        np.concatenate([b.channel for b in batches], dtype=np.int8, casting="unsafe"))


def _batch(rng: np.random.Generator, n: int, trust_dtype, channel_dtype) -> Exposures:
    return Exposures(rng.integers(0, 1000, n), rng.integers(0, 50, n),
                     rng.random(n).astype(trust_dtype), rng.integers(0, 9, n).astype(channel_dtype))


@pytest.mark.parametrize("dtypes", [(np.float32, np.int8), (np.float64, np.int8),
                                    (np.float32, np.int64), (np.float64, np.int32)])
@pytest.mark.parametrize("sizes", [(), (0,), (0, 0), (5,), (0, 7, 0), (3, 0, 4), (1, 2, 3, 0, 9)])
def test_concat_equals_reference(dtypes: tuple, sizes: tuple) -> None:
    rng = np.random.default_rng(len(sizes))
    batches = [_batch(rng, n, *(dtypes if k % 2 else (np.float32, np.int8)))
               for k, n in enumerate(sizes)]
    got, expected = Exposures.concat(batches), _reference(batches)
    for name in ("consumer", "post", "trust", "channel"):
        g, e = getattr(got, name), getattr(expected, name)
        assert g.dtype == e.dtype, name
        np.testing.assert_array_equal(g, e, err_msg=name)
    assert got.trust.dtype == np.float32 and got.channel.dtype == np.int8


def test_buffers_hold_every_post_and_are_kept_until_they_grow() -> None:
    log = PostLog()
    row = (0, 1, 2, 3, -1, 0.5, -1.0, False, 7, 3, 0.4, False, True)
    log.append(*row)
    fields = ("kind", "author")
    kind, author = log.buffers(fields)  # the staged row is written first
    assert len(kind) >= len(log) == 1 and kind[0] == 3 and author[0] == 7
    assert log.buffers(fields) is log.buffers(fields)  # kept
    log.append(*row[:3], 4, *row[4:])
    log.add(**{**{k: 0 for k in POST_FIELDS}, "kind": np.array([5, 6])})
    again = log.buffers(fields)
    assert again[0] is kind  # same buffers while they have room
    assert kind[: len(log)].tolist() == [3, 4, 5, 6] == log["kind"].tolist()
    for _ in range(70):  # past the first capacity (64): new buffers, a new tuple
        log.append(*row)
    grown, _ = log.buffers(fields)
    assert grown is not kind and len(grown) >= len(log) == 74
    np.testing.assert_array_equal(grown[: len(log)], log["kind"])
    assert log.buffers(("author",))[0][73] == 7


def test_copies_and_pickles_keep_their_own_buffers() -> None:
    import copy
    import pickle

    log = PostLog()
    log.append(0, 1, 2, 3, -1, 0.5, -1.0, False, 7, 3, 0.4, False, True)
    kind, _ = log.buffers(("kind", "author"))
    for other in (copy.deepcopy(log), pickle.loads(pickle.dumps(log))):
        other_kind, _ = other.buffers(("kind", "author"))
        assert other_kind is not kind
        other.add(**{**{k: 0 for k in POST_FIELDS}, "kind": 9})
        assert other.buffers(("kind",))[0][1] == 9 and other["kind"].tolist() == [3, 9]
        assert len(log) == 1
