"""Scenario files: the top of the pydantic schema and its validation (reading, `extends` and
overrides: sim.config.loading).

A scenario is a TOML file validated against :class:`Scenario`. Unknown keys are refused, every
number has a documented unit and range, and a bad file fails with one :class:`ScenarioError`
naming the file, the field, the value and what is allowed.

Money amounts (budgets, fees, ad prices, coupon values) are yuan for a market of
``run.reference_consumers`` consumers; they are scaled linearly to ``run.consumers`` when the
world is built, so ratios such as ROI, ROAS and CAC do not depend on the simulated population.

The sections live beside this module by concern — sim.config.world_schema (run, population,
graph, platforms, tiers), sim.config.retailer_schema (retailers, community),
sim.config.behaviour_schema (behaviour, shocks), sim.config.kinds (content kinds) and
sim.config.section (the base section and :class:`ScenarioError`) — and every one of their names
stays importable from here. The reference in docs/scenarios.md is generated from them.
"""

from __future__ import annotations

from typing import Annotated, Any, Mapping, Sequence

from pydantic import Field, ValidationError, field_validator, model_validator

from sim.config.behaviour_schema import BehaviourSection, ShockSection
from sim.config.channels import NON_TIER_CHANNELS
from sim.config.errors import format_validation_error
from sim.config.formats import ROSTER_KEYS, LiveSeries, RosterSection
from sim.config.kinds import (CONTENT_KIND_NAMES, CONTENT_KINDS, KIND_APPEAL, KIND_HOMOGENEITY,
                              KIND_SOCIAL_CURRENCY, kind_table)
from sim.config.retail import RETAIL_CHANNELS
from sim.config.retailer_schema import CommunitySection, RetailerSection
from sim.config.section import NonNegative, Positive, ScenarioError, Share, _Section
from sim.config.strict import check_names, check_nesting
from sim.config.world_schema import (GraphSection, PlatformSection, PopulationSection,
                                     RunSection, TierSection)

__all__ = [
    "AnalysisSection", "BehaviourSection", "CONTENT_KIND_NAMES", "CONTENT_KINDS",
    "CommunitySection", "GraphSection", "KIND_APPEAL", "KIND_HOMOGENEITY",
    "KIND_SOCIAL_CURRENCY", "NON_TIER_CHANNELS", "NonNegative", "PlatformSection",
    "PopulationSection", "Positive", "ReferenceSection", "RetailerSection", "RunSection",
    "Scenario", "ScenarioError", "Share", "ShockSection", "TierSection", "apply_overrides",
    "kind_table", "load_scenario", "read_scenario_dict", "validate_scenario",
]


class ReferenceSection(_Section):
    """Parameters of the textbook reference modes."""

    p: Share = Field(0.03, description="bass: innovation (external influence) per day")
    q: Annotated[float, Field(ge=0.0, le=10.0)] = Field(0.38, description="bass: imitation")
    dt: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        1.0, description="bass: Bass time units per step; smaller steps approach the ODE"
    )
    transmissibility: Share = Field(0.2, description="independent_cascade: T per tie")
    seeds: int = Field(10, ge=1, description="cascade/threshold: initially engaged consumers")
    phi: Share = Field(0.18, description="threshold: engaged share of ties needed")


class AnalysisSection(_Section):
    """How results are read (not how the market behaves)."""

    attribution_tolerance: float = Field(
        1.5, gt=1.0, le=100.0, description="attribution reading: last-touch credit more than "
        "this × a channel's incremental orders is over-credited, less than 1/this under-credited"
    )


