"""The workshop page shows a live session while it runs (the format desks under the page)."""

from __future__ import annotations

from pathlib import Path

import solara

from sim.viz.app import FormatStats
from sim.viz.workshop import WorkshopModel, WorkshopSettings

ROOT = Path(__file__).resolve().parents[2]


def test_a_live_session_is_visible_on_its_day():
    settings = WorkshopSettings(scenario=ROOT / "scenarios" / "live_commerce.toml",
                                consumers=1500)
    model = WorkshopModel(settings, seed=2)
    while model.day < 7:
        model.step()
    last = model.ctx.formats["live"].last_session
    assert last["day"] == 7 and last["viewers"] > 0 and last["peak"] <= last["viewers"]
    box, _ = solara.render(FormatStats(model), handle_error=False)
    shown = _texts(box)
    assert "live now" in shown and f"{last['viewers']:,} (peak {last['peak']:,})" in shown
    model.step()  # the day after: the running total instead
    box, _ = solara.render(FormatStats(model), handle_error=False)
    assert "live viewers" in _texts(box)


def _texts(widget) -> list[str]:
    """Every text shown under ``widget``."""
    out = []
    for child in getattr(widget, "children", None) or []:
        out += [child] if isinstance(child, str) else _texts(child)
    return out
