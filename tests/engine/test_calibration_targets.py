"""The grounded baseline (scenarios/baseline_grounded.toml) lands inside every public range of
docs/calibration_targets.md (one test per range). One baseline run at 10,000 consumers over the full 90 days (about 5–10 s), measured on
the run's behaviour: spend over delivered views and engagements, engagements over views, fees
over the followers creators actually reach."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import SocialCommerceModel
from sim.config.scenario import load_scenario

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline_grounded.toml"
TIERS = ("head", "waist", "tail")

# (low, high) of docs/calibration_targets.md
COST_PER_VIEW = (0.1, 1.0)  # yuan per view of a creator post
COST_PER_ENGAGEMENT = (1.0, 10.0)  # yuan per engagement with a creator post
ENGAGEMENT_PER_VIEW = {"head": (0.03, 0.08), "waist": (0.08, 0.15), "tail": (0.15, 0.25)}
FEE_PER_FOLLOWER = (0.005, 0.5)  # yuan per real follower, per post
IN_FEED_CPM = (4.0, 60.0)  # yuan per 1,000 ad impressions


@pytest.fixture(scope="module")
def baseline_run():
    model = SocialCommerceModel(load_scenario(BASELINE, {"run.consumers": 10_000}), seed=1)
    while model.running:
        model.step()
    return model


def _inside(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


@pytest.mark.parametrize("tier", TIERS)
def test_creator_cost_per_view(baseline_run, tier):
    k = baseline_run.kpis
    assert _inside(k[f"spend_{tier}"] / k[f"views_{tier}"], COST_PER_VIEW)


@pytest.mark.parametrize("tier", TIERS)
def test_creator_cost_per_engagement(baseline_run, tier):
    k = baseline_run.kpis
    engagements = k[f"engagement_rate_{tier}"] * k[f"views_{tier}"]
    assert _inside(k[f"spend_{tier}"] / engagements, COST_PER_ENGAGEMENT)


@pytest.mark.parametrize("tier", TIERS)
def test_engagement_per_view_by_tier(baseline_run, tier):
    assert _inside(baseline_run.kpis[f"engagement_rate_{tier}"], ENGAGEMENT_PER_VIEW[tier])


@pytest.mark.parametrize("tier", TIERS)
def test_fee_per_follower_by_tier(baseline_run, tier):
    creators = baseline_run.influencers_by_tier[tier]
    per_follower = np.median([c.fee / max(1, len(c.followers)) for c in creators])
    assert _inside(per_follower, FEE_PER_FOLLOWER)


def test_in_feed_ad_cpm(baseline_run):
    k = baseline_run.kpis
    assert _inside(1000.0 * k["spend_ads"] / k["impressions_ads"], IN_FEED_CPM)
