"""The workshop page's live charts: funnel, new per day, GMV and spend, negative sentiment.

Drawn from the model's DataCollector series with blitting, like the network
(:mod:`sim.viz.drawing`): axes and event markers form a static layer, the series are drawn on
top every frame, and a chart whose y-limit grew is redrawn alone. Frames are JPEG bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon, Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter
from matplotlib.transforms import Bbox, IdentityTransform

from sim.config.kpis import kpi_label
from sim.viz.drawing import (
    LABEL_PT, NEGATIVE_COLOR, SMALL_PT, STAGE_COLORS, TEXT_PT, TITLE_PT, encode_frame,
)
from sim.world.population import STAGES

if TYPE_CHECKING:
    from sim.viz.workshop import WorkshopModel

CHARTS_SIZE = (4.74, 5.9)  # inches at 100 dpi: half the page's main area at 1280×800
X_WINDOW = 30  # the charts' x-axis grows in windows of this many days


def band(x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Vertices of the region between two curves over ``x`` (a closed polygon)."""
    if len(x) == 0:
        return np.zeros((1, 2))
    return np.concatenate([np.column_stack([x, upper]), np.column_stack([x[::-1], lower[::-1]])])



def _series(model: "WorkshopModel", key: str) -> np.ndarray:
    return np.asarray(model.datacollector.model_vars.get(key, []), dtype=float)


