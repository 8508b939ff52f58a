"""A post log's kept column views always show every post: appended (staged), added, or written
through :meth:`PostLog.open_rows`; copies and pickles keep working."""

from __future__ import annotations

import copy
import pickle

import numpy as np

from sim.world.content import POST_FIELDS, PostLog


def _row(kind: int) -> tuple:
    return (0, 1, 2, kind, -1, 0.5, -1.0, False, 7, 3, 0.4, False, True)


def test_views_follow_appends_adds_and_opened_rows():
    log = PostLog()
    assert len(log["kind"]) == 0
    log.append(*_row(1))
    assert log["kind"].tolist() == [1]
    view = log["kind"]
    assert log["kind"] is view  # kept while nothing is added
    log.append(*_row(2))
    assert log["kind"].tolist() == [1, 2] and len(log) == 2
    log.add(**{**{k: 0 for k in POST_FIELDS}, "kind": np.array([3, 4])})
    assert log["kind"].tolist() == [1, 2, 3, 4]
    log.append(*_row(5))
    start, buf = log.open_rows(2)  # the staged row is written first
    assert start == 5
    buf["kind"][start:start + 2] = [6, 7]
    assert log["kind"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    for _ in range(100):  # the buffers grow
        log.append(*_row(8))
    assert len(log["kind"]) == 107 and log["author"][-1] == 7


def test_copies_and_pickles_keep_their_own_views():
    log = PostLog()
    log.append(*_row(1))
    assert log["kind"].tolist() == [1]
    for other in (copy.deepcopy(log), pickle.loads(pickle.dumps(log))):
        other.append(*_row(2))
        assert other["kind"].tolist() == [1, 2]
        assert log["kind"].tolist() == [1]