class Scenario(_Section):
    """A whole scenario file."""

    name: str = ""
    question: str = ""
    run: RunSection = Field(default_factory=RunSection)
    population: PopulationSection = Field(default_factory=PopulationSection)
    graph: GraphSection = Field(default_factory=GraphSection)
    platforms: dict[str, PlatformSection] = Field(
        default_factory=lambda: {
            "feed": PlatformSection(organic_reach=0.3, amplification_factor=1.0,
                                    conversion_multiplier=1.0),
            "notes": PlatformSection(organic_reach=0.2, conversion_multiplier=1.5,
                                     content_lifetime=5),
        }
    )
    influencers: dict[str, TierSection] = Field(default_factory=dict)
    roster: RosterSection | None = Field(
        None, description="real creators: file keys roster, roster_audience_share and book "
        "of [influencers] (sim.config.roster)")
    retailers: list[RetailerSection] = Field(
        default_factory=list,
        description="retailers in file order; files write keyed tables [retailers.NAME] "
        "(the key is the name), see sim.config.loading",
    )
    shocks: list[ShockSection] = Field(default_factory=list)
    behaviour: BehaviourSection = Field(default_factory=BehaviourSection)
    reference: ReferenceSection = Field(default_factory=ReferenceSection)
    analysis: AnalysisSection = Field(default_factory=AnalysisSection)

    @model_validator(mode="before")
    @classmethod
    def _roster_keys(cls, value: Any) -> Any:
        """``[influencers] roster = ...`` (file form) becomes the ``roster`` section."""
        inf = value.get("influencers") if isinstance(value, Mapping) else None
        if not isinstance(inf, Mapping) or not set(ROSTER_KEYS) & set(inf):
            return value
        section = {field: inf[key] for key, field in ROSTER_KEYS.items() if key in inf}
        if "path" not in section:
            raise ValueError("influencers.roster: roster_audience_share and book need a "
                             "roster = 'FILE.csv'")
        tiers = {k: v for k, v in inf.items() if k not in ROSTER_KEYS}
        return {**value, "influencers": tiers, "roster": section}

    @field_validator("retailers", mode="before")
    @classmethod
    def _keyed_retailers(cls, value: Any) -> Any:
        """Keyed tables ``{name: {...}}`` (the file form) become the list, in key order."""
        if not isinstance(value, Mapping):
            return value
        out = []
        for name, table in value.items():
            if isinstance(table, Mapping):
                if table.get("name", name) != name:
                    raise ValueError(f"retailers.{name}.name: {table['name']!r} differs from "
                                     f"the table's key {name!r} (leave name out)")
                table = {**table, "name": name}
            out.append(table)
        return out

    @model_validator(mode="after")
    def _cross_references(self) -> "Scenario":
        """Every platform, channel, circle, retailer and live host a section names exists."""
        platforms = set(self.platforms)
        if not platforms:
            raise ValueError("at least one platform is needed")
        for tier, t in self.influencers.items():
            if t.platform not in platforms:
                raise ValueError(
                    f"influencers.{tier}.platform: unknown platform {t.platform!r}; "
                    f"allowed: {sorted(platforms)}"
                )
        channels = set(self.influencers) | set(NON_TIER_CHANNELS) | set(RETAIL_CHANNELS)
        names = [r.name for r in self.retailers]
        if len(set(names)) != len(names):
            raise ValueError(f"retailers: names must be unique, got {names}")
        for r in self.retailers:
            _check_retailer(r, platforms, channels, self.population.circles)
        _check_shocks(self.shocks, platforms, names)
        _check_roster_and_hosts(self)
        if self.run.mode == "full" and not self.retailers:
            raise ValueError("mode 'full' needs at least one retailer: a [retailers.NAME] table")
        return self

    # ------------------------------------------------------------------ helpers
    @property
    def money_scale(self) -> float:
        """Factor applied to every money amount: consumers / reference_consumers."""
        return self.run.consumers / self.run.reference_consumers

    def with_overrides(self, overrides: Mapping[str, Any] | Sequence[str]) -> "Scenario":
        """A new validated scenario with dotted-key overrides applied.

        ``overrides`` is a mapping ``{"behaviour.s0": 0.3}`` or a sequence of
        ``"dotted.key=value"`` strings (values parsed as TOML, else taken as strings).
        Retailers are addressed by name or position (``retailers.brand.budget``,
        ``retailers.0.budget``), list items by index (``shocks.0.day``).
        """
        from sim.config.loading import with_overrides

        return with_overrides(self, overrides)


def _unknown(at: str, what: str, bad: Sequence[Any], allowed: Any) -> None:
    """Raise the "unknown NAME" error for the first of ``bad`` (nothing if it is empty)."""
    if bad:
        raise ValueError(f"{at}: unknown {what} {bad[0]!r}; allowed: {allowed}")


def _check_circles(at: str, circles: Sequence[int], n_circles: int) -> None:
    """Every circle index is in 0..n_circles-1."""
    bad = [c for c in circles if not 0 <= c < n_circles]
    if bad:
        raise ValueError(f"{at}: circle {bad[0]} out of range 0..{n_circles - 1}")


