"""Matplotlib painters of the workshop page: the network and the live charts.

Both draw from precomputed positions (:class:`sim.viz.workshop.NetworkView`) and the model's
DataCollector series; nothing here lays out a graph. Each painter keeps one figure per session
and only updates its artists per frame. The network painter renders its static layer (discs,
ties, legend) once and blits the moving parts (stage colours, today's engagements and shares,
posting creators, circle shares) on top, so a frame costs tens of milliseconds at 2,000 dots.
Figures use the object API (``matplotlib.figure.Figure`` with an Agg canvas, no pyplot state),
so concurrent sessions do not interfere. Frames are JPEG bytes.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle
from PIL import Image

from sim.config.kpis import kpi_label
from sim.world.population import INTERESTED, STAGES

if TYPE_CHECKING:
    from sim.viz.workshop import WorkshopModel

STAGE_LABELS = ("unaware", "aware", "engaged", "customer", "loyal")
"""Display names of the funnel stages (``interested`` is shown as ``engaged``)."""
STAGE_COLORS = ("#d9d9d9", "#8fc1e3", "#1f5fa8", "#fdae3b", "#e6550d")
SPREAD_COLOR = "#ff2a8a"  # ties content travelled along today
NEGATIVE_COLOR = "#b10026"
CREATOR_FACE = "#ffd92f"  # creators who posted today
IDLE_FACE, IDLE_EDGE = "#f4f4f4", "#b0b0b0"  # creators who did not
TIER_MARKERS = ("*", "D", "^", "p", "s")
TIER_SIZES = (420.0, 85.0, 40.0, 22.0, 18.0)
FONT = 14
FRAME_FORMAT = "jpeg"  # what render() returns (for the page's <img>)
JPEG_QUALITY = 90


def encode_frame(canvas: FigureCanvasAgg) -> bytes:
    """JPEG bytes of what ``canvas`` holds now.

    JPEG at quality 90 encodes a 760×780 frame in ~2 ms and ~150 kB, where PNG takes
    25–60 ms and ~370 kB for the same dots and lines, with no difference visible at
    projection size.
    """
    width, height = canvas.get_width_height()
    img = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="jpeg", quality=JPEG_QUALITY)
    return buf.getvalue()


def tier_order(model: "WorkshopModel") -> list[str]:
    """Creator tiers from the largest follower share to the smallest (marker order)."""
    tiers = model.config.influencers
    return sorted(model.influencers_by_tier, key=lambda t: -tiers[t].followers_share)


def active_creators(model: "WorkshopModel") -> np.ndarray:
    """unique_ids of creators whose commissioned posts were published today."""
    posts = model.posts
    tier_codes = [model.channel_code[t] for t in model.influencers_by_tier]
    today = (posts["day"] == model.day) & np.isin(posts["channel"], tier_codes)
    return np.unique(posts["author"][today])


class NetworkPainter:
    """The shown consumers coloured by funnel stage, circles as discs, creators by tier,
    today's newly engaged ringed and today's spread ties drawn.

    Args:
        model: the workshop model whose ``view`` gives positions (computed once per world).
        size: figure width and height in inches (at 100 dpi).
    """

    def __init__(self, model: "WorkshopModel", size: tuple[float, float] = (7.6, 7.8)) -> None:
        self.model = model
        view = model.view
        lay = view.layout
        self.fig = Figure(figsize=size, dpi=100)
        self.canvas = FigureCanvasAgg(self.fig)
        ax = self.ax = self.fig.add_axes((0.0, 0.16, 1.0, 0.76))
        ax.set_aspect("equal")
        ax.axis("off")
        xmin, xmax, ymin, ymax = lay.extent
        ax.set_xlim(xmin - 3.0, xmax + 3.0)
        ax.set_ylim(ymin - 4.5, ymax + 3.0)
        for c in np.flatnonzero(lay.radii > 0):
            ax.add_patch(Circle(tuple(lay.centers[c]), lay.radii[c] + 0.9, facecolor="#f6f6f6",
                                edgecolor="#bdbdbd", linewidth=0.8, zorder=0))
        self.ties = LineCollection([], colors="#9e9e9e", linewidths=0.3, alpha=0.18, zorder=1)
        ax.add_collection(self.ties, autolim=False)
        self._static_key: object = None
        self._background = None

        # moving parts (animated: left out of the static layer, blitted per frame)
        empty = np.empty((0, 2))
        self.nodes = ax.scatter(lay.xy[:, 0], lay.xy[:, 1], s=15, linewidths=0, zorder=2)
        self.shared = LineCollection([], colors=SPREAD_COLOR, linewidths=1.3, alpha=0.9, zorder=3)
        self.shared_neg = LineCollection([], colors=NEGATIVE_COLOR, linewidths=1.5, alpha=0.9, zorder=3)
        ax.add_collection(self.shared, autolim=False)
        ax.add_collection(self.shared_neg, autolim=False)
        self.rings = ax.scatter(empty[:, 0], empty[:, 1], s=46, facecolors="none",
                                edgecolors="black", linewidths=1.1, zorder=4)
        self.negative = ax.scatter(empty[:, 0], empty[:, 1], s=22, marker="x", c=NEGATIVE_COLOR,
                                   linewidths=1.1, zorder=4)
        self.tiers = tier_order(model)
        ids = np.array([c.unique_id for c in view.creators], dtype=np.int64)
        self.creator_sets = []
        for k, tier in enumerate(self.tiers):
            sel = view.creator_tier == tier
            art = ax.scatter(view.creator_xy[sel, 0], view.creator_xy[sel, 1],
                             s=TIER_SIZES[min(k, 4)], marker=TIER_MARKERS[min(k, 4)],
                             facecolors="white", edgecolors="#333333", linewidths=0.9, zorder=5)
            self.creator_sets.append((ids[sel], art))
        self.labels = {
            int(c): ax.text(lay.centers[c, 0], lay.centers[c, 1] - lay.radii[c] - 1.0, "",
                            ha="center", va="top", fontsize=FONT - 4, color="#424242", zorder=6,
                            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.75))
            for c in np.flatnonzero(lay.radii > 0)
        }
        self.title = self.fig.text(0.5, 0.985, "", ha="center", va="top", fontsize=FONT + 3,
                                   weight="bold")
        self.moving = [self.nodes, self.shared, self.shared_neg, self.rings, self.negative,
                       *(art for _, art in self.creator_sets), *self.labels.values(), self.title]
        for art in self.moving:
            art.set_animated(True)
        self._legend(model)
        self._stage_rgba = to_rgba_array(STAGE_COLORS)
        self._creator_on = to_rgba_array([CREATOR_FACE, "#333333"])
        self._creator_off = to_rgba_array([IDLE_FACE, IDLE_EDGE])

    def _legend(self, model: "WorkshopModel") -> None:
        fig = self.fig
        fig.text(0.5, 0.945, "discs = interest circles, labelled with their % engaged",
                 ha="center", va="top", fontsize=FONT - 1, color="#555555")
        dot = dict(marker="o", ls="", markersize=9, markeredgewidth=0)
        rows = [
            [Line2D([], [], markerfacecolor=col, label=name, **dot)
             for name, col in zip(STAGE_LABELS, STAGE_COLORS)],
            [Line2D([], [], marker="o", ls="", markersize=8, markerfacecolor="none",
                    markeredgecolor="black", label="engaged today"),
             Line2D([], [], color=SPREAD_COLOR, lw=2, label="shared today"),
             Line2D([], [], color=NEGATIVE_COLOR, lw=0, marker="x", markersize=8,
                    label="negative opinion")],
            [Line2D([], [], marker=TIER_MARKERS[min(k, 4)], ls="",
                    markersize=np.sqrt(TIER_SIZES[min(k, 4)]) * 0.8, markerfacecolor=CREATOR_FACE,
                    markeredgecolor="#333333", label=f"{tier} ×{len(model.influencers_by_tier[tier])}")
             for k, tier in enumerate(self.tiers)],
        ]
        if rows[2]:
            rows[2].append(Line2D([], [], marker="^", ls="", markersize=8, markerfacecolor=IDLE_FACE,
                                  markeredgecolor=IDLE_EDGE, label="idle today"))
        for handles, y in zip(rows, (0.125, 0.08, 0.035)):
            if handles:
                fig.legend(handles=handles, loc="center", bbox_to_anchor=(0.5, y), ncol=len(handles),
                           frameon=False, fontsize=FONT - 1, handletextpad=0.3, columnspacing=1.1)

    def _static(self) -> None:
        """(Re)draw the static layer when the ties changed, and keep it for blitting."""
        key = id(self.model.graph)
        if key == self._static_key and self._background is not None:
            return
        self.ties.set_segments(self.model.view.background_edges())
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        self._static_key = key

    def render(self) -> bytes:
        """A frame (JPEG bytes) of the model's current state."""
        model = self.model
        view = model.view
        lay = view.layout
        pop = model.population
        self._static()
        stage = pop.overall_stage()
        self.nodes.set_facecolor(self._stage_rgba[stage[view.shown]])
        pos_seg, neg_seg = view.spread_segments()
        self.shared.set_segments(pos_seg)
        self.shared_neg.set_segments(neg_seg)
        self.rings.set_offsets(lay.xy[model.spread.new_engaged[view.shown]])
        self.negative.set_offsets(lay.xy[pop.negative.any(axis=1)[view.shown]])
        active = active_creators(model)
        for ids, art in self.creator_sets:
            on = np.isin(ids, active)[:, None]
            art.set_facecolors(np.where(on, self._creator_on[0], self._creator_off[0]))
            art.set_edgecolors(np.where(on, self._creator_on[1], self._creator_off[1]))
        engaged = np.bincount(pop.circle, weights=stage >= INTERESTED, minlength=view.circles)
        sizes = np.maximum(np.bincount(pop.circle, minlength=view.circles), 1)
        for c, text in self.labels.items():
            text.set_text(f"C{c + 1} · {engaged[c] / sizes[c]:.0%}")
        self.title.set_text(f"Day {model.day}: {len(view.shown):,} of {pop.n:,} consumers shown")
        self.canvas.restore_region(self._background)
        for art in self.moving:
            self.fig.draw_artist(art)
        return encode_frame(self.canvas)


