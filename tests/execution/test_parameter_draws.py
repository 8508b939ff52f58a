"""Parameter uncertainty: one draw per replication, paired across scenarios and backends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.execution.runner import replicate, replication_jobs
from sim.execution.uncertainty import UncertaintyError, load_uncertainty

PRIORS = """
[[prior]]
key = "behaviour.follower_trust"
low = 0.3
high = 0.8

[[prior]]
key = "behaviour.c0"
dist = "normal"
mean = -4.3
sd = 0.3
low = -5.0
"""


@pytest.fixture
def posterior(tmp_path):
    path = tmp_path / "posterior.parquet"
    pd.DataFrame({"behaviour.follower_trust": [0.3, 0.5, 0.7], "behaviour.c0": [-5, -4, -3.5],
                  "weight": [0.0, 1.0, 1.0], "distance": [0.1, 0.2, 0.3]}).to_parquet(path)
    return load_uncertainty(path)


def test_posterior_draws_are_rows_by_weight_and_deterministic(posterior):
    assert posterior.keys == ("behaviour.follower_trust", "behaviour.c0")
    draws = posterior.draws(7, 200)
    rows = {tuple(d.values()) for d in draws}
    assert rows == {(0.5, -4.0), (0.7, -3.5)}  # zero weight never drawn; whole rows kept
    assert draws == posterior.draws(7, 200) and draws != posterior.draws(8, 200)


def test_priors_table(tmp_path, small_baseline):
    path = tmp_path / "priors.toml"
    path.write_text(PRIORS)
    pri = load_uncertainty(path)
    x = np.array([[d["behaviour.follower_trust"], d["behaviour.c0"]] for d in pri.draws(1, 400)])
    assert 0.3 <= x[:, 0].min() and x[:, 0].max() <= 0.8
    assert x[:, 1].min() >= -5.0 and abs(x[:, 1].mean() + 4.3) < 0.05
    pri.check(small_baseline)


@pytest.mark.parametrize("text, fragment", [
    ("[[prior]]\nkey = 'behaviour.c0'\ndist = 'beta'\n", "dist: 'beta' unknown"),
    ("[[prior]]\nkey = 'behaviour.c0'\nlow = 1\n", "needs high"),
    ("[[prior]]\nkey = 'behaviour.c0'\nlow = 2\nhigh = 1\n", "low must be < high"),
    ("x = 1\n", "needs [[prior]] entries"),
])
def test_bad_priors_are_named(tmp_path, text, fragment):
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(UncertaintyError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        load_uncertainty(path)


def test_keys_are_checked_against_the_scenario(tmp_path, small_baseline):
    path = tmp_path / "p.csv"
    pd.DataFrame({"behaviour.nope": [1.0]}).to_csv(path, index=False)
    with pytest.raises(UncertaintyError, match="not a key"):
        load_uncertainty(path).check(small_baseline)
    pd.DataFrame({"behaviour.follower_trust": [1.5]}).to_csv(path, index=False)
    with pytest.raises(UncertaintyError, match="rejected"):
        load_uncertainty(path).check(small_baseline)


def test_replications_draw_paired_vectors_and_record_them(posterior, small_baseline):
    seeds = [11, 12, 13]
    a = replication_jobs(small_baseline, seeds, False, posterior)
    b = replication_jobs(small_baseline.with_overrides({"retailers.0.budget": 1e6}), seeds,
                         False, posterior)
    assert [j[3] for j in a] == [j[3] for j in b] == posterior.draws(11, 3)
    small = small_baseline.with_overrides({"run.consumers": 500, "run.days": 5})
    runs = replicate(small, 3, 11, keep_timeseries=False, uncertainty=posterior)
    assert [r.extra["params"] for r in runs] == posterior.draws(11, 3)
    plain = replicate(small, 3, 11, keep_timeseries=False)
    assert all("params" not in r.extra for r in plain)
