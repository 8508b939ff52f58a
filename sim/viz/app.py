"""The workshop page: watch a cascade happen and change it live (Mesa + Solara).

Start it with ``socsim viz [SCENARIO.toml] [--port P] [--host H]`` (or
``solara run sim/viz/app.py``). The scenario and world size come from the environment
variables ``SOCSIM_VIZ_SCENARIO`` and ``SOCSIM_VIZ_CONSUMERS`` that ``socsim viz`` sets.

Every browser session gets its own :class:`~sim.viz.workshop.WorkshopModel` (created inside
``Page``, never at import), so a room of participants can each play. The page is laid out for
a projector at 1280×800: a left column holds what a workshop needs (Mesa's ``ModelController``
with Step, Play/Pause and Reset; presets; the levers; the algorithm-change button) and the
rest shows one day counter, the funnel numbers, the network and four charts. Reset rebuilds the
world from the chosen scenario, the session's seed and the lever positions; levers change the
running world from the next day on.

A closed browser tab leaves its session (about 15–20 MB with its world and figures) on the
server until Solara culls it. ``socsim viz --session-timeout`` sets the cull timeout through
``SOLARA_KERNEL_CULL_TIMEOUT``; without it (``solara run``) this page sets Solara's
``kernel.cull_timeout`` to :data:`SESSION_TIMEOUT` instead of Solara's 24 hours. Session starts
and ends, and every world's release, are logged.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import solara
import solara.server.settings
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import force_update, update_counter

from sim.config.kpis import kpi_label
from sim.config.scenario import ScenarioError
from sim.viz.charts import ChartsPainter
from sim.viz.drawing import FRAME_FORMAT, STAGE_COLORS, STAGE_LABELS, NetworkPainter
from sim.viz.workshop import (
    DEFAULT_CONSUMERS, DEFAULT_SCENARIO, PRESETS, SHOCK_FACTOR, Levers, WorkshopModel,
    WorkshopSettings, campaign_scenarios, creator_tiers, fmt_lever, koc_tier,
)
from sim.world.population import STAGES

SCENARIO_ENV = "SOCSIM_VIZ_SCENARIO"
CONSUMERS_ENV = "SOCSIM_VIZ_CONSUMERS"
SESSION_TIMEOUT = "5m"
"""How long a disconnected session (closed tab, lost network) is kept before it is freed."""
PLAY_INTERVAL_MS = 60
"""Pause between days while playing; a day plus its frames takes 60–200 ms more."""
SIDE_WIDTH = "300px"

if not os.environ.get("SOLARA_KERNEL_CULL_TIMEOUT"):
    solara.server.settings.kernel.cull_timeout = SESSION_TIMEOUT


def initial_settings() -> WorkshopSettings:
    """A session's starting settings, from the environment ``socsim viz`` prepared."""
    scenario = Path(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO)
    consumers = int(os.environ.get(CONSUMERS_ENV) or DEFAULT_CONSUMERS)
    return WorkshopSettings(scenario=scenario, consumers=consumers)


def money(model: WorkshopModel, yuan: float) -> str:
    """Simulated yuan shown at the scenario's reference market size (as the budget lever)."""
    return f"¥{yuan / model.money_scale / 1000:,.0f}k"


def session_started() -> Callable[[], None]:
    """Log a session's start; the returned callback logs its end (Solara calls it on cull)."""
    started = time.monotonic()
    print("workshop session started", flush=True)

    def ended() -> None:
        print(f"workshop session ended after {time.monotonic() - started:.0f} s", flush=True)

    return ended


solara.lab.on_kernel_start(session_started)


class SessionWorld(WorkshopModel):
    """A participant's world (Reset makes another of the same class); when it is garbage
    collected, "workshop world freed" is logged, so a test can check that a closed tab's
    world does not outlive its session."""

    def __init__(self, settings: WorkshopSettings | None = None, seed: int | None = None) -> None:
        super().__init__(settings=settings, seed=seed)
        weakref.finalize(self, print, "workshop world freed", flush=True)


# ------------------------------------------------------------------------------ pieces
@solara.component
def Stat(label: str, value: str, name: str, color: str | None = None) -> None:
    """One labelled number of the status strip; ``name`` becomes the CSS class ``ws-<name>``."""
    with solara.Column(gap="0px", style={"padding": "0 8px",
                                         "border-left": f"6px solid {color or '#757575'}"}):
        solara.Text(label, style={"font-size": "14px", "color": "#555", "white-space": "nowrap"})
        solara.Text(value, classes=[f"ws-{name}"], style={"font-size": "24px", "font-weight": "600",
                                                          "line-height": "1.1"})


