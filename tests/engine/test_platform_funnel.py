"""The platform funnel (sim/engine/platform_funnel.py): impressions → views → engagements →
clicks → orders, measured on the consumers' behaviour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import SocialCommerceModel
from sim.config.scenario import load_scenario
from sim.execution.runner import run_single

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"
PLATFORMS = ("feed", "notes", "chat")


def baseline(**sets):
    return load_scenario(BASELINE, {"run.consumers": 2000, "run.days": 30, **sets})


def _all_platforms(key: str, value: float) -> dict:
    return {f"platforms.{p}.{key}": value for p in PLATFORMS}


def test_views_are_the_viewed_share_of_impressions():
    """Every impression viewed at rate 1; about half at rate 0.5; engagement counts views only."""
    full = run_single(baseline(**_all_platforms("view_rate", 1.0)), 1).summary
    half = run_single(baseline(**_all_platforms("view_rate", 0.5)), 1).summary
    assert full["views"] == full["impressions"]
    assert full["views"] - full["views_search"] == full["exposures"]  # search results: no post
    assert half["views"] / half["impressions"] == pytest.approx(0.5, abs=0.03)
    assert half["engagements"] < full["engagements"]
    assert half["engagements"] <= half["views"]


def test_clicks_open_product_page_sessions_that_convert():
    """Without clicks there are no click-attributed orders; with clicks the same worlds sell
    more (a click is a product-page visit) and CVR = click orders / clicks stays in (0, 1].
    Orders are compared summed over five seeds of 60 days: one small run's orders (30–50)
    vary more from one draw to the next than the clicks add."""
    no_search = {"behaviour.search_rate": 0.0, "run.days": 60}
    orders = {0.0: 0.0, 0.6: 0.0}
    for seed in range(1, 6):
        none = run_single(baseline(**_all_platforms("click_rate", 0.0), **no_search), seed).summary
        some = run_single(baseline(**_all_platforms("click_rate", 0.6), **no_search), seed).summary
        assert none["clicks"] == 0 and none["cvr"] == 0 and none["ctr"] == 0
        assert some["clicks"] > 0 and 0 < some["cvr"] <= 1
        assert some["ctr"] == pytest.approx(some["clicks"] / some["impressions"])
        orders[0.0] += none["orders"]
        orders[0.6] += some["orders"]
    assert orders[0.6] > 1.1 * orders[0.0]


def test_money_ratios_follow_spend_and_counts():
    """CPM of a plan buying only ads is the ad platform's price per 1,000 impressions; CPC, CPE
    and AOV are spend per click, spend per engagement and GMV per order."""
    only_ads = {f"retailers.brand.allocation": {"ads": 1.0}}
    s = run_single(baseline(**only_ads), 3).summary
    assert s["spend_ads"] > 0 and s["impressions_ads"] > 0
    assert s["cpm"] == pytest.approx(50.0, rel=0.01)  # feed in-feed CPM of the baseline
    assert s["cpc"] == pytest.approx(s["spend_ads"] / s["clicks_ads"])
    assert s["aov"] == pytest.approx(s["gmv"] / s["orders"])


def test_per_creator_counts_add_up_to_the_tier_counts():
    """creators.csv rows: per-creator impressions, views and clicks sum to their tier's."""
    model = SocialCommerceModel(baseline(), seed=4)
    while model.running:
        model.step()
    from sim.engine.platform_funnel import creator_rows
    rows = creator_rows(model.ctx)
    for tier in ("head", "waist", "tail"):
        mine = [r for r in rows if r["tier"] == tier]
        for col in ("impressions", "views", "clicks"):
            assert sum(r[col] for r in mine) == model.kpis[f"{col}_{tier}"]
    assert sum(r["orders"] for r in rows) <= model.kpis["orders"]
    assert np.all([r["engagements"] <= r["views"] for r in rows])


@pytest.mark.parametrize("path", ["baseline.toml", "live_commerce.toml", "reference/bass.toml"])
def test_creator_frame_equals_frame_of_rows(path):
    """The column-built creators table is the data frame of the row dicts (columns, dtypes,
    values), with and without creators."""
    import pandas as pd

    from sim.engine.model import SocialCommerceModel
    from sim.engine.platform_funnel import creator_frame, creator_rows

    file = Path(__file__).resolve().parents[2] / "scenarios" / path
    over = {"run.days": 12} if "reference" in path else {"run.consumers": 1500, "run.days": 12}
    model = SocialCommerceModel(load_scenario(file, over), seed=3)
    while model.running:
        model.step()
    pd.testing.assert_frame_equal(creator_frame(model.ctx),
                                  pd.DataFrame(creator_rows(model.ctx)), check_exact=True)
