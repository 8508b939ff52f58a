"""Staged posts reach the columns with the same values whatever their number (element writes
for a few rows, one slice write per field for more), as the slice writes of every row gave."""

from __future__ import annotations

import numpy as np
import pytest

from sim.world import content
from sim.world.content import POST_FIELDS, PostLog


def _rows(rng: np.random.Generator, n: int) -> list[tuple]:
    """Rows of mixed Python and numpy scalars, as the model's publishers hand them over."""
    rows = []
    for _ in range(n):
        rows.append((int(rng.integers(0, 5)), np.int64(rng.integers(0, 3)),
                     int(rng.integers(0, 9)), int(rng.integers(0, 6)),
                     int(rng.integers(-1, 40)), float(rng.random()),
                     np.float64(rng.normal()), bool(rng.random() < 0.3),
                     int(rng.integers(-1, 10**9)), int(rng.integers(0, 365)),
                     float(rng.random()) * 1.7 + np.float32(0.1), bool(rng.random() < 0.5),
                     np.bool_(rng.random() < 0.5)))
    return rows


def _reference(batches: list[list[tuple]]) -> dict[str, np.ndarray]:
    """Every batch of staged rows written by one slice write per field (the old flush)."""
    cols = {k: [] for k in POST_FIELDS}
    for rows in batches:
        for k, column in zip(POST_FIELDS, zip(*rows)):
            part = np.empty(len(rows), POST_FIELDS[k])
            part[:] = column
            cols[k].append(part)
    return {k: np.concatenate(v) for k, v in cols.items()}


@pytest.mark.parametrize("seed", range(4))
def test_flush_of_any_number_of_rows_equals_slice_writes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sizes = [1, 2, 3, content._ELEMENT_ROWS, content._ELEMENT_ROWS + 1, 9, 1, 40, 2]
    batches = [_rows(rng, n) for n in sizes]
    log = PostLog()
    for rows in batches:
        ids = [log.append(*row) for row in rows]
        assert log["kind"][-1] == rows[-1][3]  # reading the log writes the staged rows
        assert ids[-1] == len(log) - 1
    expected = _reference(batches)
    assert len(log) == sum(sizes)  # the buffers grew on the way (capacity 64 at first)
    for k in POST_FIELDS:
        got = log[k]
        assert got.dtype == expected[k].dtype
        np.testing.assert_array_equal(got, expected[k], err_msg=k)


def test_element_writes_stop_at_the_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no element-write rows at all, the slice path gives the same columns."""
    rng = np.random.default_rng(9)
    batches = [_rows(rng, n) for n in (1, 3, 2)]
    logs = []
    for limit in (0, 4):
        monkeypatch.setattr(content, "_ELEMENT_ROWS", limit)
        log = PostLog()
        for rows in batches:
            for row in rows:
                log.append(*row)
            log["b0"]
        logs.append(log.cols)
    for k in POST_FIELDS:
        np.testing.assert_array_equal(logs[0][k], logs[1][k], err_msg=k)