@solara.component
def StatusStrip(model: WorkshopModel) -> None:
    """The day, funnel counts, today's engagements, GMV, spend and negative sentiment."""
    update_counter.get()
    k = model.kpis
    with solara.Row(gap="6px", style={"flex-wrap": "wrap", "align-items": "flex-end"}):
        Stat("Day", f"{model.day} / {model.days}", "day", "#212121")
        for stage, label, color in zip(STAGES, STAGE_LABELS, STAGE_COLORS):
            Stat(label, f"{int(k[f'stage_{stage}']):,}", f"stage-{label}", color)
        Stat("new today", f"{int(model.spread.new_engaged.sum()):,}", "new-engaged", "#000000")
        Stat(kpi_label("gmv"), money(model, k["gmv"]), "gmv", "#31a354")
        Stat(kpi_label("spend"), money(model, k["spend"]), "spend", "#636363")
        Stat("negative", f"{k['negative_sentiment']:.0%}", "negative", "#b10026")
        FormatStats(model)


@solara.component
def FormatStats(model: WorkshopModel) -> None:
    """Live sessions, groups forming, assists and check-ins, when the scenario has them."""
    k = model.kpis
    if "live_sessions" in k:
        last = model.ctx.formats["live"].last_session
        today = last.get("day") == model.day
        Stat("live now" if today else "live viewers",
             f"{last['viewers']:,} (peak {last['peak']:,})" if today
             else f"{int(k['live_viewers']):,}", "live", "#e6550d")
        Stat(kpi_label("live_orders"), f"{int(k['live_orders']):,}", "live-orders", "#e6550d")
    if "groups_started" in k:
        Stat("groups done / opened", f"{int(k['groups_completed']):,} / "
             f"{int(k['groups_started']):,}", "groups", "#756bb1")
    if "assists" in k:
        Stat("assists / annoyed", f"{int(k['assists']):,} / {int(k['assist_annoyance']):,}",
             "assists", "#756bb1")
    if "checkin_rate" in k:
        Stat("checked in today", f"{k['checkin_rate']:.0%}", "checkins", "#756bb1")


@solara.component
def Timeline(model: WorkshopModel) -> None:
    """The last lever moves and shocks, newest first (what the room just changed)."""
    update_counter.get()
    style = {"font-size": "14px", "color": "#424242", "white-space": "nowrap",
             "overflow": "hidden", "text-overflow": "ellipsis", "max-width": "100%"}
    with solara.Column(gap="0px", style={"margin": "2px 0 2px 4px", "min-height": "21px"}):
        if not model.events:
            solara.Text("no lever moved yet", style={**style, "color": "#9e9e9e"})
        for day, kind, note in model.events[-2:][::-1]:
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
    with solara.Row(gap="8px", style={"align-items": "flex-start", "flex-wrap": "nowrap"}):
        with solara.Div(classes=["ws-network"], style={"flex": "1 1 0", "min-width": "0"}):
            solara.Image(net_frame, width="100%", format=FRAME_FORMAT)
        with solara.Div(classes=["ws-charts"], style={"flex": "1 1 0", "min-width": "0"}):
            solara.Image(charts_frame, width="100%", format=FRAME_FORMAT)
    solara.Text(f"drawn in {seconds * 1000:.0f} ms", classes=["ws-render-ms"],
                style={"font-size": "11px", "color": "#9e9e9e"})


LEVER_STEPS = {"trust": 0.05, "mixing": 0.05, "social_currency": 0.1, "fatigue": 0.05,
               "sharing": 0.01, "koc_share": 0.05}


def lever_sliders(m: WorkshopModel, move: Callable[[str, float, float], None]) -> None:
    """One slider per lever the scenario has (inside the calling component's card).

    ``move(name, value, step)`` gets every slider change.
    """
    lv: Levers = m.levers

    def slider(name: str, label: str, lo: float, hi: float, step: float) -> None:
        value = getattr(lv, name)
        with solara.Div(classes=[f"ws-lever-{name}", "ws-lever"]):
            solara.SliderFloat(f"{label}: {fmt_lever(name, value)}", value=value, min=lo,
                               max=max(hi, value), step=step, thumb_label=False,
                               on_value=lambda v: move(name, v, step))

    slider("trust", "Trust ×", 0.25, 2.0, LEVER_STEPS["trust"])
    slider("mixing", "Circle mixing", 0.0, 0.9, LEVER_STEPS["mixing"])
    slider("social_currency", "Social currency", 0.0, 3.0, LEVER_STEPS["social_currency"])
    slider("fatigue", "Fatigue", 0.0, 2.0, LEVER_STEPS["fatigue"])
    slider("sharing", "Sharing propensity", 0.0, 1.0, LEVER_STEPS["sharing"])
    koc = koc_tier(m.base)
    if koc is not None and len(creator_tiers(m.base)) > 1:
        slider("koc_share", f"KOC ({koc}) share", 0.0, 1.0, LEVER_STEPS["koc_share"])
    if m.retailers:
        top = max(6_000_000.0, 2 * lv.budget)
        slider("budget", "Budget per 1M", 0.0, top, top / 60)


def shock_button(m: WorkshopModel, shock: Callable[[], None]) -> None:
    """The algorithm-change button and the main platform's current reach factor."""
    platform = m.main_platform
    solara.Button(f"Algorithm change: {platform} ×{SHOCK_FACTOR:g}",
                  color="error", outlined=True, on_click=shock, block=True, small=True,
                  classes=["ws-shock"], style={"margin-top": "4px"})
    solara.Text(f"{platform} organic reach now ×{m.reach_factor(platform):.2f}",
                classes=["ws-reach"], style={"font-size": "13px", "color": "#424242"})


