"""Matplotlib painter of the workshop page's network (the charts: :mod:`sim.viz.charts`).

It draws from precomputed positions (:class:`sim.viz.layout.NetworkView`); nothing here lays
out a graph. The painter keeps one figure per session and only updates its artists per frame:
it renders its static layer (discs, ties, legend) once and blits the moving parts (stage
colours, today's engagements and shares, posting creators, circle shares, stores and
distributors) on top, so a frame costs a few tens of milliseconds at 2,000 dots. Colours, font sizes and the JPEG encoder here
are shared with the charts.
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
from matplotlib.patches import Circle, PathPatch
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import IdentityTransform
from PIL import Image

from sim.world.population import INTERESTED

if TYPE_CHECKING:
    from sim.viz.workshop import WorkshopModel

STAGE_LABELS = ("unaware", "aware", "engaged", "customer", "loyal")
"""Display names of the funnel stages (``interested`` is shown as ``engaged``)."""
STAGE_COLORS = ("#d9d9d9", "#8fc1e3", "#1f5fa8", "#fdae3b", "#e6550d")
SPREAD_COLOR = "#ff2a8a"  # ties content travelled along today
NEGATIVE_COLOR = "#b10026"
CREATOR_FACE = "#ffd92f"  # creators who posted today
IDLE_FACE, IDLE_EDGE = "#f4f4f4", "#b0b0b0"  # creators who did not
STORE_FACE = "#31a354"  # an open store (closed ones are IDLE_FACE)
DISTRIBUTOR_EDGE = "#6a3d9a"  # ring around an active distributor's dot
TIER_MARKERS = ("*", "D", "^", "p", "s")
TIER_SIZES = (420.0, 85.0, 40.0, 22.0, 18.0)
# font sizes in points; at 100 dpi and a frame shown at its own size (1280×800 page) one point
# is 1.39 px: 13 pt titles are 18 px, 11 pt ticks 15 px, 10 pt legends 14 px
TITLE_PT, TEXT_PT, SMALL_PT, LABEL_PT = 13, 11, 10, 9
NETWORK_SIZE = (4.74, 5.4)  # inches at 100 dpi: half the page's main area at 1280×800
MAX_SPREAD_DRAWN = 1500  # spread ties drawn per frame (a sample beyond: the pink reads the same)
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


def _circle_discs(ax, lay) -> None:
    """Axis limits around the layout and a grey disc behind each circle (static layer)."""
    xmin, xmax, ymin, ymax = lay.extent
    ax.set_xlim(xmin - 3.0, xmax + 3.0)
    ax.set_ylim(ymin - 4.5, ymax + 3.0)
    for c in np.flatnonzero(lay.radii > 0):
        ax.add_patch(Circle(tuple(lay.centers[c]), lay.radii[c] + 0.9, facecolor="#f6f6f6",
                            edgecolor="#bdbdbd", linewidth=0.8, zorder=0))


def _creator_artists(ax, view, tiers: list[str]) -> list[tuple[np.ndarray, object]]:
    """One scatter per tier (marker and size by tier rank), with the creators' unique ids."""
    ids = np.array([c.unique_id for c in view.creators], dtype=np.int64)
    sets = []
    for k, tier in enumerate(tiers):
        sel = view.creator_tier == tier
        art = ax.scatter(view.creator_xy[sel, 0], view.creator_xy[sel, 1],
                         s=TIER_SIZES[min(k, 4)], marker=TIER_MARKERS[min(k, 4)],
                         facecolors="white", edgecolors="#333333", linewidths=0.9, zorder=5)
        sets.append((ids[sel], art))
    return sets

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
        _circle_discs(ax, lay)
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
        self.creator_sets = _creator_artists(ax, view, self.tiers)
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
        self._retail_artists(model)
        self.moving = [self.nodes, self.shared, self.shared_neg, self.rings, self.negative,
                       *(art for _, art in self.creator_sets), self.labels.boxes,
                       self.labels.patch, self.distributor_art, self.store_art,
                       *self.store_labels]
        for art in self.moving:
            art.set_animated(True)
        self._legend(model)
        self._stage_rgba = to_rgba_array(STAGE_COLORS)
        self._creator_on = to_rgba_array([CREATOR_FACE, "#333333"])
        self._creator_off = to_rgba_array([IDLE_FACE, IDLE_EDGE])

    def _retail_artists(self, model: "WorkshopModel") -> None:
        """Stores (squares at the top of their neighbourhood's disc, labelled with today's
        visits; grey until they open) and active distributors (purple diamonds around their
        dot), when the scenario has them."""
        lay, ax = self.model.view.layout, self.ax
        retail = getattr(model, "retail", None)
        networks = retail.stores.values() if retail else []
        self.stores = [st for net in networks for st in net.stores]
        self.layers = list(retail.distributors.values()) if retail else []
        xy = np.array([lay.centers[st.cfg.circles[0]] + (0.0, lay.radii[st.cfg.circles[0]] + 0.9)
                       for st in self.stores]).reshape(-1, 2)
        self.store_art = ax.scatter(xy[:, 0], xy[:, 1], s=110, marker="s", facecolors=STORE_FACE,
                                    edgecolors="black", linewidths=1.2, zorder=7)
        self.store_labels = [ax.text(x, y + 1.2, "", ha="center", va="bottom", fontsize=LABEL_PT,
                                     color="black", zorder=7) for x, y in xy]
        self.distributor_art = ax.scatter([], [], s=40, marker="D", facecolors="none",
                                          edgecolors=DISTRIBUTOR_EDGE, linewidths=1.4, zorder=5)

    def _retail_frame(self) -> None:
        """Today's state of the stores and distributors (see :meth:`_retail_artists`)."""
        view, day = self.model.view, self.model.day
        if self.stores:
            is_open = np.array([st.is_open(max(day, 1)) for st in self.stores])
            self.store_art.set_facecolors(np.where(is_open[:, None], to_rgba_array(STORE_FACE),
                                                   to_rgba_array(IDLE_FACE)))
            for st, text in zip(self.stores, self.store_labels):
                text.set_text(f"{st.name} · {st.visits_today} visit{'' if st.visits_today == 1 else 's'}"
                              if st.is_open(day)
                              else f"{st.name} · opens day {st.cfg.opening_day}")
        rows = [layer.row[: layer.n][layer.active[: layer.n]] for layer in self.layers]
        slots = view.slot[np.concatenate(rows)] if rows else np.zeros(0, dtype=np.int64)
        self.distributor_art.set_offsets(view.layout.xy[slots[slots >= 0]].reshape(-1, 2))

    def _legend(self, model: "WorkshopModel") -> None:
        fig = self.fig
        retail = [*(["green ■ stores"] if self.stores else []),
                  *(["purple ◇ distributors"] if self.layers else [])]
        fig.text(0.5, 0.945, " · ".join(["discs = interest circles, labelled with their % engaged"
                                         if not retail else "discs = circles (% engaged)",
                                         *retail]),
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
        self._retail_frame()
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
