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
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, PathPatch, Polygon, Rectangle
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.ticker import MaxNLocator, PercentFormatter
from matplotlib.transforms import Bbox, IdentityTransform
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
# font sizes in points; at 100 dpi and a frame shown at its own size (1280×800 page) one point
# is 1.39 px: 13 pt titles are 18 px, 11 pt ticks 15 px, 10 pt legends 14 px
TITLE_PT, TEXT_PT, SMALL_PT, LABEL_PT = 13, 11, 10, 9
NETWORK_SIZE = (4.74, 5.4)  # inches at 100 dpi: half the page's main area at 1280×800
CHARTS_SIZE = (4.74, 5.9)
MAX_SPREAD_DRAWN = 1500  # spread ties drawn per frame (a sample beyond: the pink reads the same)
X_WINDOW = 30  # the charts' x-axis grows in windows of this many days
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

    def __init__(self, model: "WorkshopModel", size: tuple[float, float] = NETWORK_SIZE) -> None:
        self.model = model
        view = model.view
        lay = view.layout
        self.fig = Figure(figsize=size, dpi=100)
        self.canvas = FigureCanvasAgg(self.fig)
        ax = self.ax = self.fig.add_axes((0.0, 0.17, 1.0, 0.74))
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
        # today's spread ties: one polyline each, segments separated by NaN (a single path is
        # built and stroked several times faster than a collection of thousands of segments)
        self.shared, = ax.plot([], [], color=SPREAD_COLOR, lw=1.3, alpha=0.9, zorder=3)
        self.shared_neg, = ax.plot([], [], color=NEGATIVE_COLOR, lw=1.5, alpha=0.9, zorder=3)
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
        labelled = np.flatnonzero(lay.radii > 0)
        anchors = np.column_stack([lay.centers[labelled, 0],
                                   lay.centers[labelled, 1] - lay.radii[labelled] - 1.0])
        self.labels = PathLabels(ax, anchors, LABEL_PT, "#424242", zorder=6)
        self.labels.add_boxes([f"C{c + 1} · 100%" for c in labelled])
        self._labelled = labelled
        shown, n = len(view.shown), model.population.n  # static: the day is on the status strip
        self.title = self.fig.text(0.5, 0.985, f"{shown:,} of {n:,} consumers shown" if shown < n
                                   else f"{n:,} consumers", ha="center", va="top", fontsize=TITLE_PT,
                                   weight="bold")
        self.moving = [self.nodes, self.shared, self.shared_neg, self.rings, self.negative,
                       *(art for _, art in self.creator_sets), self.labels.boxes,
                       self.labels.patch]
        for art in self.moving:
            art.set_animated(True)
        self._legend(model)
        self._stage_rgba = to_rgba_array(STAGE_COLORS)
        self._creator_on = to_rgba_array([CREATOR_FACE, "#333333"])
        self._creator_off = to_rgba_array([IDLE_FACE, IDLE_EDGE])

    def _legend(self, model: "WorkshopModel") -> None:
        fig = self.fig
        fig.text(0.5, 0.945, "discs = interest circles, labelled with their % engaged",
                 ha="center", va="top", fontsize=SMALL_PT, color="#555555")
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
                                  markeredgecolor=IDLE_EDGE, label="idle"))
        for handles, y, size in zip(rows, (0.125, 0.08, 0.035), (SMALL_PT, SMALL_PT, LABEL_PT)):
            if handles:
                fig.legend(handles=handles, loc="center", bbox_to_anchor=(0.5, y), ncol=len(handles),
                           frameon=False, fontsize=size, handletextpad=0.2, columnspacing=0.7)

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
        pos_seg, neg_seg = (thin(seg, MAX_SPREAD_DRAWN, (model.seed, model.day, k))
                            for k, seg in enumerate(view.spread_segments()))
        self.shared.set_data(*polyline(pos_seg))
        self.shared_neg.set_data(*polyline(neg_seg))
        self.rings.set_offsets(lay.xy[model.spread.new_engaged[view.shown]])
        self.negative.set_offsets(lay.xy[pop.negative.any(axis=1)[view.shown]])
        active = active_creators(model)
        for ids, art in self.creator_sets:
            on = np.isin(ids, active)[:, None]
            art.set_facecolors(np.where(on, self._creator_on[0], self._creator_off[0]))
            art.set_edgecolors(np.where(on, self._creator_on[1], self._creator_off[1]))
        engaged = np.bincount(pop.circle, weights=stage >= INTERESTED, minlength=view.circles)
        sizes = np.maximum(np.bincount(pop.circle, minlength=view.circles), 1)
        self.labels.set_texts([f"C{c + 1} · {engaged[c] / sizes[c]:.0%}" for c in self._labelled])
        self.canvas.restore_region(self._background)
        for art in self.moving:
            self.fig.draw_artist(art)
        return encode_frame(self.canvas)


