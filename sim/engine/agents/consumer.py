"""Consumer agent: a read-only view onto one row of the population arrays.

Consumers are simulated as arrays (:mod:`sim.world.population`); this agent exists for inspection,
the workshop page and tests, never for the hot path. Create views with
``model.consumer(row)``.
"""

from __future__ import annotations

import mesa

from sim.world.population import STAGES


class Consumer(mesa.Agent):
    """View of consumer ``row``; attribute reads go to the model's ``population`` and
    ``graph``."""

    def __init__(self, model: mesa.Model, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def _pop(self):
        return self.model.population

    @property
    def circle(self) -> int:
        return int(self._pop.circle[self.row])

    @property
    def segment(self) -> str:
        return self._pop.segment_names[int(self._pop.segment[self.row])]

    @property
    def stage(self) -> str:
        """Furthest funnel stage over all retailers."""
        return STAGES[int(self._pop.stage[self.row].max())]

    def stage_for(self, retailer: int) -> str:
        return STAGES[int(self._pop.stage[self.row, retailer])]

    @property
    def orders(self) -> int:
        return int(self._pop.orders[self.row].sum())

    @property
    def neighbours(self) -> list[int]:
        g = self.model.graph
        if g is None:
            return []
        return g.indices[g.indptr[self.row] : g.indptr[self.row + 1]].tolist()

    def step(self) -> None:
        """Consumers act through the vectorised kernels of the model; nothing to do here."""
