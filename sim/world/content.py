"""Posts and exposures.

A *post* is a piece of content about one retailer: a creator's commissioned post, a paid ad, a
community message, a buyer's UGC or a negative post. Posts live in an append-only
:class:`PostLog` (numpy columns). An *exposure* is one delivery of one post to one consumer;
a day's exposures travel as an :class:`Exposures` batch of parallel arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.scenario import CONTENT_KIND_NAMES
from sim.config.scenario import KIND_APPEAL as KIND_APPEAL_DEFAULTS
from sim.config.scenario import KIND_HOMOGENEITY as KIND_HOMOGENEITY_DEFAULTS
from sim.config.scenario import KIND_SOCIAL_CURRENCY as KIND_SOCIAL_CURRENCY_DEFAULTS
from sim.config.scenario import kind_table

KIND = {name: i for i, name in enumerate(CONTENT_KIND_NAMES)}

# The default per-kind tables (the live ones are behaviour.kind_social_currency,
# kind_homogeneity and kind_appeal of the scenario), float32 in kind-code order.
SOCIAL_CURRENCY = kind_table(KIND_SOCIAL_CURRENCY_DEFAULTS)
HOMOGENEITY = kind_table(KIND_HOMOGENEITY_DEFAULTS)
KIND_APPEAL = kind_table(KIND_APPEAL_DEFAULTS)

POST_FIELDS: dict[str, type] = {
    "retailer": np.int16,  # retailer index
    "platform": np.int8,  # platform index
    "channel": np.int8,  # channel code (see SocialCommerceModel.channels)
    "kind": np.int8,  # content kind (KIND)
    "circle": np.int32,  # tagged circle, -1 = generic
    "credibility": np.float32,  # 0–1
    "b0": np.float32,  # engagement logit intercept for this post
    "negative": np.bool_,  # negative content about the retailer
    "author": np.int64,  # influencer unique_id, consumer row, or -1
    "day": np.int32,  # day published
    "homogeneity": np.float32,  # fatigue added per exposure (≥ 0); default HOMOGENEITY[kind]
    "framed": np.bool_,  # guanxi ("neighbourly sharing") framing; default False
    "reused": np.bool_,  # near-duplicate of earlier copy (content_reuse); default False
}
OPTIONAL_POST_FIELDS = ("homogeneity", "framed", "reused")
"""Fields :meth:`PostLog.add` fills when omitted (from the kind, or False)."""


_FIELD_SET = frozenset(POST_FIELDS)
_ELEMENT_ROWS = 4
"""Up to this many staged rows go into the columns by element writes (13 per row, ~0.04 µs
each); more by one slice write per field (~0.2 µs each, plus transposing the rows). A day
stages one to three rows at a time (ads, community posts:
:meth:`sim.engine.state.Context.publish`)."""


def _length(value: object) -> int:
    """Number of entries of a column value (a scalar counts as one)."""
    if isinstance(value, np.ndarray):
        return value.size
    return len(value) if isinstance(value, (list, tuple)) else 1


class _Views(dict):
    """A post log's column views by field; a missing one is made from the buffers, after the
    staged rows are written into them."""

    __slots__ = ("_log",)

    def __init__(self, log: "PostLog") -> None:
        super().__init__()
        self._log = log

    def __missing__(self, field: str) -> np.ndarray:
        log = self._log
        if log._staged:
            log._flush()  # clears the views (the log grew)
        view = self[field] = log._buf[field][: log._n]
        return view


class PostLog:
    """Append-only table of every post of a run (numpy column per field).

    Columns live in buffers whose capacity doubles when full, so appending a post costs O(1)
    amortised (not a copy of the whole log); ``log[field]`` is a view of the filled part.
    Single posts appended with :meth:`append` (a creator's commissioned post) wait in a list
    until the log is next read or added to, then go into the columns in one write per field.
    """

    def __init__(self) -> None:
        self._buf: dict[str, np.ndarray] = {k: np.empty(64, dtype=t) for k, t in POST_FIELDS.items()}
        self._n = 0
        self._staged: list[tuple] = []  # rows appended by `append`, not yet in the columns
        # `log[field]` views, until the log grows or a row is staged (then it is empty)
        self._views = _Views(self)
        # tuples of buffers by tuple of fields (`buffers`), until the buffers grow
        self._groups: dict[tuple[str, ...], tuple[np.ndarray, ...]] = {}

    @property
    def cols(self) -> dict[str, np.ndarray]:
        """Every column (views of the filled part)."""
        self._flush()
        return {k: b[: self._n] for k, b in self._buf.items()}

    def __len__(self) -> int:
        return self._n + len(self._staged)

    def __getitem__(self, field: str) -> np.ndarray:
        """The filled part of one column (a view, kept until the log next grows or a row is
        staged: the response chain reads a few columns thousands of times a run, so a kept
        view is one dict look-up)."""
        return self._views[field]

    def buffers(self, fields: tuple[str, ...]) -> tuple[np.ndarray, ...]:
        """The column buffers of ``fields`` (a tuple of field names), in that order, with
        every post written into them (staged rows first): arrays of the column dtypes whose
        first ``len(log)`` entries are the posts and whose further entries are unset.

        For compiled passes that only index columns by post id (the response chain reads a
        dozen columns a batch): the tuple is kept until the buffers next grow, so it is one
        look-up even on days when posts are added between batches (which renew the
        ``log[field]`` views)."""
        if self._staged:
            self._flush()
        group = self._groups.get(fields)
        if group is None:
            group = self._groups[fields] = tuple(self._buf[k] for k in fields)
        return group

    def append(self, retailer: int, platform: int, channel: int, kind: int, circle: int,
               credibility: float, b0: float, negative: bool, author: int, day: int,
               homogeneity: float, framed: bool = False, reused: bool = False) -> int:
        """Append one post of plain scalars (fields as in :data:`POST_FIELDS`, nothing
        defaulted but ``framed`` / ``reused``); returns its post id."""
        if not self._staged:  # views would miss this row: they are made again after a flush
            self._views.clear()
        self._staged.append((retailer, platform, channel, kind, circle, credibility, b0,
                             negative, author, day, homogeneity, framed, reused))
        return self._n + len(self._staged) - 1

    def open_rows(self, n: int) -> tuple[int, dict[str, np.ndarray]]:
        """Count ``n`` more posts in and return the first one's id and the column buffers
        (field -> array); the caller writes rows ``start … start + n − 1`` of every field
        into them at once (a day's creator posts, :class:`sim.engine.agents.influencer
        .CommissionBook`)."""
        if self._staged:
            self._flush()
        return self._reserve(n), self._buf

    def _flush(self) -> None:
        """Write the staged rows into the columns: element by element for up to
        :data:`_ELEMENT_ROWS` rows, else one write per field (the same values either way:
        each Python scalar is cast to its column's dtype)."""
        staged, self._staged = self._staged, []
        if not staged:
            return
        start = self._reserve(len(staged))
        buf = self._buf
        if len(staged) <= _ELEMENT_ROWS:  # a few rows (the usual case): element writes
            columns = [buf[k] for k in POST_FIELDS]
            for row in staged:
                for column, value in zip(columns, row):
                    column[start] = value
                start += 1
        else:
            for k, column in zip(POST_FIELDS, zip(*staged)):
                buf[k][start:self._n] = column

    def _reserve(self, n: int) -> int:
        """Grow the buffers to hold ``n`` more posts and count them in; returns the first id."""
        start, end = self._n, self._n + n
        self._views.clear()
        capacity = len(self._buf["retailer"])
        if end > capacity:
            self._groups.clear()
            capacity = max(2 * capacity, end)
            for k, buf in self._buf.items():
                grown = np.empty(capacity, dtype=buf.dtype)
                grown[:start] = buf[:start]
                self._buf[k] = grown
        self._n = end
        return start

    def add(self, **columns: np.ndarray | float | int) -> np.ndarray:
        """Append posts (all columns broadcast to one length); returns their post ids."""
        self._flush()
        n, scalars = 1, True
        for v in columns.values():
            if isinstance(v, (np.ndarray, list, tuple)):
                n, scalars = max(n, _length(v)), False
        if "homogeneity" not in columns and "kind" in columns:
            columns["homogeneity"] = HOMOGENEITY[np.asarray(columns["kind"], dtype=np.int64)]
        columns.setdefault("framed", False)
        columns.setdefault("reused", False)
        missing = _FIELD_SET.difference(columns)
        if missing:
            raise ValueError(f"post fields missing: {sorted(missing)}")
        start = self._reserve(n)
        buf = self._buf
        if scalars:
            for k in POST_FIELDS:  # one post of plain scalars: element writes are cheapest
                buf[k][start] = columns[k]
        else:
            for k in POST_FIELDS:
                buf[k][start:self._n] = columns[k]  # cast to the column's dtype, scalars broadcast
        return np.arange(start, self._n, dtype=np.int64)


_F32, _I8 = np.dtype(np.float32), np.dtype(np.int8)
_EMPTY_COLUMNS = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32),
                  np.empty(0, np.int8))


@dataclass
class Exposures:
    """A batch of exposures: parallel arrays, one entry per (consumer, post) delivery."""

    consumer: np.ndarray  # int64 consumer row
    post: np.ndarray  # int64 post id in the PostLog
    trust: np.ndarray  # float32 trust in the immediate source (creator, tie, platform)
    channel: np.ndarray  # int8 channel credited for this touch

    @classmethod
    def empty(cls) -> "Exposures":
        """A batch of no exposures (a new batch; its zero-length arrays are shared, as
        nothing can be written into them)."""
        return cls(*_EMPTY_COLUMNS)

    def __len__(self) -> int:
        return len(self.consumer)

    @classmethod
    def concat(cls, batches: list["Exposures"]) -> "Exposures":
        """The batches joined in order (empty ones skipped); trust float32, channel int8.

        The columns are gathered in one pass over the batches; trust and channel are joined
        straight into their dtypes (the values ``astype`` gives), without the cast arguments
        when every part has the dtype already (the usual case, ~0.1 µs less per column)."""
        consumer, post, trust, channel = [], [], [], []
        cast = False
        for b in batches:
            if len(b.consumer):
                consumer.append(b.consumer)
                post.append(b.post)
                trust.append(b.trust)
                channel.append(b.channel)
                cast = cast or b.trust.dtype != _F32 or b.channel.dtype != _I8
        if not consumer:
            return cls.empty()
        if len(consumer) == 1:  # nothing to join: the batch's own arrays (never written to)
            return cls(consumer[0], post[0], trust[0].astype(np.float32, copy=False),
                       channel[0].astype(np.int8, copy=False))
        if cast:
            return cls(np.concatenate(consumer), np.concatenate(post),
                       np.concatenate(trust, dtype=np.float32, casting="unsafe"),
                       np.concatenate(channel, dtype=np.int8, casting="unsafe"))
        return cls(np.concatenate(consumer), np.concatenate(post), np.concatenate(trust),
                   np.concatenate(channel))

    def subset(self, mask: np.ndarray) -> "Exposures":
        """The exposures selected by ``mask`` (a boolean array as long as the batch, or
        indices), in order. A boolean mask is turned into indices once: four integer takes
        cost less than four boolean selections, each of which counts the mask again."""
        if isinstance(mask, np.ndarray) and mask.dtype == np.bool_:
            mask = np.flatnonzero(mask)
        return Exposures(self.consumer[mask], self.post[mask], self.trust[mask], self.channel[mask])
