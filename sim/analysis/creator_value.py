"""The value of booking a set of roster creators, by simulation (for :mod:`creator_pick`).

``CreatorValue(scenario, roster, objective, seeds)`` is a callable f(S): for each seed, the
scenario run with exactly the roster creators S booked (``[influencers] book``, one promo post
each on the first retailer's start day, fees booked as spend) and the objective read from the
run. The roster's tiers are switched off in the retailer's plan (``disabled_channels``), so the
scenario's own tier budget does not hire roster creators at random: the rest of the plan (ads,
community, coupons, other tiers) is the same background for every set. Every set runs under
the same seeds, so differences between sets are paired (common random numbers) and the world
(graph, consumers, every roster creator's followers) is the same for all of them.

Objectives: ``orders`` (orders placed), ``reach`` (consumers reached at least once), ``profit``
(gross profit minus all spend, yuan: the fees of S are part of the spend).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.config.roster import Roster, scenario_roster
from sim.config.scenario import Scenario, ScenarioError
from sim.execution.runner import run_single

OBJECTIVES = ("orders", "reach", "profit")


def objective_value(summary: dict[str, float], objective: str) -> float:
    """The objective of one run's final KPIs (profit is net of all spend, yuan)."""
    if objective == "profit":
        return float(summary["profit"] - summary["spend"])
    return float(summary[objective])


def with_roster(scenario: Scenario, roster_path: str | Path) -> tuple[Scenario, Roster]:
    """``scenario`` with ``roster_path`` as its roster, nothing booked and the roster's tiers
    disabled in every retailer's plan; raises ScenarioError (RosterError) on a bad roster."""
    over: dict[str, object] = {"influencers.roster": str(Path(roster_path).resolve()),
                               "influencers.book": []}
    scn = scenario.with_overrides(over)
    roster = scenario_roster(scn)
    assert roster is not None
    retailers = {}
    for r in scn.retailers:
        off = sorted(set(r.disabled_channels) | set(roster.tiers))
        retailers[f"retailers.{r.name}.disabled_channels"] = off
    return scn.with_overrides(retailers), roster


class CreatorValue:
    """f(S) per seed for sets S of roster creators (indices in roster order)."""

    def __init__(self, scenario: Scenario, roster: Roster, objective: str,
                 seeds: Sequence[int]) -> None:
        if objective not in OBJECTIVES:
            raise ScenarioError(f"--objective: {objective!r}; allowed: {', '.join(OBJECTIVES)}")
        if not scenario.retailers or scenario.run.mode != "full":
            raise ScenarioError("creators pick: the scenario needs run.mode 'full' and a retailer")
        self.scenario, self.roster = scenario, roster
        self.objective, self.seeds = objective, [int(s) for s in seeds]
        self.ids = roster.ids()
        self.runs = 0

    def __call__(self, subset: tuple[int, ...]) -> np.ndarray:
        booked = self.scenario.model_copy(update={"roster": self.scenario.roster.model_copy(
            update={"book": [self.ids[i] for i in subset]})})
        out = np.empty(len(self.seeds))
        for j, seed in enumerate(self.seeds):
            out[j] = objective_value(run_single(booked, seed, keep_timeseries=False).summary,
                                     self.objective)
            self.runs += 1
        return out


__all__ = ["OBJECTIVES", "CreatorValue", "objective_value", "with_roster"]
