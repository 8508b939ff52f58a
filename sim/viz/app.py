"""The workshop page: watch a cascade happen and change it live (Mesa SolaraViz + Solara).

Start it with ``socsim viz [SCENARIO.toml] [--port P] [--host H]`` (or
``solara run sim/viz/app.py``). The scenario and world size come from the environment
variables ``SOCSIM_VIZ_SCENARIO`` and ``SOCSIM_VIZ_CONSUMERS`` that ``socsim viz`` sets.

Every browser session gets its own :class:`~sim.viz.workshop.WorkshopModel` (created inside
``Page``, never at import), so a room of participants can each play. Mesa's SolaraViz provides
Step, Play/Pause and Reset (Reset rebuilds the world from the chosen scenario, seed and lever
positions); the "Levers" card changes the running world from the next day on, picks a bundled
scenario, or triggers an algorithm change on the main platform.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import solara
from mesa.visualization import SolaraViz, Slider
from mesa.visualization.utils import force_update, update_counter

from sim.world.population import STAGES
from sim.config.kpis import kpi_label
from sim.config.scenario import ScenarioError
from sim.viz.drawing import FRAME_FORMAT, STAGE_COLORS, STAGE_LABELS, ChartsPainter, NetworkPainter
from sim.viz.workshop import (
    DEFAULT_CONSUMERS, DEFAULT_SCENARIO, SHOCK_FACTOR, Levers, WorkshopModel, WorkshopSettings,
    campaign_scenarios, creator_tiers, fmt_lever, koc_tier,
)

SCENARIO_ENV = "SOCSIM_VIZ_SCENARIO"
CONSUMERS_ENV = "SOCSIM_VIZ_CONSUMERS"


def initial_settings() -> WorkshopSettings:
    """A session's starting settings, from the environment ``socsim viz`` prepared."""
    scenario = Path(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO)
    consumers = int(os.environ.get(CONSUMERS_ENV) or DEFAULT_CONSUMERS)
    return WorkshopSettings(scenario=scenario, consumers=consumers)


def money(model: WorkshopModel, yuan: float) -> str:
    """Simulated yuan shown at the scenario's reference market size (as the budget lever)."""
    return f"¥{yuan / model.money_scale / 1000:,.0f}k"


# ------------------------------------------------------------------------------ pieces
@solara.component
def Stat(label: str, value: str, name: str, color: str | None = None) -> None:
    """One labelled number of the status strip; ``name`` becomes the CSS class ``ws-<name>``."""
    with solara.Column(gap="0px", style={"min-width": "86px", "padding": "2px 10px",
                                         "border-left": f"6px solid {color or '#757575'}"}):
        solara.Text(label, style={"font-size": "13px", "color": "#555"})
        solara.Text(value, classes=[f"ws-{name}"], style={"font-size": "22px", "font-weight": "600"})


@solara.component
def StatusStrip(model: WorkshopModel) -> None:
    """Day, funnel counts, today's engagements, GMV, spend and negative sentiment as text."""
    update_counter.get()
    k = model.kpis
    with solara.Row(gap="8px", style={"flex-wrap": "wrap", "align-items": "flex-end"}):
        Stat("Day", f"{model.day} / {model.days}", "day", "#212121")
        for stage, label, color in zip(STAGES, STAGE_LABELS, STAGE_COLORS):
            Stat(label, f"{int(k[f'stage_{stage}']):,}", f"stage-{label}", color)
        Stat("engaged today", f"{int(model.spread.new_engaged.sum()):,}", "new-engaged", "#000000")
        Stat(kpi_label("gmv"), money(model, k["gmv"]), "gmv", "#31a354")
        Stat(kpi_label("spend"), money(model, k["spend"]), "spend", "#636363")
        Stat("negative", f"{k['negative_sentiment']:.1%}", "negative", "#b10026")


@solara.component
def Timeline(model: WorkshopModel) -> None:
    """The last lever moves and shocks, newest first (what the room just changed)."""
    update_counter.get()
    style = {"font-size": "14px", "color": "#424242", "min-height": "20px"}
    with solara.Row(gap="18px", style={"flex-wrap": "wrap", "margin": "2px 0 4px 4px"}):
        if not model.events:
            solara.Text("no lever moved yet: move one in the sidebar, or press the algorithm "
                        "change button", style={**style, "color": "#9e9e9e"})
        for day, kind, note in model.events[-3:][::-1]:
            color = "#b10026" if kind == "shock" else "#424242"
            solara.Text(f"day {day}: {note}", classes=["ws-event"], style={**style, "color": color})


@solara.component
def Dashboard(model: WorkshopModel) -> None:
    """Status strip, network and charts; redrawn after every step or lever change."""
    update_counter.get()
    painters = solara.use_memo(lambda: (NetworkPainter(model), ChartsPainter(model)), [model])
    key = (id(model), model.steps, model.revision)

    def render() -> tuple[bytes, bytes, float]:
        start = time.perf_counter()
        with model.lock:
            frames = painters[0].render(), painters[1].render()
        return frames[0], frames[1], time.perf_counter() - start

    net_frame, charts_frame, seconds = solara.use_memo(render, [key])
    StatusStrip(model)
    Timeline(model)
    with solara.Columns([11, 10], gutters_dense=True):
        with solara.Card(margin=0, classes=["ws-network"]):
            solara.Image(net_frame, width="100%", format=FRAME_FORMAT)
        with solara.Card(margin=0, classes=["ws-charts"]):
            solara.Image(charts_frame, width="100%", format=FRAME_FORMAT)
    solara.Text(f"drawn in {seconds * 1000:.0f} ms", classes=["ws-render-ms"],
                style={"font-size": "11px", "color": "#9e9e9e"})


