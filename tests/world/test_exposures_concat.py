"""Exposures.concat equals the join it replaced, whatever the parts' dtypes, and the post log's
column groups are its single-column views."""

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


def test_column_groups_are_the_column_views() -> None:
    log = PostLog()
    row = (0, 1, 2, 3, -1, 0.5, -1.0, False, 7, 3, 0.4, False, True)
    log.append(*row)
    fields = ("kind", "author")
    kind, author = log.columns(fields)
    assert kind is log["kind"] and author is log["author"]
    assert log.columns(fields)[0] is kind  # kept while nothing is added
    log.append(*row)  # a staged row: the group is made again, with the row
    kind2, author2 = log.columns(fields)
    assert kind2.tolist() == [3, 3] and author2.tolist() == [7, 7]
    log.add(**{**{k: 0 for k in POST_FIELDS}, "kind": np.array([5, 6])})
    assert log.columns(("kind",))[0].tolist() == [3, 3, 5, 6]