@solara.component
def LeverPanel(model: solara.Reactive[WorkshopModel], settings: WorkshopSettings) -> None:
    """Presets, live levers, the algorithm-change button and the scenario picker.

    It re-renders when the model is replaced (Reset, scenario) or one of its own handlers ran,
    not on every step.
    """
    m = model.value
    _, set_tick = solara.use_state(0)
    scenarios = solara.use_memo(lambda: campaign_scenarios(extra=settings.scenario), [])
    error, set_error = solara.use_state("")
    labels = list(scenarios)
    current = _label_of(scenarios, settings.scenario)

    def changed() -> None:
        set_tick(lambda t: t + 1)
        force_update()

    def pick(label: str) -> None:
        old = settings.scenario, settings.levers
        settings.scenario, settings.levers = scenarios[label], None
        try:
            model.value = SessionWorld(settings=settings, seed=model.value.seed)
            set_error("")
        except (ScenarioError, ValueError) as exc:
            settings.scenario, settings.levers = old
            set_error(str(exc))
        changed()

    def apply(new: Levers) -> None:
        try:
            model.value.set_levers(new)
            settings.levers = new
            set_error("")
        except (ScenarioError, ValueError) as exc:
            set_error(str(exc))
        changed()

    def move(name: str, value: float, step: float) -> None:
        if abs(float(value) - getattr(model.value.levers, name)) < step / 2:  # slider snapping
            return
        apply(replace(model.value.levers, **{name: float(value)}))

    def preset(name: str) -> None:
        base = Levers.from_scenario(model.value.base)
        apply(replace(base, **PRESETS[name]) if name in PRESETS else base)

    def shock() -> None:
        model.value.algorithm_change(SHOCK_FACTOR)
        changed()

    with solara.Card(margin=0, classes=["ws-levers"]):
        solara.Text("Levers (act from the next day)", style={"font-size": "16px", "font-weight": "600"})
        _preset_buttons(preset)
        lever_sliders(m, move)
        shock_button(m, shock)
        with solara.Div(classes=["ws-scenario"], style={"margin-top": "14px"}):
            solara.Select("Scenario (restarts)", value=current, values=labels, on_value=pick,
                          dense=True)
        if error:
            solara.Error(error)


def _label_of(scenarios: dict[str, Path], path: str | Path) -> str:
    """The picker label of the scenario file ``path`` (else the first label, else "")."""
    return next((lab for lab, p in scenarios.items() if p.resolve() == Path(path).resolve()),
                next(iter(scenarios), ""))


def _preset_buttons(preset: Callable[[str], None]) -> None:
    """One button per preset, and one back to the scenario's own values."""
    with solara.Row(gap="6px", style={"margin": "4px 0"}):
        for name in (*PRESETS, "Scenario values"):
            solara.Button(name, small=True, outlined=name not in PRESETS, color="primary",
                          on_click=lambda name=name: preset(name),
                          classes=[f"ws-preset-{name.split()[0].lower()}"])


@solara.component
def Controls(model: solara.Reactive[WorkshopModel], settings: WorkshopSettings, seed: int) -> None:
    """Mesa's Reset, Play/Pause and Step, at a fixed pace of one day per frame (its interval
    sliders and thread switch are left out: a workshop needs neither)."""
    ModelController(model, model_parameters={"settings": settings, "seed": seed},
                    play_interval=solara.use_reactive(PLAY_INTERVAL_MS),
                    render_interval=solara.use_reactive(1), use_threads=solara.use_reactive(False))


CSS = """
.ws-lever .v-input { margin-top: 0 !important; padding-top: 0 !important; }
.ws-lever .v-input__slot { margin-bottom: 0 !important; }
.ws-lever .v-messages { display: none !important; }
.ws-lever .v-label { font-size: 15px !important; color: #212121 !important; min-width: 132px; }
.ws-controls .v-btn { min-width: 72px !important; }
"""


@solara.component
def Page() -> None:
    """One workshop per browser session: its own settings and model."""
    settings = solara.use_memo(initial_settings, [])
    first = solara.use_memo(lambda: SessionWorld(settings=settings), [])
    model = solara.use_reactive(first)
    solara.Title("socsim · cascade workshop")
    solara.Style(CSS)
    with solara.Row(gap="12px", style={"align-items": "flex-start", "flex-wrap": "nowrap",
                                       "padding": "6px"}):
        with solara.Column(gap="6px", style={"flex": f"0 0 {SIDE_WIDTH}", "width": SIDE_WIDTH}):
            solara.Text("socsim · cascade workshop",
                        style={"font-size": "18px", "font-weight": "600", "color": "#1565c0"})
            with solara.Card(margin=0, classes=["ws-controls"]):
                Controls(model, settings, first.seed)
            LeverPanel(model, settings)
        with solara.Column(gap="0px", style={"flex": "1 1 0", "min-width": "0"}):
            Dashboard(model.value)
