"""The workshop page's engine side: layout, levers, live changes, shocks, spread events, frames.

The page itself is tested in a browser by ``tests/browser/test_workshop_page.py``; the
levers' invariant by ``tests/viz/test_lever_invariant.py``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.config.scenario import ScenarioError, load_scenario
from sim.viz.charts import ChartsPainter
from sim.viz.drawing import NetworkPainter
from sim.viz.layout import circle_layout, pack_discs, ring_positions, sunflower
from sim.viz.workshop import (
    PRESETS, Levers, WorkshopModel, WorkshopSettings, campaign_scenarios, koc_tier, lever_overrides,
)

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"
JPEG_MAGIC = b"\xff\xd8\xff"


def small(levers: Levers | None = None, consumers: int = 1200, shown: int = 800) -> WorkshopSettings:
    return WorkshopSettings(scenario=BASELINE, consumers=consumers, levers=levers, max_shown=shown)


@pytest.fixture(scope="module")
def base():
    return small().base_scenario()


# ------------------------------------------------------------------------------ layout
def test_sunflower_fills_the_disc():
    pts = sunflower(500, 10.0)
    r = np.hypot(pts[:, 0], pts[:, 1])
    assert r.max() <= 10.0 + 1e-9 and r.min() < 1.0
    assert abs(np.median(r) - 10.0 / np.sqrt(2)) < 0.5  # half the points inside r/√2


def test_packed_discs_do_not_overlap():
    radii = np.sqrt(np.array([400, 200, 130, 100, 80, 60, 50, 40, 30, 5, 1], float))
    c = pack_discs(radii, gap=2.0)
    d = np.hypot(*(c[:, None, :] - c[None, :, :]).transpose(2, 0, 1))
    need = radii[:, None] + radii[None, :]
    off = ~np.eye(len(radii), dtype=bool)
    assert (d[off] >= need[off] - 1e-6).all()


def test_consumers_sit_in_their_circle_and_hubs_in_the_middle():
    rng = np.random.default_rng(3)
    circle = rng.integers(0, 6, 900)
    degree = rng.integers(1, 50, 900)
    lay = circle_layout(circle, degree, 6)
    dist = np.hypot(*(lay.xy - lay.centers[circle]).T)
    assert (dist <= lay.radii[circle] + 1e-9).all()
    for c in range(6):
        rows = np.flatnonzero(circle == c)
        corr = np.corrcoef(degree[rows], dist[rows])[0, 1]
        assert corr < -0.5  # higher degree, nearer the centre
    rim = ring_positions(lay.centers, lay.radii, np.array([0, 0, 2]))
    assert (np.hypot(*(rim - lay.centers[[0, 0, 2]]).T) > lay.radii[[0, 0, 2]]).all()
    assert not np.allclose(rim[0], rim[1])


# ------------------------------------------------------------------------------ levers
def test_scenario_levers_round_trip(base):
    levers = Levers.from_scenario(base)
    again = base.with_overrides(lever_overrides(base, levers))
    assert again.behaviour == base.behaviour and again.graph == base.graph
    for ch, share in base.retailers[0].allocation.items():
        assert again.retailers[0].allocation[ch] == pytest.approx(share)


def test_lever_overrides_map_to_scenario_keys(base):
    levers = replace(Levers.from_scenario(base), trust=2.0, mixing=0.6, social_currency=2.5,
                     fatigue=0.4, sharing=0.7, koc_share=0.8, budget=1_000_000.0)
    scn = base.with_overrides(lever_overrides(base, levers))
    assert scn.graph.trust_strong == min(1.0, 2 * base.graph.trust_strong)
    assert scn.graph.trust_weak == pytest.approx(min(1.0, 2 * base.graph.trust_weak))
    assert scn.behaviour.follower_trust == pytest.approx(min(1.0, 2 * base.behaviour.follower_trust))
    assert (scn.graph.mixing, scn.behaviour.social_currency, scn.behaviour.b_fatigue,
            scn.behaviour.s0) == (0.6, 2.5, 0.4, 0.7)
    assert scn.retailers[0].budget == 1_000_000.0
    old, new = base.retailers[0].allocation, scn.retailers[0].allocation
    tiers = [t for t in old if t in base.influencers]
    koc = koc_tier(base)
    assert sum(new[t] for t in tiers) == pytest.approx(sum(old[t] for t in tiers))
    assert new[koc] == pytest.approx(0.8 * sum(old[t] for t in tiers))
    for ch in set(old) - set(tiers):
        assert new[ch] == old[ch]  # ads, coupons, community untouched
    with pytest.raises(ScenarioError):
        base.with_overrides(lever_overrides(base, replace(levers, sharing=1.5)))


def test_campaign_scenarios_lists_campaigns_only():
    found = campaign_scenarios()
    assert "baseline" in found
    assert not any(label.startswith("reference") for label in found)
    assert all(load_scenario(p).run.mode == "full" for p in found.values())


# ---------------------------------------------------------------------- live changes
def test_levers_act_on_the_running_world():
    m = WorkshopModel(small())
    for _ in range(3):
        m.step()
    indices, trust = m.graph.indices.copy(), m.graph.trust.copy()
    changed = m.set_levers(replace(m.levers, trust=0.5))
    assert changed == ["trust × 1.00 → 0.50"]
    assert np.array_equal(m.graph.indices, indices)  # same ties ...
    assert m.graph.trust.mean() < 0.75 * trust.mean()  # ... trusted less
    assert m.beh.follower_trust == pytest.approx(0.5 * m.base.behaviour.follower_trust)

    xy = m.view.layout.xy.copy()
    m.set_levers(replace(m.levers, mixing=0.7, sharing=0.9, social_currency=2.0))
    assert m.beh.s0 == 0.9 and m.beh.social_currency == 2.0
    circle = m.population.circle
    src = np.repeat(np.arange(m.graph.n), m.graph.degree)
    assert (circle[src] != circle[m.graph.indices]).mean() > 0.5  # rewired across circles
    assert np.array_equal(m.view.layout.xy, xy)  # nobody moved on the page
    assert len(m.view.background_edges()) > 0
    # moves within one day (a slider drag) make one event, measured from the day's start
    assert len(m.events) == 1 and m.events[0][:2] == (3, "lever")
    mixing = f"{m.base.graph.mixing:.2f}"
    assert m.events[0][2].startswith(f"trust × 1.00 → 0.50; circle mixing {mixing} → 0.70")
    m.set_levers(replace(m.levers, trust=1.0))
    assert "trust" not in m.events[-1][2] and len(m.events) == 1
    m.step()
    m.set_levers(replace(m.levers, sharing=0.5))
    assert m.events[-1] == (4, "lever", "sharing propensity 0.90 → 0.50")


def test_budget_lever_replans_without_overspending():
    m = WorkshopModel(small())
    for _ in range(10):
        m.step()
    ret = m.retailers[0]
    spent = ret.total_spent
    m.set_levers(replace(m.levers, budget=m.levers.budget * 0.5))
    assert ret.budget == pytest.approx(m.levers.budget * m.money_scale)
    assert ret.total_spent + sum(ret.lines.values()) + ret.reserve <= max(ret.budget, spent) + 1e-6
    m.set_levers(replace(m.levers, budget=0.0))
    frozen = ret.total_spent
    for _ in range(5):
        m.step()
    assert ret.total_spent == pytest.approx(frozen)  # nothing left to spend
    m.set_levers(replace(m.levers, budget=6_000_000.0, koc_share=1.0))
    for _ in range(5):
        m.step()
    assert ret.total_spent <= ret.budget + 1e-6
    koc = koc_tier(m.base)
    others = [t for t in m.influencers_by_tier if t != koc and t in ret.lines]
    assert all(ret.lines[t] == 0.0 for t in others)  # all creator money now goes to KOCs


def test_algorithm_change_cuts_organic_reach_from_the_next_day():
    shocked, control = WorkshopModel(small()), WorkshopModel(small())
    for _ in range(4):
        shocked.step()
        control.step()
    platform = shocked.main_platform
    note = shocked.algorithm_change(0.58)
    assert f"{platform} organic reach ×0.58 from day 5" in note
    assert shocked.reach_factor(platform) == pytest.approx(0.58)
    organic = {id(m): 0.0 for m in (shocked, control)}
    for _ in range(8):
        for m in (shocked, control):
            m.step()
            organic[id(m)] += m.kpis[f"organic_{platform}"]
    assert shocked.platform_by_name[platform].reach_factor == pytest.approx(0.58)
    assert organic[id(shocked)] < 0.8 * organic[id(control)]
    shocked.algorithm_change(0.5)
    assert shocked.reach_factor(platform) == pytest.approx(0.29)  # shocks compound
    with pytest.raises(ScenarioError, match="unknown platform"):
        shocked.apply_reach_shock("nope", 0.5)
    with pytest.raises(ScenarioError, match="factor"):
        shocked.apply_reach_shock(platform, -1.0)


def test_spread_events_follow_ties():
    m = WorkshopModel(small(levers=replace(Levers.from_scenario(small().base_scenario()),
                                           sharing=1.0, social_currency=3.0)))
    pairs = 0
    for _ in range(6):
        m.step()
        sp = m.spread
        assert len(sp.src) == len(sp.dst) == len(sp.negative)
        for s, d in zip(sp.src[:200], sp.dst[:200]):
            assert d in m.graph.indices[m.graph.indptr[s]:m.graph.indptr[s + 1]]
        pairs += len(sp.src)
        assert sp.new_engaged.sum() <= m.kpis["engaged"]
    assert pairs > 0
    pos, neg = m.view.spread_segments()
    assert pos.shape[1:] == (2, 2) and neg.shape[1:] == (2, 2)


def test_viral_cascade_preset_makes_the_spread_visible():
    """The preset turns a trickle into a burst of engagements carried along drawn ties."""
    runs = {}
    for name in ("scenario", "Viral cascade"):
        m = WorkshopModel(small(consumers=2000, shown=1000))
        if name in PRESETS:
            m.set_levers(replace(m.levers, **PRESETS[name]))
        new, ties = [], []
        for _ in range(15):
            m.step()
            new.append(int(m.spread.new_engaged.sum()))
            ties.append(len(m.view.spread_segments()[0]))
        runs[name] = (np.array(new), np.array(ties), m.kpis["stage_interested"] / m.population.n)
    (base_new, base_ties, _), (viral_new, viral_ties, viral_share) = runs.values()
    assert viral_new.max() >= 4 * base_new.max()
    assert viral_ties.max() >= 10 * max(base_ties.max(), 1)
    assert viral_share > 0.15  # a visible part of the dots turned engaged


# ------------------------------------------------------------------------------ frames
def test_painters_render_jpeg_frames():
    m = WorkshopModel(small())
    net, charts = NetworkPainter(m), ChartsPainter(m)
    first = net.render()
    for _ in range(3):
        m.step()
    m.algorithm_change()
    frame, chart = net.render(), charts.render()
    assert frame[:3] == JPEG_MAGIC and chart[:3] == JPEG_MAGIC
    assert frame != first  # colours moved
    m.set_levers(replace(m.levers, mixing=0.6))  # ties rebuilt: static layer redrawn
    assert net.render()[:3] == JPEG_MAGIC


def test_charts_redrawn_in_parts_equal_a_full_redraw():
    """A cascade grows the y-limits on most of its first days; redrawing only the grown chart
    must give the very pixels of a figure drawn from scratch."""
    import io

    from PIL import Image

    m = WorkshopModel(small(levers=replace(Levers.from_scenario(small().base_scenario()),
                                           **PRESETS["Viral cascade"])))
    charts = ChartsPainter(m)
    charts.render()
    limits = []
    for _ in range(12):  # through the day the negative share's ticks widen to "100%"
        m.step()
        frame = charts.render()
        limits.append(charts._limits)
    assert len(set(limits)) >= 4  # the limits did grow, several times
    fresh = ChartsPainter(m)
    fresh._limits = charts._limits
    a, b = (np.asarray(Image.open(io.BytesIO(f)), dtype=int) for f in (frame, fresh.render()))
    assert np.abs(a - b).max() <= 2  # JPEG of identical canvases: equal up to rounding


def test_shown_sample_is_capped():
    m = WorkshopModel(small(consumers=1500, shown=500))
    assert len(m.view.shown) == 500 and len(np.unique(m.view.shown)) == 500
    assert (m.view.slot[m.view.shown] == np.arange(500)).all()


# --------------------------------------------------------------------------------- CLI
@pytest.mark.parametrize("args, message", [
    (["viz", str(ROOT / "scenarios" / "reference" / "bass.toml")], "needs a campaign scenario"),
    (["viz", "--consumers", "5"], "--consumers: 5 is out of range"),
    (["viz", "--port", "70000"], "--port: 70000 is not a TCP port"),
    (["viz", "missing.toml"], "scenario file not found"),
])
def test_viz_refuses_bad_input(args, message):
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2
    assert message in res.output
