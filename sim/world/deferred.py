"""Arrays drawn on first use: a world's draws that a run may never read.

A reference mode (``bass``, ``independent_cascade``, ``threshold``) reads the graph's ties and
the consumers' dynamic state, never the consumers' fixed attributes (segment, circle, need,
susceptibility, activity, attention, price sensitivity) nor the ties' trust and strong flags.
Drawing them costs most of an extra replication on a fixed edge list (about 45 ms of 75 ms at
100,000 consumers), so its world defers them: a :class:`Deferred` holds the random stream
they come from and draws the whole group, exactly as the eager build would, the first time
any member is read (:class:`DeferredField`). Because each group has its own stream (population,
graph; see :mod:`sim.world.builder`), drawing later or never changes no other draw: a reader
gets the same values as from an eager build, and a run that never reads them the same results.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

LATER = object()
"""Passed to a :class:`DeferredField` in a constructor: leave the value to the draw."""


class Deferred:
    """A group of arrays drawn together, once, by ``draw`` (read-only once drawn)."""

    def __init__(self, draw: Callable[[], dict[str, np.ndarray]]) -> None:
        self._draw: Callable[[], dict[str, np.ndarray]] | None = draw
        self._values: dict[str, np.ndarray] | None = None

    @property
    def drawn(self) -> bool:
        """Whether the group has been drawn."""
        return self._values is not None

    def get(self, name: str) -> np.ndarray:
        """The array ``name`` of the group (drawing the group on first use)."""
        if self._values is None:
            assert self._draw is not None
            values = self._draw()
            for a in values.values():
                a.flags.writeable = False
            self._values, self._draw = values, None
        return self._values[name]


class DeferredField:
    """A data descriptor for a dataclass field whose value may come from the instance's
    ``_deferred`` (:class:`Deferred`): set to :data:`LATER` in the constructor, it is read
    from the group on first access and kept on the instance."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        values = obj.__dict__
        if self.name not in values:
            values[self.name] = obj.__dict__["_deferred"].get(self.name)
        return values[self.name]

    def __set__(self, obj: Any, value: Any) -> None:
        if value is not LATER:
            obj.__dict__[self.name] = value


__all__ = ["Deferred", "DeferredField", "LATER"]
