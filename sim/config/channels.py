"""The channel registry: every channel an exposure, an order or a yuan can be credited to.

A scenario's channels are its influencer tiers (named in ``[influencers.TIER]``, in file order)
followed by the fixed channels, in this order::

    tiers..., ads, community, coupons, wom, ugc, search[, live]

That order is the model's channel code (``SocialCommerceModel.channel_code``: the position in
the list, an int8 in every exposure and touch record), so it must not change: results depend on
it. Paid channels have a budget line in a retailer's ``allocation`` (the tiers, ``ads``,
``community``, ``coupons``, ``search``: sponsored results bought per click on a notes
platform, :mod:`sim.engine.search`); organic channels (``wom``: consumers sharing over their ties,
``ugc``: buyers' own posts) cost nothing and cannot be switched off.

Format channels (:data:`FORMAT_CHANNELS`) come last and only in scenarios that use their format
(``live``: a retailer with ``[[retailers.NAME.live]]`` sessions), so the codes of every other
channel never move. Their spend is contracted (session fees, commission on sales), not a budget
line of ``allocation``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

ChannelKind = Literal["tier", "ads", "community", "coupons", "organic", "search", "live"]


@dataclass(frozen=True)
class Channel:
    """One channel: its name (a key in ``allocation`` for paid ones), a display name for tables
    and figures, whether it has a budget line, and what kind of channel it is."""

    name: str
    label: str
    paid: bool
    kind: ChannelKind


FIXED_CHANNELS: tuple[Channel, ...] = (
    Channel("ads", "paid ads", True, "ads"),
    Channel("community", "private community", True, "community"),
    Channel("coupons", "coupons", True, "coupons"),
    Channel("wom", "word of mouth", False, "organic"),
    Channel("ugc", "buyer posts (UGC)", False, "organic"),
    Channel("search", "search ads", True, "search"),
)
"""The channels every scenario has, after its tiers, in model order."""

FORMAT_CHANNELS: tuple[Channel, ...] = (
    Channel("live", "live streams", True, "live"),
)
"""Channels of commerce formats, after the fixed ones, present only when a scenario uses them."""

TIER_LABELS: dict[str, str] = {
    "head": "head KOL", "waist": "waist KOL", "tail": "tail KOL / KOC", "nano": "nano creators",
}
"""Display names of the tier names the bundled scenarios use (other tiers show their name)."""

NON_TIER_CHANNELS: tuple[str, ...] = tuple(c.name for c in FIXED_CHANNELS if c.paid)
"""Budget channels besides the influencer tiers (``ads``, ``community``, ``coupons``, ``search``)."""

ORGANIC_CHANNELS: tuple[str, ...] = tuple(c.name for c in FIXED_CHANNELS if not c.paid)
"""Channels without a budget line (``wom``, ``ugc``): not removable, no spend."""

_FIXED = {c.name: c for c in (*FIXED_CHANNELS, *FORMAT_CHANNELS)}


def tier_channel(tier: str) -> Channel:
    """The channel of an influencer tier (paid; display name from :data:`TIER_LABELS`)."""
    return Channel(tier, TIER_LABELS.get(tier, tier), True, "tier")


def channels(tiers: Iterable[str], formats: Iterable[str] = ()) -> list[Channel]:
    """Every channel of a scenario with these influencer tiers (and format channels among
    ``formats``, e.g. ``("live",)``), in model (channel-code) order."""
    wanted = set(formats)
    return [*(tier_channel(t) for t in tiers), *FIXED_CHANNELS,
            *(c for c in FORMAT_CHANNELS if c.name in wanted)]


def channel_names(tiers: Iterable[str], formats: Iterable[str] = ()) -> list[str]:
    """Names of :func:`channels`, in model order: ``[*tiers, ads, community, coupons, wom, ugc]``
    (then ``live`` when among ``formats``)."""
    return [c.name for c in channels(tiers, formats)]


def paid_channel_names(tiers: Iterable[str], formats: Iterable[str] = ()) -> list[str]:
    """Channels spend is booked on, in model order: ``[*tiers, ads, community, coupons]``
    (then ``live`` when among ``formats``)."""
    return [c.name for c in channels(tiers, formats) if c.paid]


def channel_label(name: str) -> str:
    """Display name of a channel (``ads`` -> ``paid ads``, ``tail`` -> ``tail KOL / KOC``);
    an unknown tier name is shown as it is."""
    fixed = _FIXED.get(name)
    return fixed.label if fixed is not None else TIER_LABELS.get(name, name)


def is_organic(name: str) -> bool:
    """True for the organic channels (no budget line, cannot be removed)."""
    return name in ORGANIC_CHANNELS


__all__ = ["Channel", "FIXED_CHANNELS", "FORMAT_CHANNELS", "NON_TIER_CHANNELS", "ORGANIC_CHANNELS", "TIER_LABELS",
           "channel_label", "channel_names", "channels", "is_organic", "paid_channel_names",
           "tier_channel"]
