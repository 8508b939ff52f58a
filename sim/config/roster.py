"""Creator rosters: real creators read from a CSV file instead of generated identical ones.

A roster (``[influencers] roster = "creators.csv"``, relative to the scenario file) lists one
creator per row. Columns (header names, any order; extra columns are refused):

=================  ========  =================================================================
column             unit      meaning (range)
=================  ========  =================================================================
creator_id         text      unique name of the creator (non-empty)
platform           name      platform the creator posts on (a ``[platforms.NAME]``)
tier               name      tier whose budget line books the creator (an ``[influencers.TIER]``)
followers          people    the creator's follower count on that platform (integer ≥ 1)
fee                yuan      price of one commissioned post or hosted session (≥ 0), in the
                             money of ``run.reference_consumers`` like every scenario amount
engagement_rate    share     baseline engagement probability per exposure (0 < e < 1)
circle (optional)  circle    home circle ``3``, or a circle mix ``3:0.6;7:0.3`` (shares of the
                             followers drawn from each circle, sum ≤ 1; the rest from anyone);
                             empty: a home circle drawn ∝ size with the tier's circle_focus
real_fan_share     share     share of followers who are real, attentive people (0 < s ≤ 1;
 (optional)                  default 1): bought or dormant followers never see a post
content_quality    share     credibility of the creator's content (0–1; default: the tier's
 (optional)                  credibility)
post_days          days      the days the brand's booked posts of this creator went out, e.g.
 (optional)                  ``3;17;40`` (whole days ≥ 1; a day twice = two posts); empty: not
                             booked. With this column the roster is a **booking log**: the
                             first retailer commissions exactly these posts (each fee booked as
                             contracted spend on the creator's tier) and its budget line does
                             not draw creators of the roster's tiers at random
                             (:mod:`sim.engine.bookings`)
=================  ========  =================================================================

A creator's simulated followers: ``followers · real_fan_share · roster_audience_share`` people
of the reference market, scaled to the simulated population (``· consumers /
reference_consumers``), at least one. The roster replaces the generated creators of every tier it
names; other tiers are still generated from ``count``.

Errors are :class:`RosterError` (a :class:`~sim.config.scenario.ScenarioError`) naming the
file, the row (1 = first data row) and the column.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.config.scenario import ScenarioError

if TYPE_CHECKING:
    from sim.config.scenario import Scenario

REQUIRED = ("creator_id", "platform", "tier", "followers", "fee", "engagement_rate")
OPTIONAL = ("circle", "real_fan_share", "content_quality", "post_days")


class RosterError(ScenarioError):
    """A roster file is missing, malformed or inconsistent with its scenario."""


@dataclass(frozen=True)
class RosterCreator:
    """One roster row, validated. ``circle_mix`` is ((circle, share), ...), empty when the
    roster left the circle to the draw; ``content_quality`` None means the tier's credibility."""

    row: int
    creator_id: str
    platform: str
    tier: str
    followers: int
    fee: float
    engagement_rate: float
    circle_mix: tuple[tuple[int, float], ...] = ()
    real_fan_share: float = 1.0
    content_quality: float | None = None
    post_days: tuple[int, ...] = ()


@dataclass(frozen=True)
class Roster:
    """A validated roster: its file and creators in file order. ``scheduled``: the file has a
    ``post_days`` column (a booking log: its tiers are booked by the log, not at random)."""

    path: Path
    creators: tuple[RosterCreator, ...] = field(default_factory=tuple)
    scheduled: bool = False

    @property
    def tiers(self) -> list[str]:
        """Tiers the roster fills, in order of first appearance."""
        return list(dict.fromkeys(c.tier for c in self.creators))

    def by_tier(self, tier: str) -> list[RosterCreator]:
        return [c for c in self.creators if c.tier == tier]

    def ids(self) -> list[str]:
        return [c.creator_id for c in self.creators]

    def fees(self) -> np.ndarray:
        """Fee per creator (yuan, reference market), in file order."""
        return np.array([c.fee for c in self.creators], dtype=np.float64)


