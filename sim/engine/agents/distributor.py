"""Distributor agents: a read-only view onto one entry of a retailer's distributor arrays.

Distributors can number in the thousands, so their state lives in arrays
(:class:`sim.engine.distributors.DistributorLayer`) and the daily rule runs over the arrays; a
:class:`Distributor` is created for each recruit so that ``model.agents_by_type[Distributor]``
is an ``AgentSet`` users can inspect (the workshop page, tests), never the hot path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.engine.distributors import DistributorLayer


class Distributor(mesa.Agent):
    """Distributor ``slot`` of ``layer``; attribute reads go to the layer's arrays."""

    def __init__(self, layer: "DistributorLayer", slot: int) -> None:
        super().__init__(layer.model)
        self.layer = layer
        self.slot = slot

    @property
    def consumer_row(self) -> int:
        """The consumer the distributor is (recruited from the retailer's buyers/members)."""
        return int(self.layer.row[self.slot])

    @property
    def circle(self) -> int:
        return int(self.model.population.circle[self.consumer_row])

    @property
    def active(self) -> bool:
        return bool(self.layer.active[self.slot])

    @property
    def price_cut(self) -> float:
        """Share below list price it sells at (0 = list price)."""
        return float(self.layer.cut[self.slot])

    @property
    def sales_30d(self) -> float:
        """Yuan sold over the last 30 days."""
        return float(self.layer.sales_hist[:, self.slot].sum())

    @property
    def commission_rate(self) -> float:
        return float(self.layer.rates()[self.slot])