class ChartsPainter:
    """Funnel counts over time, new engagements per day, GMV and spend, negative sentiment.

    Money is shown at the scenario's reference market size (``run.reference_consumers``),
    like the budget lever. Dashed red lines mark algorithm changes, dotted grey lines lever
    changes, the thin black line today. The x-axis shows the first 30 days, then 60, ... (so
    an early cascade is not squeezed into a corner). Axes, ticks and markers form a static
    layer that is redrawn only when a limit must grow (y-limits grow in 1-2-5 steps, never
    shrink) or an event is added; the series are blitted on top every frame.
    """

    def __init__(self, model: "WorkshopModel", size: tuple[float, float] = CHARTS_SIZE) -> None:
        self.model = model
        self.fig = Figure(figsize=size, dpi=100)
        self.canvas = FigureCanvasAgg(self.fig)
        axes = self.fig.subplots(2, 2, gridspec_kw=dict(hspace=0.42, wspace=0.45, left=0.12,
                                                        right=0.97, top=0.95, bottom=0.16))
        self.axes = axes
        titles = ("Funnel", "New per day", "GMV, spend ¥k*", "Negative (7-day)")
        for ax, title in zip(axes.flat, titles):
            ax.set_title(title, fontsize=TITLE_PT - 1, loc="left", pad=4)
            ax.tick_params(labelsize=TEXT_PT, pad=2)
            ax.xaxis.set_major_locator(MaxNLocator(3, integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(4, steps=[1, 2, 5, 10]))
            ax.grid(alpha=0.3, lw=0.5)
        for ax in axes[1]:
            ax.set_xlabel("day", fontsize=SMALL_PT, labelpad=0)
        axes[0, 0].set_ylim(0, model.population.n)
        axes[1, 1].yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        self.orders, = axes[0, 1].plot([], [], color=STAGE_COLORS[4], lw=1.8, label="orders")
        self.gmv, = axes[1, 0].plot([], [], color="#31a354", lw=2.2, label=kpi_label("gmv"))
        self.spend, = axes[1, 0].plot([], [], color="#636363", lw=2.2, label=kpi_label("spend"))
        self.neg, = axes[1, 1].plot([], [], color=NEGATIVE_COLOR, lw=2.2)
        self.today = [ax.axvline(0, color="black", lw=0.8, alpha=0.5) for ax in axes.flat]
        self.lines = [self.orders, self.gmv, self.spend, self.neg, *self.today]
        for art in self.lines:
            art.set_animated(True)
        axes[0, 1].legend(handles=[Line2D([], [], color=STAGE_COLORS[2], lw=6, label="engagements"),
                                   self.orders], fontsize=SMALL_PT - 1, loc="upper right",
                            handlelength=1.2, borderpad=0.2, labelspacing=0.2)
        axes[1, 0].legend(fontsize=SMALL_PT - 1, loc="upper left", handlelength=1.2, borderpad=0.2,
                          labelspacing=0.2)
        handles = [Line2D([], [], color=NEGATIVE_COLOR, ls="--", lw=1.4, label="algorithm change"),
                   Line2D([], [], color="#757575", ls=":", lw=1.4, label="lever moved"),
                   Line2D([], [], color="black", lw=0.8, alpha=0.5, label="today")]
        self.fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.03), ncol=3,
                        frameon=False, fontsize=SMALL_PT, handlelength=1.5, columnspacing=0.8)
        self.fig.text(0.5, 0.005, "* money per 1M consumers, like the budget lever", ha="center",
                      va="bottom", fontsize=LABEL_PT, color="#616161")
        # filled series: the funnel's stacked bands (loyal first) and the engagements bars
        self._areas = [Polygon(np.zeros((1, 2)), closed=True, facecolor=color, lw=0)
                       for color in STAGE_COLORS[::-1]]
        for area in self._areas:
            axes[0, 0].add_patch(area)
        self._areas.append(axes[0, 1].add_patch(
            Polygon(np.zeros((1, 2)), closed=True, facecolor=STAGE_COLORS[2], lw=0)))
        for area in self._areas:
            area.set_animated(True)
        self._limits: tuple[float, ...] = (0.0, 10.0, 10.0, 0.05)  # days shown, 3 y-limits
        self._revision = -1  # model.revision the event markers were drawn for
        self._event_lines: list = []
        self._background = None
        self._regions: dict = {}  # chart -> its region of the figure, display pixels

    def _static(self, limits: tuple[float, ...]) -> None:
        """Redraw axes and event markers if a limit grew or the events changed.

        ``limits``: the days shown (the x-limit, in windows of :data:`X_WINDOW` days, so the
        first days of a cascade fill the chart) and the y-limits of three charts. A y-limit
        that grew redraws only its own chart (a cascade grows them on many of its first
        days); a new x-window or event redraws the figure."""
        model = self.model
        limits = tuple(max(a, b) for a, b in zip(self._limits, limits))
        full = (self._background is None or limits[0] != self._limits[0]
                or model.revision != self._revision)
        grown = [k for k in range(3) if limits[k + 1] != self._limits[k + 1]]
        if not full and not grown:
            return
        y_axes = (self.axes[0, 1], self.axes[1, 0], self.axes[1, 1])
        self._limits, self._revision = limits, model.revision
        for ax in self.axes.flat:
            ax.set_xlim(0, limits[0])
        for ax, top in zip(y_axes, limits[1:]):
            ax.set_ylim(0, top)
        if full:
            self._events()
            self.canvas.draw()
            self._regions = self._chart_regions()
        else:
            self.canvas.restore_region(self._background)
            for k in grown:
                self._redraw_axes(y_axes[k], self._regions[y_axes[k]])
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)

    def _chart_regions(self) -> dict:
        """Each chart's share of the figure (display pixels): its axes with the ticks, title
        and labels around it, up to the boundary with the neighbouring charts, and down to
        just under its own labels in the bottom row (the figure legend stays outside)."""
        renderer = self.canvas.get_renderer()
        pos = {ax: ax.get_window_extent(renderer) for ax in self.axes.flat}
        width, height = self.fig.bbox.width, self.fig.bbox.height
        # just right of the left charts' last x tick label: the right charts' y tick labels
        # ("100%") reach further left than half-way
        mid_x = pos[self.axes[0, 0]].x1 + 0.03 * width
        mid_y = (pos[self.axes[0, 0]].y0 + pos[self.axes[1, 0]].y1) / 2
        out = {}
        for (i, j), ax in np.ndenumerate(self.axes):
            x0, x1 = (0.0, mid_x) if j == 0 else (mid_x, width)
            y0 = mid_y if i == 0 else ax.get_tightbbox(renderer).y0 - 1
            y1 = height if i == 0 else mid_y
            out[ax] = Bbox([[x0, y0], [x1, y1]])
        return out

    def _events(self) -> None:
        """Vertical markers for every lever move and shock so far."""
        for line in self._event_lines:
            line.remove()
        self._event_lines = []
        for day, kind, _ in self.model.events:
            style = dict(color=NEGATIVE_COLOR, ls="--", lw=1.4) if kind == "shock" else \
                dict(color="#757575", ls=":", lw=1.4)
            self._event_lines += [ax.axvline(day + 0.5, **style) for ax in self.axes.flat]

    def _redraw_axes(self, ax, box: Bbox) -> None:
        """Paint ``box`` (display pixels: the chart with its ticks and title) white and draw
        the chart's static parts into it again."""
        blank = Rectangle((box.x0, box.y0), box.width, box.height,
                          transform=IdentityTransform(), facecolor="white", edgecolor="none")
        blank.set_figure(self.fig)
        self.fig.draw_artist(blank)
        self.fig.draw_artist(ax)

    def render(self) -> bytes:
        """A frame (JPEG bytes) of the model's series so far."""
        model = self.model
        axes = self.axes
        stages = np.stack([_series(model, f"stage_{s}") for s in STAGES])
        t = np.arange(stages.shape[1])
        eng = _series(model, "daily_engagements")
        scale = model.money_scale * 1000.0
        gmv, spend = _series(model, "gmv") / scale, _series(model, "spend") / scale
        neg = _series(model, "negative_sentiment")
        days_shown = min(model.days, X_WINDOW * (model.day // X_WINDOW + 1))
        self._static((days_shown, nice_ceiling(eng.max(initial=0)),
                      nice_ceiling(max(gmv.max(initial=0), spend.max(initial=0))),
                      nice_ceiling(neg.max(initial=0), floor=0.05)))
        tops = np.cumsum(stages[::-1], axis=0)  # loyal at the bottom, unaware on top
        for k, area in enumerate(self._areas[:-1]):
            area.set_xy(band(t, tops[k - 1] if k else np.zeros(len(t)), tops[k]))
        # a bar per day, as fill_between(step="mid"): day i spans i − ½ … i + ½ (clipped)
        edges = np.concatenate([t[:1], t[:-1] + 0.5, t[-1:]])
        step_x = np.repeat(edges, 2)[1:-1]
        self._areas[-1].set_xy(band(step_x, np.zeros(len(step_x)), np.repeat(eng, 2)))
        self.orders.set_data(t, _series(model, "daily_orders"))
        self.gmv.set_data(t, gmv)
        self.spend.set_data(t, spend)
        self.neg.set_data(t, neg)
        for line in self.today:
            line.set_xdata([model.day, model.day])
        self.canvas.restore_region(self._background)
        for art in (*self._areas, *self.lines):
            self.fig.draw_artist(art)
        return encode_frame(self.canvas)


def nice_ceiling(value: float, floor: float = 10.0) -> float:
    """A round axis limit with head room: the first 1-2-5 × 10^k ≥ 1.3 × value (≥ floor)."""
    target = max(floor, 1.3 * float(value))
    base = 10.0 ** np.floor(np.log10(target))
    for step in (1.0, 2.0, 5.0, 10.0):
        if base * step >= target:
            return float(base * step)
    return float(10 * base)
