"""The workshop model: a :class:`SocialCommerceModel` whose levers can be moved while it runs.

The page (``sim/viz/app.py``) creates one :class:`WorkshopModel` per browser session. Its levers
(:class:`Levers`) are scenario overrides (:meth:`Scenario.with_overrides`) that also apply to the
running world from the next simulated day:

============================  ===============================================  ===================
lever                         scenario keys                                    how it acts live
============================  ===============================================  ===================
trust (×)                     graph.trust_strong, graph.trust_weak,            ties re-drawn with
                              behaviour.follower_trust (× factor, ≤ 1)         the same edges
circle mixing (0–0.9)         graph.mixing                                     ties re-wired
social currency (0–3)         behaviour.social_currency                        next day
fatigue (0–2)                 behaviour.b_fatigue                              next day
sharing propensity (0–1)      behaviour.s0                                     next day
KOC share of creator budget   retailers[0].allocation (creator tiers only)     remaining budget
budget (yuan)                 retailers[0].budget                              re-split (replan)
============================  ===============================================  ===================

Levers act through :meth:`SocialCommerceModel.revise` (:mod:`sim.engine.revision`): the ties
are re-drawn from the world's own graph stream, so changing only trust keeps every tie and
changing mixing keeps the circles and the dots' positions (:mod:`sim.viz.layout`); moving a lever
on day d gives the run of a scenario with that value from day d + 1. After each
step the model also records the day's spread events for drawing: consumers newly engaged or
newly negative, and the ties content travelled along today (word of mouth and buyers' posts).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.world.content import Exposures
from sim.engine.diffusion import expand_rows
from sim.engine.model import SocialCommerceModel
from sim.world.platforms import shock_factor
from sim.world.population import INTERESTED
from sim.config.bundled import bundled_dir
from sim.config.scenario import Scenario, ScenarioError, load_scenario
from sim.viz.layout import MAX_SHOWN, NetworkView

SCENARIO_DIR = bundled_dir()  # the bundled scenarios (package data when installed)
DEFAULT_SCENARIO = SCENARIO_DIR / "baseline.toml"
DEFAULT_CONSUMERS = 3000
SHOCK_FACTOR = 0.58  # organic reach × after an algorithm change (−42 % exposure, seed fact)


# --------------------------------------------------------------------------- scenarios
def campaign_scenarios(directory: Path = SCENARIO_DIR, extra: Path | None = None) -> dict[str, Path]:
    """Bundled campaign scenarios (``run.mode = "full"``), label -> path, read now.

    Reference-mode scenarios (bass, cascade, threshold) and sweep definitions are left out;
    files that fail to load are skipped. ``extra`` (e.g. the file given on the command line)
    is listed first.
    """
    paths = sorted(p for p in directory.rglob("*.toml") if "sweeps" not in p.parts)
    if extra is not None:
        extra = Path(extra).resolve()
        paths = [extra] + [p for p in paths if p.resolve() != extra]
    out: dict[str, Path] = {}
    for path in paths:
        try:
            scn = load_scenario(path)
        except (ScenarioError, ValueError, OSError):
            continue
        if scn.run.mode != "full":
            continue
        try:
            label = str(path.resolve().relative_to(directory.resolve()).with_suffix(""))
        except ValueError:
            label = str(path)
        out[label] = path
    return out


# ------------------------------------------------------------------------------ levers
@dataclass(frozen=True)
class Levers:
    """The workshop's sliders, in scenario units. See the module docstring for the mapping."""

    trust: float = 1.0  # × tie and creator trust (0.25–2)
    mixing: float = 0.2  # share of ties outside the own circle (0–0.9)
    social_currency: float = 1.0  # × sharing (0–3)
    fatigue: float = 0.15  # b_fatigue, logit cost per unit of fatigue (0–2)
    sharing: float = 0.25  # s0, base sharing probability per tie (0–1)
    koc_share: float = 0.0  # share of the creator budget on the smallest-reach tier (0–1)
    budget: float = 0.0  # retailers[0].budget, yuan for run.reference_consumers consumers

    @classmethod
    def from_scenario(cls, scn: Scenario) -> "Levers":
        """The levers a scenario implies (so the sliders start where the file is)."""
        koc_share = 0.0
        budget = 0.0
        if scn.retailers:
            ret = scn.retailers[0]
            budget = ret.budget
            tiers = creator_tiers(scn)
            total = sum(ret.allocation.get(t, 0.0) for t in tiers)
            if tiers and total > 0:
                koc_share = ret.allocation.get(koc_tier(scn), 0.0) / total
        return cls(
            trust=1.0, mixing=scn.graph.mixing, social_currency=scn.behaviour.social_currency,
            fatigue=scn.behaviour.b_fatigue, sharing=scn.behaviour.s0, koc_share=koc_share,
            budget=budget,
        )

    def changes(self, other: "Levers") -> list[str]:
        """Human-readable differences ``self → other``, e.g. ``"sharing 0.25 → 0.4"``."""
        out = []
        for key, old in asdict(self).items():
            new = getattr(other, key)
            if not np.isclose(old, new):
                out.append(f"{LEVER_LABELS[key]} {fmt_lever(key, old)} → {fmt_lever(key, new)}")
        return out


