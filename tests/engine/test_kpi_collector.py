"""The KPI collector records exactly what Mesa's generic DataCollector records."""

from __future__ import annotations

from pathlib import Path

import mesa
import pandas as pd

from sim.config.scenario import load_scenario
from sim.engine.metrics import KpiCollector, model_reporters
from sim.engine.model import SocialCommerceModel

ROOT = Path(__file__).resolve().parents[2]


def test_kpi_collector_equals_generic_datacollector():
    scn = load_scenario(ROOT / "scenarios" / "baseline.toml", {"run.consumers": 800, "run.days": 6})
    model = SocialCommerceModel(scn, seed=4)
    generic = mesa.DataCollector(model_reporters=model_reporters(list(model.kpis)))
    generic.collect(model)
    while model.running:
        model.step()
        generic.collect(model)
    assert isinstance(model.datacollector, KpiCollector)
    ours = model.datacollector.get_model_vars_dataframe()
    assert len(ours) == 7 and ours["reach"].iloc[-1] > 0
    pd.testing.assert_frame_equal(ours, generic.get_model_vars_dataframe(), check_exact=True)
    assert model.datacollector._collection_steps == generic._collection_steps
