"""Gamification: novelty wears off, check-ins cost points and lower churn (paired seeds)."""

from __future__ import annotations

import numpy as np

from sim.config.loading import load_scenario
from sim.engine.gamification import novelty
from sim.engine.model import SocialCommerceModel

SMALL = {"run.consumers": 2000, "run.days": 45}


def _game(**cfg):
    return load_scenario("baseline", {**SMALL, "retailers.brand.gamification": cfg})


def test_novelty_starts_at_one_and_wears_off_to_the_floor():
    assert novelty(0, 30, 0.25) == 1.0
    assert novelty(30, 30, 0.25) < novelty(10, 30, 0.25) < 1.0
    assert abs(novelty(3000, 30, 0.25) - 0.25) < 1e-9


def _run(scn, seed):
    model = SocialCommerceModel(scn, seed=seed)
    rates = []
    while model.running:
        model.step()
        k = model.kpis
        assert 0.0 <= k["checkin_rate"] <= 1.0 and k["checkins"] >= 0
        rates.append(k["checkin_rate"])
    return model, rates


def test_checkins_retain_customers_and_cost_points_paired_seeds():
    churned, costs = [], []
    for seed in (1, 2, 3, 4):
        kept, _ = _run(_game(checkin_prob=0.8, retention_lift=1.0, point_cost=2.0), seed)
        plain, _ = _run(_game(checkin_prob=0.8, retention_lift=0.0, point_cost=2.0), seed)
        rate = lambda m: m.ctx.population.churned.sum() / max(1, m.kpis["buyers"])  # noqa: E731
        churned.append(rate(plain) - rate(kept))
        desk = kept.ctx.formats["gamification"]
        costs.append(desk.checkins * 2.0 <= kept.kpis["spend_community"] + 1e-9)  # yuan each
    assert np.mean(churned) > 0 and all(costs)


def test_the_checkin_rate_falls_as_novelty_wears_off():
    _, rates = _run(_game(checkin_prob=0.6, novelty_days=7.0, floor=0.1), 4)
    early, late = np.mean(rates[8:15]), np.mean(rates[-7:])
    assert late < 0.6 * early