PRESETS: dict[str, dict[str, float]] = {
    "Viral cascade": {"sharing": 0.6, "social_currency": 2.5, "trust": 1.5, "fatigue": 0.05},
}
"""Lever positions that make a word-of-mouth cascade visible on the page (other levers keep the
scenario's values). On the (grounded) baseline at 3,000 consumers "Viral cascade" takes new
engagements from under 25 a day to a burst of 500–1,000 a day around days 4–7 that engages
80–90 % of the consumers (seeds 1–2), then dies out as fatigue and saturation build: a
share-worthy story (social currency ×2.5, sharing propensity 0.6) told over trusted ties (trust
×1.5, tie trust capped at 1) to an audience not yet tired of the category (fatigue 0.05)."""


LEVER_LABELS = {
    "trust": "trust ×", "mixing": "circle mixing", "social_currency": "social currency",
    "fatigue": "fatigue", "sharing": "sharing propensity", "koc_share": "KOC share",
    "budget": "budget",
}


def fmt_lever(key: str, value: float) -> str:
    """A lever value as shown on the page."""
    if key == "budget":
        return f"¥{value / 1000:,.0f}k"
    if key == "koc_share":
        return f"{value:.0%}"
    return f"{value:.2f}"


def creator_tiers(scn: Scenario) -> list[str]:
    """Creator tiers the first retailer allocates budget to (may be empty)."""
    if not scn.retailers:
        return []
    return [t for t in scn.influencers if t in scn.retailers[0].allocation]


def koc_tier(scn: Scenario) -> str | None:
    """The KOC end of the pyramid: the allocated tier with the smallest follower share."""
    tiers = creator_tiers(scn)
    if not tiers:
        return None
    return min(tiers, key=lambda t: (scn.influencers[t].followers_share, t))


def lever_overrides(base: Scenario, levers: Levers) -> dict[str, Any]:
    """Dotted scenario overrides that set ``levers`` on ``base`` (for ``with_overrides``)."""
    clip = lambda v: float(min(1.0, max(0.0, v)))  # noqa: E731 - trust is a 0–1 share
    out: dict[str, Any] = {
        "graph.trust_strong": clip(base.graph.trust_strong * levers.trust),
        "graph.trust_weak": clip(base.graph.trust_weak * levers.trust),
        "behaviour.follower_trust": clip(base.behaviour.follower_trust * levers.trust),
        "graph.mixing": float(levers.mixing),
        "behaviour.social_currency": float(levers.social_currency),
        "behaviour.b_fatigue": float(levers.fatigue),
        "behaviour.s0": float(levers.sharing),
    }
    if not base.retailers:
        return out
    out["retailers.0.budget"] = float(levers.budget)
    tiers, koc = creator_tiers(base), koc_tier(base)
    alloc = dict(base.retailers[0].allocation)
    total = sum(alloc[t] for t in tiers)
    if koc is not None and total > 0:
        others = [t for t in tiers if t != koc]
        weights = np.array([alloc[t] for t in others], dtype=float)
        if len(others) and weights.sum() <= 0:
            weights = np.ones(len(others))
        share = float(levers.koc_share) if others else 1.0
        alloc[koc] = share * total
        for t, w in zip(others, weights):
            alloc[t] = (1.0 - share) * total * float(w / weights.sum())
        out["retailers.0.allocation"] = alloc
    return out


@dataclass
class WorkshopSettings:
    """What one browser session has chosen: scenario, world size and lever positions.

    The page mutates this holder; Mesa's Reset re-creates the model from it.
    """

    scenario: Path = DEFAULT_SCENARIO
    consumers: int = DEFAULT_CONSUMERS
    levers: Levers | None = None  # None: the scenario's own values
    max_shown: int = MAX_SHOWN

    def base_scenario(self) -> Scenario:
        """The scenario file at the workshop's size (``run.consumers`` overridden)."""
        scn = load_scenario(self.scenario, {"run.consumers": int(self.consumers)})
        if scn.run.mode != "full":
            raise ScenarioError(
                f"{self.scenario}: run.mode: the workshop page needs a campaign scenario "
                f"(mode 'full'), got {scn.run.mode!r}"
            )
        return scn


# ------------------------------------------------------------------------- the model
@dataclass
class SpreadToday:
    """What happened on the last simulated day, over all consumers (population rows)."""

    new_engaged: np.ndarray  # bool N: became interested today (any retailer)
    new_negative: np.ndarray  # bool N: took a negative opinion today
    src: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # sharer rows
    dst: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # recipient rows
    negative: np.ndarray = field(default_factory=lambda: np.empty(0, bool))  # negative content


