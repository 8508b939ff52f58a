"""Levers a search may move, and how a point in the search space becomes a scenario.

``--vary`` takes:

``allocation``
    the first retailer's budget shares over every channel of its ``allocation``;
``ad_split``
    the first retailer's ads line over every platform;
``tiers``
    the shares *among the influencer tiers* in the allocation; the tiers' total share and the
    other channels' shares (ads, coupons, community) stay as written;
``KEY=LO:HI``
    any numeric scenario key (dotted, e.g. ``retailers.0.coupon_value=0:20``) uniformly in
    [LO, HI]; an integer key with integer bounds is searched over integers.

**Budget shares as a simplex.** A lever of *k* shares is searched as *k* independent weights
``w_i`` in (0, 1]; the shares are ``s_i = −ln w_i / Σ_j −ln w_j``. With uniform weights the
shares are uniform on the simplex (Dirichlet(1, …, 1)), every share vector can be reached, and
the sampler never proposes an infeasible plan (no "shares must sum to 1" constraint to reject).
The map is many-to-one (scaling every ``−ln w_i`` gives the same shares): trials record both
the weights (Optuna parameters ``w:<lever>.<name>``) and the shares (columns ``<lever>.<name>``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from sim.config.scenario import NON_TIER_CHANNELS, Scenario, ScenarioError

SIMPLEX_LEVERS = ("allocation", "ad_split", "tiers")
_RANGE = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*=\s*([-+0-9.eE]+)\s*:\s*([-+0-9.eE]+)\s*$")
MIN_WEIGHT = 1e-6


@dataclass(frozen=True)
class Lever:
    """One searched quantity: a simplex of shares or a numeric range."""

    name: str  # "allocation", "ad_split", "tiers" or the dotted key
    kind: str  # "simplex" or "range"
    parts: tuple[str, ...] = ()  # simplex: channel or platform names
    lo: float = 0.0
    hi: float = 1.0
    integer: bool = False
    total: float = 1.0  # simplex: the sum the shares are scaled to (tiers: their share)

    @property
    def params(self) -> list[str]:
        """Optuna parameter names of this lever."""
        if self.kind == "range":
            return [self.name]
        return [f"w:{self.name}.{p}" for p in self.parts]


def parse_lever(text: str, scenario: Scenario) -> Lever:
    """Parse one ``--vary`` value against ``scenario`` (raises :class:`ScenarioError` naming
    the option and value)."""
    if text in SIMPLEX_LEVERS:
        if not scenario.retailers:
            raise ScenarioError(f"--vary {text}: the scenario has no retailer")
        r = scenario.retailers[0]
        if text == "allocation":
            parts = tuple(r.allocation)
            total = 1.0
        elif text == "ad_split":
            parts, total = tuple(scenario.platforms), 1.0
        else:
            parts = tuple(k for k in r.allocation if k not in NON_TIER_CHANNELS)
            whole = sum(r.allocation.values())
            total = sum(r.allocation[k] for k in parts) / whole if whole else 0.0
        if len(parts) < 2:
            raise ScenarioError(f"--vary {text}: needs at least two channels or platforms to "
                                f"split (got {list(parts)})")
        return Lever(text, "simplex", parts, total=total)
    key, lo, hi = parse_range(text, "--vary", "allocation, ad_split, tiers or KEY=LO:HI "
                              "(e.g. retailers.0.coupon_value=0:20)")
    current = current_value(scenario, key)
    integer = isinstance(current, int) and not isinstance(current, bool) and lo.is_integer() \
        and hi.is_integer()
    return Lever(key, "range", lo=lo, hi=hi, integer=integer)


def parse_range(text: str, option: str, expected: str) -> tuple[str, float, float]:
    """``KEY=LO:HI`` as (key, lo, hi) with lo < hi; else a :class:`ScenarioError` naming the
    option and the value and saying what was ``expected``."""
    m = _RANGE.match(text)
    if not m:
        raise ScenarioError(f"{option} {text!r}: expected {expected}")
    key, lo, hi = m.group(1), float(m.group(2)), float(m.group(3))
    if not lo < hi:
        raise ScenarioError(f"{option} {text!r}: LO must be below HI")
    return key, lo, hi


def current_value(scenario: Scenario, key: str) -> Any:
    """The value of a dotted key in ``scenario`` (raises :class:`ScenarioError` if it is not a
    number there)."""
    node: Any = scenario.model_dump(mode="python")
    for part in key.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, list) and any(x.get("name") == part for x in node):
            node = next(x for x in node if x.get("name") == part)  # a retailer by its name
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise ScenarioError(f"--vary {key}: no such scenario key")
    if not isinstance(node, (int, float)) or isinstance(node, bool):
        raise ScenarioError(f"--vary {key}: not a number in the scenario (got {node!r})")
    return node


def shares_from_weights(weights: list[float]) -> list[float]:
    """The simplex map: ``s_i = −ln w_i / Σ −ln w_j`` (weights in (0, 1])."""
    logs = [-math.log(max(w, MIN_WEIGHT)) for w in weights]
    total = sum(logs)
    if total <= 0:
        return [1.0 / len(weights)] * len(weights)
    return [v / total for v in logs]


def suggest(trial, levers: list[Lever]) -> dict[str, float]:
    """Ask an Optuna trial for every lever; returns the decoded point ``{column: value}``
    (shares under ``<lever>.<part>``, ranges under their key)."""
    point: dict[str, float] = {}
    for lev in levers:
        if lev.kind == "range":
            point[lev.name] = (trial.suggest_int(lev.name, int(lev.lo), int(lev.hi))
                               if lev.integer else trial.suggest_float(lev.name, lev.lo, lev.hi))
            continue
        ws = [trial.suggest_float(p, MIN_WEIGHT, 1.0) for p in lev.params]
        for part, share in zip(lev.parts, shares_from_weights(ws)):
            point[f"{lev.name}.{part}"] = share * lev.total
    return point


def point_overrides(scenario: Scenario, levers: list[Lever],
                    point: dict[str, float]) -> dict[str, Any]:
    """Scenario overrides (dotted key -> value) that realise a decoded point."""
    over: dict[str, Any] = {}
    r = scenario.retailers[0] if scenario.retailers else None
    for lev in levers:
        if lev.kind == "range":
            over[lev.name] = point[lev.name]
            continue
        shares = {p: point[f"{lev.name}.{p}"] for p in lev.parts}
        if lev.name == "ad_split":
            over["retailers.0.ad_split"] = shares
            continue
        alloc = dict(r.allocation) if r is not None else {}
        whole = sum(alloc.values()) or 1.0
        alloc = {k: v / whole for k, v in alloc.items()}  # normalised, as the model reads it
        alloc.update(shares)
        over["retailers.0.allocation"] = alloc
    return over


def start_point(scenario: Scenario, levers: list[Lever]) -> dict[str, float]:
    """The input scenario's own point (to enqueue it as the first trial)."""
    params: dict[str, float] = {}
    r = scenario.retailers[0] if scenario.retailers else None
    for lev in levers:
        if lev.kind == "range":
            params[lev.name] = current_value(scenario, lev.name)
            continue
        src = r.ad_split or {r.ad_platform: 1.0} if lev.name == "ad_split" else r.allocation
        vals = [float(src.get(p, 0.0)) for p in lev.parts]
        total = sum(vals) or 1.0
        # w_i = exp(−s_i) maps back to shares s_i (up to the common scale, which cancels)
        for name, v in zip(lev.params, vals):
            params[name] = max(MIN_WEIGHT, math.exp(-v / total))
    return params


__all__ = ["Lever", "SIMPLEX_LEVERS", "current_value", "parse_lever", "point_overrides",
           "shares_from_weights", "start_point", "suggest"]
