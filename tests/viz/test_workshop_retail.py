"""The workshop page draws stores and distributors when a scenario has them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.viz.drawing import NetworkPainter
from sim.viz.workshop import WorkshopModel, WorkshopSettings

ROOT = Path(__file__).resolve().parents[2]
JPEG_MAGIC = b"\xff\xd8\xff"


def model(name: str) -> WorkshopModel:
    return WorkshopModel(WorkshopSettings(scenario=ROOT / "scenarios" / f"{name}.toml",
                                          consumers=1500, max_shown=1500))


def test_stores_are_drawn_with_their_visits():
    m = model("store_o2o_pilot")
    net = NetworkPainter(m)
    assert len(net.store_art.get_offsets()) == 3
    for _ in range(3):
        m.step()
    assert net.render()[:3] == JPEG_MAGIC
    texts = [t.get_text() for t in net.store_labels]
    assert texts[0].startswith("north · ") and "opens day 15" in texts[2]


def test_active_distributors_are_ringed():
    m = model("distributor_recruitment")
    net = NetworkPainter(m)
    for _ in range(20):
        m.step()
    assert net.render()[:3] == JPEG_MAGIC
    active = m.retail.distributors[0].active.sum()
    assert active > 0 and len(net.distributor_art.get_offsets()) == active


def test_no_retail_artists_without_retail(tmp_path):
    m = WorkshopModel(WorkshopSettings(scenario=ROOT / "scenarios" / "baseline.toml",
                                       consumers=800, max_shown=500))
    net = NetworkPainter(m)
    m.step()
    net.render()
    assert len(net.store_art.get_offsets()) == 0
    assert len(np.asarray(net.distributor_art.get_offsets())) == 0
