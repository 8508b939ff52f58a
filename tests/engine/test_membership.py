"""Membership: win-back lowers churn among churn-risk members, the programme and the
community run (and cost) beyond the campaign, and the community's repurchase boost ends when
the retailer stops paying for the community."""

from __future__ import annotations

from retail_toys import check_money, paired_means, run, small

from sim.engine import funnel


def test_winback_lowers_churn_among_churn_risk_members():
    kw = {"behaviour.churn_hazard": 0.02, "retailers.0.membership.churn_risk_days": 20,
          "retailers.0.membership.segment_every": 10}
    off = small("membership_tiers", days=120, **kw, **{"retailers.0.membership.winback": False})
    on = small("membership_tiers", days=120, **kw,
               **{"retailers.0.membership.winback_return_prob": 0.8})
    a, b = paired_means(off, on, "churned_among_risk", seeds=(1, 2, 3))
    assert b < a


def test_points_levels_and_money_every_step():
    def check(model):
        k = model.kpis
        check_money(model)
        assert k["points_redeemed"] <= k["points_issued"]
        levels = sum(v for key, v in k.items() if key.startswith("members_by_level_"))
        assert levels == k["programme_members"]
        assert 0.0 <= k["churn_risk_share"] <= 1.0 and 0.0 <= k["winback_rate"] <= 1.0

    model = run(small("membership_tiers", days=70), 2, check)
    assert model.kpis["points_issued"] > 0 and model.kpis["ltv"] > 0


def test_community_costs_continue_beyond_the_campaign():
    scn = small("membership_tiers", days=60, **{"retailers.0.end_day": 30,
                                                "retailers.0.community.end_day": 60})
    spent = {}
    run(scn, 1, lambda m: spent.__setitem__(m.day, m.kpis["spend_community"]))
    assert spent[60] > spent[31] > spent[30] > 0
    ended = small("membership_tiers", days=60, **{"retailers.0.end_day": 30,
                                                  "retailers.0.community.end_day": 30})
    spent.clear()
    run(ended, 1, lambda m: spent.__setitem__(m.day, m.kpis["spend_community"]))
    assert spent[60] == spent[30]


def test_members_lose_the_community_boost_when_it_stops(monkeypatch):
    seen = {}
    real = funnel.decide_purchases

    def spy(*args, **kwargs):
        seen[len(seen) + 1] = kwargs["multipliers"][0]
        return real(*args, **kwargs)

    monkeypatch.setattr(funnel, "decide_purchases", spy)
    scn = small("membership_tiers", days=40, **{"retailers.0.end_day": 20,
                                                "retailers.0.community.end_day": 25})
    run(scn, 1)
    assert seen[10] == seen[25] == scn.retailers[0].community.repurchase_multiplier
    assert seen[26] == seen[40] == 1.0


def test_programme_beats_no_programme_on_repurchase():
    """Levels, rewards and treatments raise members' repurchase (paired seeds)."""
    on = small("membership_tiers", days=120)
    off = small("membership_tiers", days=120, **{"retailers.0.membership.end_day": 1})
    a, b = paired_means(off, on, "repurchase_rate", seeds=(1, 2, 3))
    assert b > a


def test_membership_boost_multiplies_the_repurchase_hazard(small_baseline):
    import numpy as np

    from sim.engine.model import SocialCommerceModel

    model = SocialCommerceModel(small_baseline, seed=3)
    pop, beh = model.population, small_baseline.behaviour
    rows = np.arange(0, pop.n, 7)
    boost = np.random.default_rng(0).uniform(1.0, 3.0, pop.n).astype(np.float32)
    plain = funnel.repurchase_probability(pop, rows, 0, beh, 2.5)
    boosted = funnel.repurchase_probability(pop, rows, 0, beh, 2.5, boost=boost)
    assert np.allclose(boosted, np.clip(plain * boost[rows], 0, 1), rtol=1e-6)


def test_referrals_earn_points():
    kw = {"retailers.0.community.referral_prob": 0.05}
    none = small("membership_tiers", days=40, **kw,
                 **{"retailers.0.membership.referral_points": 0.0})
    many = small("membership_tiers", days=40, **kw,
                 **{"retailers.0.membership.referral_points": 500.0})
    a, b = paired_means(none, many, "points_issued", seeds=(1, 2))
    assert b > a