def _number(text: str, where: str, integer: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise RosterError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise RosterError(f"{where}: {text!r} is not a finite number")
    if integer and value != int(value):
        raise RosterError(f"{where}: {text!r} is not a whole number")
    return value


def _circle_mix(text: str, where: str) -> tuple[tuple[int, float], ...]:
    """``3`` -> ((3, -1.0),) (home circle, focus from the tier); ``3:0.6;7:0.3`` -> a mix."""
    text = text.strip()
    if not text:
        return ()
    if ":" not in text:
        return ((int(_number(text, where, integer=True)), -1.0),)
    mix = []
    for part in text.split(";"):
        c, sep, s = part.partition(":")
        if not sep:
            raise RosterError(f"{where}: {part!r} is not circle:share (e.g. 3:0.6;7:0.3)")
        share = _number(s, where)
        if not 0.0 < share <= 1.0:
            raise RosterError(f"{where}: share {share!r} of circle {c.strip()} not in (0, 1]")
        mix.append((int(_number(c, where, integer=True)), share))
    if sum(s for _, s in mix) > 1.0 + 1e-9:
        raise RosterError(f"{where}: circle shares {text!r} add up to more than 1")
    return tuple(mix)


def _post_days(text: str, where: str) -> tuple[int, ...]:
    """``3;17;40`` -> (3, 17, 40), sorted; empty -> ()."""
    days = []
    for part in text.split(";"):
        if not part.strip():
            continue
        day = _number(part.strip(), where, integer=True)
        if day < 1:
            raise RosterError(f"{where}: day {part.strip()!r} must be at least 1")
        days.append(int(day))
    return tuple(sorted(days))


def _share(row: dict[str, str], col: str, where: str, default: float | None,
           low_open: bool) -> float | None:
    text = (row.get(col) or "").strip()
    if not text:
        return default
    value = _number(text, where)
    ok = (0.0 < value <= 1.0) if low_open else (0.0 <= value <= 1.0)
    if not ok:
        raise RosterError(f"{where}: {value!r} not in {'(0' if low_open else '[0'}, 1]")
    return value


def _parse_row(row: dict[str, str], i: int, source: str) -> RosterCreator:
    def at(col: str) -> str:
        return f"{source}: row {i}, column {col}"

    for col in REQUIRED:
        if not (row.get(col) or "").strip():
            raise RosterError(f"{at(col)}: empty (required)")
    followers = _number(row["followers"], at("followers"), integer=True)
    if followers < 1:
        raise RosterError(f"{at('followers')}: {row['followers']!r} must be at least 1")
    fee = _number(row["fee"], at("fee"))
    if fee < 0:
        raise RosterError(f"{at('fee')}: {row['fee']!r} must be ≥ 0")
    eng = _number(row["engagement_rate"], at("engagement_rate"))
    if not 0.0 < eng < 1.0:
        raise RosterError(f"{at('engagement_rate')}: {row['engagement_rate']!r} not in (0, 1)")
    return RosterCreator(
        row=i, creator_id=row["creator_id"].strip(), platform=row["platform"].strip(),
        tier=row["tier"].strip(), followers=int(followers), fee=fee, engagement_rate=eng,
        circle_mix=_circle_mix(row.get("circle") or "", at("circle")),
        real_fan_share=_share(row, "real_fan_share", at("real_fan_share"), 1.0, True),
        content_quality=_share(row, "content_quality", at("content_quality"), None, False),
        post_days=_post_days(row.get("post_days") or "", at("post_days")),
    )


def read_roster(path: str | Path) -> Roster:
    """Read and validate a roster CSV (UTF-8, a header row). Raises :class:`RosterError`."""
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"roster: file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"roster: cannot read {path}: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RosterError(f"{path}: header: missing column {missing[0]!r}; "
                          f"required: {', '.join(REQUIRED)}")
    extra = [c for c in header if c not in REQUIRED + OPTIONAL]
    if extra:
        raise RosterError(f"{path}: header: unknown column {extra[0]!r}; "
                          f"allowed: {', '.join(REQUIRED + OPTIONAL)}")
    creators, seen = [], {}
    for i, row in enumerate(reader, start=1):
        if None in row:
            raise RosterError(f"{path}: row {i}: more fields than columns")
        c = _parse_row(row, i, str(path))
        if c.creator_id in seen:
            raise RosterError(f"{path}: row {i}, column creator_id: {c.creator_id!r} repeats "
                              f"row {seen[c.creator_id]}")
        seen[c.creator_id] = i
        creators.append(c)
    if not creators:
        raise RosterError(f"{path}: no creators (only a header)")
    return Roster(path, tuple(creators), "post_days" in header)


def check_roster(roster: Roster, tiers: list[str], platforms: list[str], circles: int) -> None:
    """Cross-check a roster against its scenario: known tier and platform, circle in range."""
    for c in roster.creators:
        where = f"{roster.path}: row {c.row}"
        if c.tier not in tiers:
            raise RosterError(f"{where}, column tier: {c.tier!r} is not an influencer tier of "
                              f"the scenario; allowed: {tiers}")
        if c.platform not in platforms:
            raise RosterError(f"{where}, column platform: unknown platform {c.platform!r}; "
                              f"allowed: {platforms}")
        for circle, _ in c.circle_mix:
            if not 0 <= circle < circles:
                raise RosterError(f"{where}, column circle: circle {circle} out of range "
                                  f"0..{circles - 1}")


@lru_cache(maxsize=8)
def _read_cached(path: str, mtime: float, size: int) -> Roster:
    return read_roster(path)


def scenario_roster(scenario: "Scenario") -> Roster | None:
    """The roster of ``scenario`` (read once per file version, checked against the scenario's
    tiers, platforms and circles, and its ``book`` ids), or None without one."""
    section = scenario.roster
    if section is None:
        return None
    path = Path(section.path)
    if not path.is_file():
        raise RosterError(f"influencers.roster: file not found: {path}")
    st = path.stat()
    roster = _read_cached(str(path), st.st_mtime, st.st_size)
    check_roster(roster, list(scenario.influencers), list(scenario.platforms),
                 scenario.population.circles)
    ids = set(roster.ids())
    bad = [b for b in section.book if b not in ids]
    if bad:
        raise RosterError(f"influencers.book: {bad[0]!r} is not a creator_id of {path}")
    return roster


__all__ = ["OPTIONAL", "REQUIRED", "Roster", "RosterCreator", "RosterError", "check_roster",
           "read_roster", "scenario_roster"]
