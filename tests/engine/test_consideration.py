"""Consideration (sim/engine/consideration.py): a first order needs brand memory in proportion
to the price."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.config.scenario import load_scenario
from sim.engine.consideration import ready
from sim.execution.runner import run_single

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"


def test_ready_keeps_rows_with_enough_memory():
    memory = np.array([[0.0], [3.0], [10.0]], dtype=np.float32)
    rows = np.arange(3)
    assert list(ready(memory, rows, 0, 0.0)) == [0, 1, 2]
    assert list(ready(memory, rows, 0, 3.0)) == [1, 2]


def orders(price: float, consideration: float, seed: int = 1) -> float:
    scn = load_scenario(BASELINE, {"run.consumers": 2000, "run.days": 30,
                                   "retailers.brand.price": price,
                                   "behaviour.consideration_memory": consideration})
    return run_single(scn, seed, keep_timeseries=False).summary["orders"]


def test_consideration_costs_more_first_orders_for_an_expensive_product():
    """Same worlds: switching consideration on removes a larger share of orders of a product
    at four times the price than of the everyday product."""
    seeds = (1, 2)
    cheap = [orders(85.0, 2.0, s) / max(1.0, orders(85.0, 0.0, s)) for s in seeds]
    dear = [orders(340.0, 2.0, s) / max(1.0, orders(340.0, 0.0, s)) for s in seeds]
    assert np.mean(dear) < np.mean(cheap) <= 1.0