class WorkshopModel(SocialCommerceModel):
    """A campaign world for the workshop page, steerable while it runs.

    Args:
        settings: scenario, size and levers (default: the baseline at 3,000 consumers).
        seed: random seed (default: the scenario's ``run.seed``).

    ``lock`` serialises stepping, drawing and lever changes (the page may step in a thread).
    """

    def __init__(self, settings: WorkshopSettings | None = None, seed: int | None = None) -> None:
        settings = settings if settings is not None else WorkshopSettings()
        base = settings.base_scenario()
        levers = settings.levers or Levers.from_scenario(base)
        config = base.with_overrides(lever_overrides(base, levers))
        super().__init__(config, seed=seed)
        self.lock = threading.RLock()
        self.settings = settings
        self.base = base
        self.levers = levers
        self.revision = 0  # bumped by every lever change or shock (drawing caches key on it)
        self.events: list[tuple[int, str, str]] = []  # (day, "lever" | "shock", text)
        self._day_start_levers = levers  # lever positions before today's first move
        n = self.population.n
        self.spread = SpreadToday(np.zeros(n, bool), np.zeros(n, bool))
        self.view = NetworkView(self, settings.max_shown)

    # ----------------------------------------------------------------- levers
    def set_levers(self, levers: Levers) -> list[str]:
        """Apply new lever positions from the next day on; returns what changed (text).

        The levers become scenario values (:func:`lever_overrides`) that the model adopts
        through :meth:`SocialCommerceModel.revise`, the engine's one entry point for a
        scenario revised mid-run: the run then equals one whose scenario had these values
        from the next day (tests/viz/test_lever_invariant.py).

        Raises:
            ScenarioError: a lever value the scenario schema refuses.
        """
        with self.lock:
            config = self.base.with_overrides(lever_overrides(self.base, levers))
            changed = self.levers.changes(levers)
            self.revise(config)
            self._log_lever_change(levers)
            self.levers = levers
            if changed:
                self.revision += 1
            return changed

    def _log_lever_change(self, levers: Levers) -> None:
        """One "lever" event per day: moves within a day (a slider drag) merge into one."""
        last = self.events[-1] if self.events else None
        if last is not None and last[0] == self.day and last[1] == "lever":
            self.events.pop()
        else:
            self._day_start_levers = self.levers
        changed = self._day_start_levers.changes(levers)
        if changed:
            self.events.append((self.day, "lever", "; ".join(changed)))

    @property
    def main_platform(self) -> str:
        """The platform an algorithm change hits: the amplifying feed with most attention."""
        return max(self.platforms, key=lambda p: (p.cfg.amplification_factor > 0, p.cfg.attention)).name

    def algorithm_change(self, factor: float = SHOCK_FACTOR, platform: str | None = None) -> str:
        """Cut ``platform``'s organic reach ×``factor`` from the next day on; returns a note."""
        with self.lock:
            name = platform or self.main_platform
            self.apply_reach_shock(name, factor)
            note = f"algorithm change: {name} organic reach ×{factor:g} from day {self.day + 1}"
            self.events.append((self.day, "shock", note))
            self.revision += 1
            return note

    def reach_factor(self, platform: str) -> float:
        """Product of ``platform``'s reach shocks active on the next day."""
        return shock_factor(self.platform_by_name[platform].shocks, self.day + 1)

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """One day, plus a record of the day's spread events."""
        with self.lock:
            pop = self.population
            stage_before = pop.stage.copy()
            negative_before = pop.negative.copy()
            super().step()
            self.spread = self._spread_events(stage_before, negative_before)

    def _spread_events(self, stage_before: np.ndarray, negative_before: np.ndarray) -> SpreadToday:
        """Newly engaged / negative consumers and the ties today's shares travelled along.

        Shares queued today (``self.pending``) name their recipient and post. A buyer's post
        names its author; a word-of-mouth share comes from a tie of the recipient who engaged
        with that retailer today (only first engagements are shared; for negative content: who
        turned negative today), so those ties are the day's spread edges. Two such ties
        sharing the same post to one recipient are both drawn.
        """
        pop, posts = self.population, self.posts
        fresh_pos = (pop.stage >= INTERESTED) & (stage_before < INTERESTED)
        fresh_neg = pop.negative & ~negative_before
        out = SpreadToday(fresh_pos.any(axis=1), fresh_neg.any(axis=1))
        exp = Exposures.concat(self.pending)
        if len(exp) == 0 or self.graph is None:
            return out
        retailer = posts["retailer"][exp.post].astype(np.int64)
        negative = posts["negative"][exp.post]
        wom = np.flatnonzero(exp.channel == self.channel_code["wom"])
        owner, pos = expand_rows(self.graph.indptr, exp.consumer[wom])
        tie = self.graph.indices[pos].astype(np.int64)
        r = retailer[wom][owner]
        ok = np.where(negative[wom][owner], fresh_neg[tie, r], fresh_pos[tie, r])
        ugc = np.flatnonzero(exp.channel == self.channel_code["ugc"])
        src = np.concatenate([tie[ok], posts["author"][exp.post[ugc]]])
        dst = np.concatenate([exp.consumer[wom][owner[ok]], exp.consumer[ugc]])
        neg = np.concatenate([negative[wom][owner[ok]], negative[ugc]])
        key, first = np.unique(src * pop.n + dst, return_index=True)
        out.src, out.dst, out.negative = src[first], dst[first], neg[first]
        return out