LEVER_STEPS = {"trust": 0.05, "mixing": 0.05, "social_currency": 0.1, "fatigue": 0.05,
               "sharing": 0.01, "koc_share": 0.05}


@solara.component
def LeverPanel(model: solara.Reactive[WorkshopModel], settings: WorkshopSettings) -> None:
    """Scenario picker, live levers and the algorithm-change button (a sidebar card).

    It re-renders when the model is replaced (Reset, scenario) or one of its own handlers ran,
    not on every step.
    """
    m = model.value
    _, set_tick = solara.use_state(0)
    scenarios = solara.use_memo(lambda: campaign_scenarios(extra=settings.scenario), [])
    error, set_error = solara.use_state("")
    labels = list(scenarios)
    current = next((lab for lab, p in scenarios.items()
                    if p.resolve() == Path(settings.scenario).resolve()), labels[0] if labels else "")

    def pick(label: str) -> None:
        old = settings.scenario, settings.levers
        settings.scenario, settings.levers = scenarios[label], None
        try:
            model.value = WorkshopModel(settings=settings, seed=model.value.seed)
            set_error("")
        except (ScenarioError, ValueError) as exc:
            settings.scenario, settings.levers = old
            set_error(str(exc))
        set_tick(lambda t: t + 1)
        force_update()

    def move(name: str, value: float, step: float) -> None:
        current_value = getattr(model.value.levers, name)
        if abs(float(value) - current_value) < step / 2:  # the slider snapping to its grid
            return
        new = replace(model.value.levers, **{name: float(value)})
        try:
            model.value.set_levers(new)
            settings.levers = new
            set_error("")
        except (ScenarioError, ValueError) as exc:
            set_error(str(exc))
        set_tick(lambda t: t + 1)
        force_update()

    def shock() -> None:
        model.value.algorithm_change(SHOCK_FACTOR)
        set_tick(lambda t: t + 1)
        force_update()

    def slider(name: str, label: str, lo: float, hi: float, step: float) -> None:
        value = getattr(lv, name)
        with solara.Div(classes=[f"ws-lever-{name}"]):
            solara.SliderFloat(f"{label}: {fmt_lever(name, value)}", value=value, min=lo,
                               max=max(hi, value), step=step, thumb_label=False,
                               on_value=lambda v: move(name, v, step))

    lv: Levers = m.levers
    text = {"font-size": "13px", "color": "#424242"}
    with solara.Card("Levers (act from the next day)"):
        with solara.Div(classes=["ws-scenario"]):
            solara.Select("Scenario (restarts)", value=current, values=labels, on_value=pick)
        slider("trust", "Trust ×", 0.25, 2.0, LEVER_STEPS["trust"])
        slider("mixing", "Circle mixing", 0.0, 0.9, LEVER_STEPS["mixing"])
        slider("social_currency", "Social currency", 0.0, 3.0, LEVER_STEPS["social_currency"])
        slider("fatigue", "Fatigue", 0.0, 2.0, LEVER_STEPS["fatigue"])
        slider("sharing", "Sharing propensity", 0.0, 1.0, LEVER_STEPS["sharing"])
        koc = koc_tier(m.base)
        if koc is not None and len(creator_tiers(m.base)) > 1:
            slider("koc_share", f"KOC ({koc}) share of creator budget", 0.0, 1.0,
                   LEVER_STEPS["koc_share"])
        if m.retailers:
            top = max(6_000_000.0, 2 * lv.budget)
            slider("budget", "Budget per 1M consumers", 0.0, top, top / 60)
        platform = m.main_platform
        solara.Button(f"Algorithm change on {platform} (reach ×{SHOCK_FACTOR:g})",
                      color="error", outlined=True, on_click=shock, block=True,
                      classes=["ws-shock"], style={"margin-top": "6px"})
        with solara.Column(gap="2px", style={"margin-top": "6px"}):
            solara.Text(f"{platform} organic reach now ×{m.reach_factor(platform):.2f}",
                        classes=["ws-reach"], style=text)
        if error:
            solara.Error(error)


@solara.component
def LeverSidebar(model: solara.Reactive[WorkshopModel], settings: WorkshopSettings) -> None:
    """Puts the lever card in the sidebar."""
    with solara.Sidebar():
        LeverPanel(model, settings)


@solara.component
def Sidebar(model: solara.Reactive[WorkshopModel], settings: WorkshopSettings) -> None:
    """One level deeper than SolaraViz, so the levers come after its Controls card (Solara
    orders sidebar content by component depth)."""
    LeverSidebar(model, settings)


@solara.component
def Page() -> None:
    """One workshop per browser session: its own settings and model."""
    settings = solara.use_memo(initial_settings, [])
    first = solara.use_memo(lambda: WorkshopModel(settings=settings), [])
    model = solara.use_reactive(first)
    SolaraViz(
        model,
        components=[],  # the main area is the Dashboard below (a layout for projection)
        model_params={
            "settings": settings,  # fixed: the session's holder, read again on Reset
            "seed": Slider("Random seed (on Reset)", value=first.seed, min=1, max=100, step=1),
        },
        name="socsim · cascade workshop",
        play_interval=150,
    )
    Sidebar(model, settings)
    Dashboard(model.value)
