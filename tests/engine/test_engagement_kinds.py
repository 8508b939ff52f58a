"""Engagement kinds (sim/engine/engagement_kinds.py): every engaged view is a like, a comment,
a save or a share, drawn from the platform's mix on a stream of its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.config.scenario import ScenarioError, load_scenario
from sim.engine.engagement_kinds import COLUMNS, EngagementKinds, mix_cdf
from sim.execution.runner import run_single

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"
KIND_KPIS = set(COLUMNS)


def baseline(**sets):
    return load_scenario(BASELINE, {"run.consumers": 2000, "run.days": 30, **sets})


def test_kinds_add_up_to_engagements_overall_and_per_creator():
    res = run_single(baseline(), 5, keep_timeseries=False)
    s = res.summary
    assert s["engagements"] > 0
    assert sum(s[k] for k in COLUMNS) == s["engagements"]
    assert s["likes"] > s["shares"] > 0  # the default mix: likes dominate
    table = res.creators
    assert (table[list(COLUMNS)].sum(axis=1) == table["engagements"]).all()


def test_the_mix_moves_only_the_split():
    """All shares on one platform's `share`: its engagements become shares; every other KPI
    of the run is bit-identical (the kinds have their own random stream)."""
    mixes = {f"platforms.{p}.engagement_mix": {"share": 1.0} for p in ("feed", "notes", "chat")}
    base = run_single(baseline(), 6, keep_timeseries=False).summary
    alt = run_single(baseline(**mixes), 6, keep_timeseries=False).summary
    assert alt["shares"] == alt["engagements"] == base["engagements"]
    assert alt["likes"] == alt["comments"] == alt["saves"] == 0
    for k, v in base.items():
        if k not in KIND_KPIS:
            assert alt[k] == v or (v != v and alt[k] != alt[k]), k


@pytest.mark.parametrize("name", ["live_commerce", "group_buying", "bargain_assist"])
def test_kinds_add_up_in_every_response_pass(name):
    """Live sessions, group-buy and assist asks respond outside the daily engagement pass;
    their engagements get kinds too."""
    path = BASELINE.with_name(f"{name}.toml")
    s = run_single(load_scenario(path, {"run.consumers": 2000, "run.days": 30}), 7,
                   keep_timeseries=False).summary
    assert s["engagements"] > 0
    assert sum(s[k] for k in COLUMNS) == s["engagements"]


def test_reference_modes_draw_no_kinds():
    path = BASELINE.parent / "reference" / "independent_cascade.toml"
    s = run_single(load_scenario(path, {"run.days": 30}), 1, keep_timeseries=False).summary
    assert s["engagements"] > 0 and all(s[k] == 0 for k in COLUMNS)


def test_draws_follow_the_platform_shares():
    cdf = mix_cdf([{"like": 3, "comment": 1}, {"save": 1.0, "share": 1.0}])
    book = EngagementKinds(cdf, seed=1)
    book.set_creators(2)
    n = 40_000
    platform = np.repeat([0, 1], n // 2)
    creator = np.tile([0, 1, -1, -1], n // 4)
    book.book(platform, creator)
    p0 = book.by_platform[0] / book.by_platform[0].sum()
    p1 = book.by_platform[1] / book.by_platform[1].sum()
    assert p0 == pytest.approx([0.75, 0.25, 0, 0], abs=0.015)
    assert p1 == pytest.approx([0, 0, 0.5, 0.5], abs=0.015)
    assert book.by_creator.sum() == n // 2 and book.counts.sum() == n


@pytest.mark.parametrize("mix, word", [({"retweet": 1.0}, "retweet"),
                                       ({"like": 0.0}, "positive")])
def test_bad_mix_names_the_field(mix, word):
    with pytest.raises(ScenarioError, match=word) as err:
        baseline(**{"platforms.feed.engagement_mix": mix})
    assert "engagement_mix" in str(err.value)
