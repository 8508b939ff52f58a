"""Throwaway Mesa 3.5 SolaraViz app used only to prove the browser test harness works.

Serve with ``solara run tests/browser/_demo_app.py``. The model is created per browser
session (inside ``Page``), not at import, so concurrent sessions do not share a simulation.
"""

from __future__ import annotations

import mesa
import solara
from mesa.visualization import Slider, SolaraViz, make_plot_component


class CounterModel(mesa.Model):
    """A model whose only state is a counter that grows by ``increment`` each step."""

    def __init__(self, increment: int = 1, rng: int | None = 42) -> None:
        super().__init__(rng=rng)
        self.increment = increment
        self.count = 0
        self.datacollector = mesa.DataCollector(model_reporters={"Count": "count"})
        self.datacollector.collect(self)

    def step(self) -> None:
        """Advance the counter and record it."""
        self.count += self.increment
        self.datacollector.collect(self)


model_params = {
    "increment": Slider("Increment", value=1, min=1, max=10, step=1),
}


@solara.component
def Page() -> None:
    """One SolaraViz page per browser session with its own model."""
    model = solara.use_memo(lambda: CounterModel(), dependencies=[])
    SolaraViz(
        model,
        components=[
            make_plot_component("Count"),  # matplotlib
            make_plot_component("Count", backend="altair"),  # vega, vega-lite, vega-embed
        ],
        model_params=model_params,
        name="Harness demo",
    )
