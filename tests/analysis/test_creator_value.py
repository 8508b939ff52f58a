"""Picking creators by simulation: bookings cost their fees and add reach; the CELF pick beats
the biggest-followers-first pick and random picks of the same cost on fresh seeds."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.creator_pick import biggest_first, pick_creators, random_pick_of_cost
from sim.analysis.creator_value import CreatorValue, with_roster
from sim.config.loading import load_scenario
from sim.execution.runner import run_single

# c1 is the biggest but mostly bought followers; c2/c3 crowd circle 0 with c1; c4-c6 reach
# circles nobody else does
ROSTER = """creator_id,platform,tier,followers,fee,engagement_rate,circle,real_fan_share,content_quality
c1,feed,head,3000000,9000,0.02,0,0.15,0.5
c2,feed,head,1500000,4000,0.03,0,1,0.6
c3,feed,head,1400000,4000,0.03,0,1,0.6
c4,notes,waist,900000,3000,0.03,5,1,0.6
c5,notes,waist,800000,3000,0.03,9,1,0.6
c6,notes,waist,700000,3000,0.03,14,1,0.6
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    path = tmp_path_factory.mktemp("roster") / "r.csv"
    path.write_text(ROSTER)
    scn = load_scenario("baseline", {"run.consumers": 1500, "run.days": 15,
                                     "retailers.brand.budget": 5000.0})
    return with_roster(scn, path)


def test_a_booking_costs_its_fee_and_adds_reach(setup):
    scn, roster = setup
    value = CreatorValue(scn, roster, "reach", [1, 2, 3])
    assert np.all(value((3,)) > value(()))
    booked = scn.model_copy(update={"roster": scn.roster.model_copy(update={"book": ["c4"]})})
    spend = run_single(booked, 1, keep_timeseries=False).summary["spend_waist"]
    assert spend == pytest.approx(3000 * scn.money_scale)


@pytest.mark.slow
def test_pick_beats_biggest_first_and_random_on_fresh_seeds(setup):
    scn, roster = setup
    budget = 9000.0
    result = pick_creators(CreatorValue(scn, roster, "reach", [1, 2, 3]), roster.fees(), budget)
    assert result.spent <= budget and result.picks
    assert 0 not in result.chosen  # the bought-follower giant is not worth its fee
    fresh = CreatorValue(scn, roster, "reach", [101, 102, 103, 104])
    ours = fresh(result.chosen)
    big = fresh(biggest_first([c.followers for c in roster.creators], roster.fees(), budget))
    rng = np.random.default_rng(5)
    randoms = [fresh(random_pick_of_cost(roster.fees(), result.spent, rng)) for _ in range(4)]
    assert np.mean(ours - big) > 0
    assert np.mean(ours) > np.mean(randoms)
