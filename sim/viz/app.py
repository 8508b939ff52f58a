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

from sim.population import STAGES
from sim.scenario import ScenarioError
from sim.viz.drawing import STAGE_COLORS, STAGE_LABELS, ChartsPainter, NetworkPainter
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
    k = model.kpis
    with solara.Row(gap="8px", style={"flex-wrap": "wrap", "align-items": "flex-end"}):
        Stat("Day", f"{model.day} / {model.days}", "day", "#212121")
        for stage, label, color in zip(STAGES, STAGE_LABELS, STAGE_COLORS):
            Stat(label, f"{int(k[f'stage_{stage}']):,}", f"stage-{label}", color)
        Stat("engaged today", f"{int(model.spread.new_engaged.sum()):,}", "new-engaged", "#000000")
        Stat("GMV", money(model, k["gmv"]), "gmv", "#31a354")
        Stat("spend", money(model, k["spend"]), "spend", "#636363")
        Stat("negative", f"{k['negative_sentiment']:.1%}", "negative", "#b10026")


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

    net_png, charts_png, seconds = solara.use_memo(render, [key])
    StatusStrip(model)
    with solara.Columns([11, 10], gutters_dense=True):
        with solara.Card(margin=0, classes=["ws-network"]):
            solara.Image(net_png, width="100%")
        with solara.Card(margin=0, classes=["ws-charts"]):
            solara.Image(charts_png, width="100%")
    solara.Text(f"drawn in {seconds * 1000:.0f} ms", classes=["ws-render-ms"],
                style={"font-size": "11px", "color": "#9e9e9e"})


@solara.component
def LeverPanel(model: solara.Reactive[WorkshopModel], settings: WorkshopSettings) -> None:
    """Scenario picker, live levers and the algorithm-change button (in the sidebar)."""
    update_counter.get()
    m = model.value
    scenarios = solara.use_memo(lambda: campaign_scenarios(extra=settings.scenario), [])
    error, set_error = solara.use_state("")
    labels = list(scenarios)
    current = next((lab for lab, p in scenarios.items() if p.resolve() == Path(settings.scenario).resolve()),
                   labels[0] if labels else "")

    def pick(label: str) -> None:
        old = settings.scenario, settings.levers
        settings.scenario, settings.levers = scenarios[label], None
        try:
            model.value = WorkshopModel(settings=settings, seed=m.seed)
            set_error("")
        except (ScenarioError, ValueError) as exc:
            settings.scenario, settings.levers = old
            set_error(str(exc))
        force_update()

    def move(name: str, value: float) -> None:
        new = replace(model.value.levers, **{name: float(value)})
        try:
            model.value.set_levers(new)
            settings.levers = new
            set_error("")
        except (ScenarioError, ValueError) as exc:
            set_error(str(exc))
        force_update()

    def shock() -> None:
        model.value.algorithm_change(SHOCK_FACTOR)
        force_update()

    lv: Levers = m.levers
    with solara.Sidebar():
        with solara.Card("Levers (act from the next day)"):
            solara.Select("Scenario", value=current, values=labels, on_value=pick)
            solara.SliderFloat("Trust ×", value=lv.trust, min=0.25, max=2.0, step=0.05,
                               on_value=lambda v: move("trust", v))
            solara.SliderFloat("Circle mixing", value=lv.mixing, min=0.0, max=0.9, step=0.05,
                               on_value=lambda v: move("mixing", v))
            solara.SliderFloat("Social currency", value=lv.social_currency, min=0.0,
                               max=max(3.0, lv.social_currency), step=0.1,
                               on_value=lambda v: move("social_currency", v))
            solara.SliderFloat("Fatigue", value=lv.fatigue, min=0.0, max=max(2.0, lv.fatigue),
                               step=0.05, on_value=lambda v: move("fatigue", v))
            solara.SliderFloat("Sharing propensity", value=lv.sharing, min=0.0, max=1.0, step=0.01,
                               on_value=lambda v: move("sharing", v))
            koc = koc_tier(m.base)
            if koc is not None and len(creator_tiers(m.base)) > 1:
                solara.SliderFloat(f"KOC share ({koc}) of creator budget", value=lv.koc_share,
                                   min=0.0, max=1.0, step=0.05,
                                   on_value=lambda v: move("koc_share", v))
            if m.retailers:
                top = max(6_000_000.0, 2 * lv.budget)
                solara.SliderFloat("Budget (¥, per 1M consumers)", value=lv.budget, min=0.0,
                                   max=top, step=top / 60, on_value=lambda v: move("budget", v))
                solara.Text(f"budget {fmt_lever('budget', lv.budget)} · KOC share "
                            f"{fmt_lever('koc_share', lv.koc_share)}",
                            style={"font-size": "12px", "color": "#555"})
            platform = m.main_platform
            solara.Button(f"Algorithm change on {platform} (reach ×{SHOCK_FACTOR:g})",
                          color="error", outlined=True, on_click=shock, block=True,
                          classes=["ws-shock"], style={"margin-top": "8px"})
            solara.Text(f"{platform} organic reach now ×{m.reach_factor(platform):.2f}",
                        classes=["ws-reach"], style={"font-size": "13px"})
            if error:
                solara.Error(error)
            for day, _kind, text in m.events[-4:][::-1]:
                solara.Text(f"day {day}: {text}", classes=["ws-event"],
                            style={"font-size": "12px", "color": "#424242"})


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
    LeverPanel(model, settings)
    Dashboard(model.value)