def _series(model: "WorkshopModel", key: str) -> np.ndarray:
    return np.asarray(model.datacollector.model_vars.get(key, []), dtype=float)


class ChartsPainter:
    """Funnel counts over time, new engagements per day, GMV and spend, negative sentiment.

    Money is shown at the scenario's reference market size (``run.reference_consumers``),
    like the budget lever. Dashed red lines mark algorithm changes, dotted grey lines lever
    changes, the thin black line today. Axes, ticks and markers form a static layer that is
    redrawn only when a y-limit must grow (limits grow in 1-2-5 steps, never shrink) or an
    event is added; the series are blitted on top every frame.
    """

    def __init__(self, model: "WorkshopModel", size: tuple[float, float] = (7.0, 7.8)) -> None:
        self.model = model
        self.fig = Figure(figsize=size, dpi=100)
        self.canvas = FigureCanvasAgg(self.fig)
        axes = self.fig.subplots(2, 2, gridspec_kw=dict(hspace=0.45, wspace=0.3, left=0.1,
                                                        right=0.97, top=0.95, bottom=0.15))
        self.axes = axes
        titles = ("Funnel (consumers)", "New per day", "GMV & spend (¥k)*",
                  "Negative sentiment (7-day)")
        for ax, title in zip(axes.flat, titles):
            ax.set_title(title, fontsize=FONT, loc="left")
            ax.set_xlim(0, model.days)
            ax.set_xlabel("day", fontsize=FONT - 2, labelpad=1)
            ax.tick_params(labelsize=FONT - 3)
            ax.grid(alpha=0.3, lw=0.5)
        axes[0, 0].set_ylim(0, model.population.n)
        self.orders, = axes[0, 1].plot([], [], color=STAGE_COLORS[4], lw=1.8, label="orders")
        self.gmv, = axes[1, 0].plot([], [], color="#31a354", lw=2.2, label=kpi_label("gmv"))
        self.spend, = axes[1, 0].plot([], [], color="#636363", lw=2.2, label=kpi_label("spend"))
        self.neg, = axes[1, 1].plot([], [], color=NEGATIVE_COLOR, lw=2.2)
        self.today = [ax.axvline(0, color="black", lw=0.8, alpha=0.5) for ax in axes.flat]
        self.lines = [self.orders, self.gmv, self.spend, self.neg, *self.today]
        for art in self.lines:
            art.set_animated(True)
        axes[0, 1].legend(handles=[Line2D([], [], color=STAGE_COLORS[2], lw=6, label="engagements"),
                                   self.orders], fontsize=FONT - 3, loc="upper right")
        axes[1, 0].legend(fontsize=FONT - 3, loc="upper left")
        handles = [Line2D([], [], color=NEGATIVE_COLOR, ls="--", lw=1.4, label="algorithm change"),
                   Line2D([], [], color="#757575", ls=":", lw=1.4, label="lever moved"),
                   Line2D([], [], color="black", lw=0.8, alpha=0.5, label="today")]
        self.fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.025), ncol=3,
                        frameon=False, fontsize=FONT - 2)
        self.fig.text(0.5, 0.005, "* money per 1M consumers, like the budget lever", ha="center",
                      va="bottom", fontsize=FONT - 4, color="#616161")
        self._areas: list = []  # filled series, rebuilt each frame
        self._limits: tuple[float, float, float] = (10.0, 10.0, 0.05)
        self._revision = -1  # model.revision the event markers were drawn for
        self._event_lines: list = []
        self._background = None

    def _static(self, limits: tuple[float, float, float]) -> None:
        """Redraw axes and event markers if a limit grew or the events changed."""
        model = self.model
        limits = tuple(max(a, b) for a, b in zip(self._limits, limits))
        if (limits, model.revision) == (self._limits, self._revision) and self._background is not None:
            return
        self._limits, self._revision = limits, model.revision
        for ax, top in zip((self.axes[0, 1], self.axes[1, 0], self.axes[1, 1]), limits):
            ax.set_ylim(0, top)
        for line in self._event_lines:
            line.remove()
        self._event_lines = []
        for day, kind, _ in model.events:
            style = dict(color=NEGATIVE_COLOR, ls="--", lw=1.4) if kind == "shock" else \
                dict(color="#757575", ls=":", lw=1.4)
            self._event_lines += [ax.axvline(day + 0.5, **style) for ax in self.axes.flat]
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)

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
        self._static((nice_ceiling(eng.max(initial=0)),
                      nice_ceiling(max(gmv.max(initial=0), spend.max(initial=0))),
                      nice_ceiling(neg.max(initial=0), floor=0.05)))
        for art in self._areas:
            art.remove()
        self._areas = list(axes[0, 0].stackplot(t, stages[::-1], colors=STAGE_COLORS[::-1],
                                                linewidth=0))
        self._areas.append(axes[0, 1].fill_between(t, eng, step="mid", color=STAGE_COLORS[2], lw=0))
        for art in self._areas:
            art.set_animated(True)
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