def _check_retailer(r: RetailerSection, platforms: set[str], channels: set[str],
                    n_circles: int) -> None:
    """A retailer's channels, platforms, target circles, store circles and live series."""
    at = f"retailers.{r.name}"
    _unknown(f"{at}.allocation", "channel", sorted(set(r.allocation) - channels),
             sorted(channels))
    _unknown(f"{at}.disabled_channels", "channel", sorted(set(r.disabled_channels) - channels),
             sorted(channels))
    _unknown(f"{at}.ad_platform", "platform",
             [r.ad_platform] if r.ad_platform not in platforms else [], sorted(platforms))
    if r.allocation.get("search", 0) > 0:
        _unknown(f"{at}.search_platform", "platform",
                 [r.search_platform] if r.search_platform not in platforms else [],
                 sorted(platforms))
    for key in ("ad_target_circles", "target_circles"):
        _check_circles(f"{at}.{key}", getattr(r, key), n_circles)
    _unknown(f"{at}.ad_split", "platform", sorted(set(r.ad_split) - platforms), sorted(platforms))
    if r.ad_split and sum(r.ad_split.values()) <= 0:
        raise ValueError(f"{at}.ad_split: needs at least one positive share")
    for key, store in r.stores.items():
        _check_circles(f"{at}.stores.{key}.circles", store.circles, n_circles)
    _check_live(r.live, at, platforms)
    cp = r.community.platform
    _unknown(f"{at}.community.platform", "platform",
             [cp] if cp is not None and cp not in platforms else [], sorted(platforms))


def _check_shocks(shocks: list[ShockSection], platforms: set[str], names: list[str]) -> None:
    """A shock's platform and retailer exist."""
    for i, s in enumerate(shocks):
        _unknown(f"shocks[{i}].platform", "platform",
                 [s.platform] if s.platform is not None and s.platform not in platforms else [],
                 sorted(platforms))
        _unknown(f"shocks[{i}].retailer", "retailer",
                 [s.retailer] if s.retailer is not None and s.retailer not in names else [],
                 names)


def _check_roster_and_hosts(scn: "Scenario") -> None:
    """The roster file against the scenario (row and column named), and every live host:
    ``self``, a tier with creators, or a roster creator_id."""
    from sim.config.roster import scenario_roster  # roster.py imports this module

    roster = scenario_roster(scn) if scn.run.mode == "full" else None
    ids = set(roster.ids()) if roster is not None else set()
    filled = set(roster.tiers) if roster is not None else set()
    tiers = sorted(t for t, c in scn.influencers.items() if c.count > 0 or t in filled)
    for r in scn.retailers:
        for i, s in enumerate(r.live):
            if s.host != "self" and s.host not in tiers and s.host not in ids:
                raise ValueError(f"retailers.{r.name}.live[{i}].host: {s.host!r} is neither "
                                 f"'self', a tier with creators ({', '.join(tiers) or 'none'}) "
                                 "nor a roster creator_id")


def _check_live(series: list[LiveSeries], at: str, platforms: set[str]) -> None:
    """A self-broadcast's platform must exist (creator hosts are checked when the world is
    built: a roster creator_id is only known then)."""
    for i, s in enumerate(series):
        if s.platform is not None and s.platform not in platforms:
            raise ValueError(f"{at}.live[{i}].platform: unknown platform {s.platform!r}; "
                             f"allowed: {sorted(platforms)}")


def validate_scenario(data: Mapping[str, Any], source: str = "scenario",
                      overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Validate a dict into a :class:`Scenario`, raising :class:`ScenarioError` on failure.

    Values nested deeper than :data:`sim.config.strict.MAX_DEPTH`, and tier, platform or
    retailer names that would make KPI names ambiguous, are refused too. An error in a key set
    by ``overrides`` (``--set``) names that ``--set`` as well as ``source``.
    """
    try:
        check_nesting(data, source)
        scn = Scenario.model_validate(data)
        check_names(scn)
        return scn
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, data, source, overrides)) from None
    except ValueError as exc:  # nesting, names
        raise ScenarioError(f"{source}: {exc}") from None


# Reading files, merging and overrides live in sim.config.loading; these names stay importable
# from here (sim.config's package import runs this module first, so the cycle is safe).
from sim.config.loading import (  # noqa: E402
    apply_overrides, load_scenario, read_scenario_dict,
)