class PathLabels:
    """Short text labels drawn as one filled path, top-centred on anchors (data coordinates).

    A frame redraws every circle's label; as twenty ``Text`` artists that cost more than the
    2,000 dots (font lookup, layout and glyph rendering per artist). Here each distinct string
    is turned into glyph outlines once (:class:`~matplotlib.textpath.TextPath`, cached) and a
    frame draws all labels as a single path. ``add_boxes`` sets fixed white boxes, sized for
    the widest text each label will show, drawn as one more path just behind them.
    """

    def __init__(self, ax, anchors: np.ndarray, size_pt: float, color: str, zorder: float) -> None:
        self.ax = ax
        self.anchors = np.asarray(anchors, dtype=float)
        self.prop = FontProperties(size=size_pt)
        self.scale = ax.figure.dpi / 72.0  # points -> display pixels
        self._glyphs: dict[str, tuple[np.ndarray, np.ndarray, float, float]] = {}
        self.patch = PathPatch(Path(np.zeros((1, 2))), transform=IdentityTransform(),
                               facecolor=color, edgecolor="none", lw=0, zorder=zorder)
        self.boxes = PathPatch(Path(np.zeros((1, 2))), transform=IdentityTransform(),
                               facecolor="white", edgecolor="none", lw=0, alpha=0.75)
        for art in (self.patch, self.boxes):
            art.set_figure(ax.figure)
            art.set_animated(True)

    def _outline(self, text: str) -> tuple[np.ndarray, np.ndarray, float, float]:
        """Glyph outline of ``text`` in display pixels from its own origin, width, top."""
        if text not in self._glyphs:
            tp = TextPath((0, 0), text, prop=self.prop)
            verts = tp.vertices * self.scale
            width = float(verts[:, 0].max()) if len(verts) else 0.0
            top = float(verts[:, 1].max()) if len(verts) else 0.0
            self._glyphs[text] = (verts, tp.codes, width, top)
        return self._glyphs[text]

    def _origins(self) -> np.ndarray:
        return self.ax.transData.transform(self.anchors)

    def add_boxes(self, widest: list[str], pad: float = 2.0) -> None:
        """White boxes (75 % opaque, one path drawn just before the labels) behind each
        label's widest text, so labels stay legible over the day's spread ties."""
        rects = []
        for (x, y), text in zip(self._origins(), widest):
            _, _, width, top = self._outline(text)
            x0, x1 = x - width / 2 - pad, x + width / 2 + pad
            y0, y1 = y - 1.15 * top - pad, y - 0.15 * top + pad
            rects.append(Path([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], closed=True))
        self.boxes.set_path(Path.make_compound_path(*rects) if rects else Path(np.zeros((1, 2))))

    def set_texts(self, texts: list[str]) -> None:
        """Show ``texts``, one per anchor, from the next draw."""
        verts, codes = [], []
        for (x, y), text in zip(self._origins(), texts):
            v, c, width, top = self._outline(text)
            if len(v):
                verts.append(v + (x - width / 2, y - 1.15 * top))
                codes.append(c)
        if verts:
            self.patch.set_path(Path(np.concatenate(verts), np.concatenate(codes)))


def band(x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Vertices of the region between two curves over ``x`` (a closed polygon)."""
    if len(x) == 0:
        return np.zeros((1, 2))
    return np.concatenate([np.column_stack([x, upper]), np.column_stack([x[::-1], lower[::-1]])])


def thin(segments: np.ndarray, most: int, key: tuple[int, ...]) -> np.ndarray:
    """At most ``most`` of ``segments``: a uniform sample, the same for the same ``key``."""
    if len(segments) <= most:
        return segments
    pick = np.random.default_rng(key).choice(len(segments), most, replace=False)
    return segments[np.sort(pick)]


def polyline(segments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of (k, 2, 2) segments as one polyline with a NaN break after each segment."""
    pts = np.full((len(segments), 3, 2), np.nan)
    pts[:, :2] = segments
    return pts[:, :, 0].ravel(), pts[:, :, 1].ravel()


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
